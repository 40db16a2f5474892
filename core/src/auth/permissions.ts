// What each role may do. Every route declares one permission (api/routes.ts); the API's auth middleware
// checks the caller's role has it and, on a route with a :ns, that the namespace is in the caller's scope.
// Nodes and join tokens are not in this table: their routes are their own (auth.ts `allowed`).

/** A role an API token (`lb token create --role`) or the cluster owner's token acts with. */
export const API_ROLES = ['admin', 'deployer', 'viewer'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export const PERMISSIONS = [
  /** No token needed. */
  'public',
  /** A join token joining its node. */
  'join',
  /** A node's own credential only (its certificate renewal). */
  'node.self',
  /** Cluster totals, the leader, nodes, drivers, ingress and discovery: nothing that names a namespace. */
  'cluster.read',
  /** Nodes, drivers, components and the agents' routes: change the cluster itself. */
  'cluster.admin',
  /** Make, list and revoke tokens. */
  'token.manage',
  /** Create, update and delete namespaces (also a Namespace manifest inside an apply). */
  'namespace.manage',
  /** Read the objects of a namespace (secret values are never shown). */
  'namespace.read',
  /** Create, change, scale, roll back and delete the objects of a namespace. */
  'namespace.write',
  /** Run a command in a pod of a namespace. */
  'namespace.exec',
  /** Read the log lines of a namespace's pods. */
  'logs.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Permissions that hold in a namespace: on a route with :ns the namespace must be in the token's scope. */
export const NAMESPACED: ReadonlySet<Permission> = new Set<Permission>(['namespace.read', 'namespace.write', 'namespace.exec', 'logs.read']);

const READ: readonly Permission[] = ['cluster.read', 'namespace.read', 'logs.read'];

export const ROLE_PERMISSIONS: Readonly<Record<ApiRole, readonly Permission[]>> = {
  admin: ['cluster.read', 'cluster.admin', 'token.manage', 'namespace.manage', 'namespace.read', 'namespace.write', 'namespace.exec', 'logs.read'],
  deployer: [...READ, 'namespace.write', 'namespace.exec'],
  viewer: READ,
};

/** A caller with an API role: the owner's token (no id), or a token made with `lb token create`. */
export interface ApiCaller {
  role: ApiRole;
  /** The token's id; absent for the cluster owner's token. */
  token?: string;
  description?: string;
  /** Deployer and viewer tokens limited to these namespaces; absent: all namespaces. */
  namespaces?: readonly string[];
}

export const hasPermission = (c: Pick<ApiCaller, 'role'>, p: Permission): boolean => ROLE_PERMISSIONS[c.role].includes(p);

/** Whether a caller may see a namespace at all (lists show only these). */
export const inScope = (c: Pick<ApiCaller, 'namespaces'>, ns: string): boolean => !c.namespaces || c.namespaces.includes(ns);

/** How a refusal names a caller: the owner's token, or a made token by its description or id. */
export const callerLabel = (c: ApiCaller): string => (c.token === undefined ? 'the admin token' : `token "${c.description ?? c.token}"`);

/**
 * Why a caller may not do this, or undefined when it may: names the role and the missing permission.
 * Out of scope and missing permission give the same answer whether the namespace exists or not: the
 * check reads no store.
 */
export function refusal(c: ApiCaller, p: Permission, ns?: string): string | undefined {
  const nsOk = ns === undefined || !NAMESPACED.has(p) || inScope(c, ns);
  if (hasPermission(c, p) && nsOk) return undefined;
  return `${callerLabel(c)} (role ${c.role}) lacks "${p}"${ns !== undefined && NAMESPACED.has(p) ? ` on namespace "${ns}"` : ''}`;
}
