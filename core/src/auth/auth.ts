// Who is calling: the admin (the server's token), an API token with a role (admin, deployer, viewer;
// permissions.ts says what each may do), a join token (may only join a node), or a node's own
// credential (may only read its manifest and write its status). Only hashes of tokens and
// node credentials are stored; the secrets are shown once, when they are made. Nothing in the store
// lets its reader act as a server towards an agent: that takes the CA key or the secret key, both
// sealed or kept outside the store.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { LbError, ManifestMeta, notFound, parseOrThrow, type CreatedToken, type JoinResult, type TokenInfo, type TokenRole } from '@lastbackend/sdk';
import { z } from 'zod';
import { keys } from '../store/keys';
import { API_ROLES, type ApiCaller } from './permissions';
import { newMeta } from '../store/meta';
import type { Store } from '../store/store';
import type { SecretBox } from '../state/secret-box';
import type { ClusterTls } from '../tls/cluster-tls';
import type { PeerIdentity } from '../tls/cert-info';

/**
 * `certified`: over TLS, the node also presented its current certificate. A node without one may only
 * ask for a certificate (an agent that joined over plain HTTP, upgrading).
 */
export type Principal = ApiCaller | { role: 'join'; token: string } | { role: 'node'; node: string; certified: boolean };

/** Whether a caller acts with an API role (admin, deployer, viewer) rather than as a node or a join token. */
export const isApiCaller = (p: Principal): p is ApiCaller => p.role !== 'join' && p.role !== 'node';

/**
 * Who a caller is, as the audit trail and error messages name it (never a secret): 'admin' (the owner's
 * token), an API token's description or 'token/<id>', 'join-token/<id>', 'node/<name>'.
 */
export function principalName(p: Principal | undefined): string {
  if (!p) return 'anonymous';
  if (p.role === 'join') return `join-token/${p.token}`;
  if (p.role === 'node') return `node/${p.node}`;
  if (p.token === undefined) return 'admin';
  return p.description ?? `token/${p.token}`;
}

/**
 * A token made with `lb token create`: a join token (role node, bearer lbj.<id>.<secret>, used up by its
 * joins) or an API token (admin, deployer, viewer; bearer lbt.<id>.<secret>). Only its hash is stored.
 */
export interface StoredToken {
  kind: 'Token';
  version: 'v1';
  meta: ReturnType<typeof newMeta>;
  spec: {
    role: TokenRole;
    hash: string;
    expires: string;
    /** Joins left: node tokens only. */
    uses?: number;
    node?: string;
    /** Deployer and viewer tokens: the only namespaces they act in (absent: all). */
    namespaces?: string[];
    description?: string;
  };
  status: Record<string, never>;
}

export interface NodeCredential {
  kind: 'Credential';
  version: 'v1';
  meta: ReturnType<typeof newMeta>;
  /**
   * hash: of the node's bearer token. address: where its agent serves the API server, fixed at join.
   * cert_serial: its current certificate (over TLS); an older one no longer counts. server: the name
   * is an API server's own node, which no join may take. cert_ca: the id of the CA that issued the
   * certificate (`lb ca rotate` waits until every node's is the new CA's).
   */
  spec: { hash?: string; address?: string; cert_serial?: string; cert_expires?: string; cert_ca?: string; server?: boolean };
  status: Record<string, never>;
}

const DAY = 86_400;

/**
 * The admin token after its first rotation (`lb token rotate`): the hash of the current one, and of earlier
 * ones each with the end of its grace. Before any rotation the server's configured token is the admin's.
 */
export interface AdminTokenRecord {
  kind: 'AdminToken';
  version: 'v1';
  meta: ReturnType<typeof newMeta>;
  spec: { hash: string; previous: { hash: string; until: string }[] };
  status: Record<string, never>;
}

export const AdminRotateRequest = z
  .object({
    grace: z
      .number()
      .int()
      .min(0)
      .max(30 * DAY)
      .default(3600)
      .describe('seconds the old admin token keeps working (default 3600; 0: refused at once)'),
  })
  .strict();

const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const hex = (s: string) => sha256(s).toString('hex');
const sameHash = (a: Buffer, hexB: string | undefined) => {
  if (!hexB) return false;
  const b = Buffer.from(hexB, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
};
const secret = () => randomBytes(24).toString('base64url');

const TOKEN_ROLES = ['node', ...API_ROLES] as const;
/** Names principalName gives other callers: a description must not pass for one of them in the audit trail. */
const RESERVED_NAME = /^(admin|anonymous)$|^(token|node|join-token)\//i;

export const TokenRequest = z
  .object({
    role: z.enum(TOKEN_ROLES, { error: 'must be node, admin, deployer or viewer' }).default('node'),
    ttl: z.number().int().min(60).max(10 * 365 * DAY).optional().describe('seconds until the token expires (default: 24 h for a node token, 30 days for the others)'),
    uses: z.number().int().min(1).max(10_000).optional().describe('joins it allows (default 1; node tokens only)'),
    node: z.string().regex(NODE_NAME, 'must be a lowercase host name').optional().describe('the only node name that may join with it (node tokens only)'),
    namespaces: z
      .array(ManifestMeta.shape.name)
      .min(1)
      .max(100)
      .optional()
      .describe('deployer and viewer tokens: the only namespaces they may act in and see (absent: all namespaces)'),
    description: z
      .string()
      .min(1)
      .max(256)
      .refine((d) => !RESERVED_NAME.test(d), 'must not be "admin" or "anonymous" nor start with "token/", "node/" or "join-token/": those name other callers')
      .optional()
      .describe('who or what it is for: the name the token acts under'),
  })
  .strict()
  .superRefine((r, ctx) => {
    const only = (field: 'uses' | 'node' | 'namespaces', roles: readonly string[], what: string) => {
      if (r[field] !== undefined && !roles.includes(r.role)) ctx.addIssue({ code: 'custom', path: [field], message: `only for ${what} tokens, not ${r.role}` });
    };
    only('uses', ['node'], 'node');
    only('node', ['node'], 'node');
    only('namespaces', ['deployer', 'viewer'], 'deployer and viewer');
  });

/** How long a token lives unless --ttl says otherwise, in seconds. */
export const DEFAULT_TTL: Readonly<Record<TokenRole, number>> = { node: DAY, admin: 30 * DAY, deployer: 30 * DAY, viewer: 30 * DAY };

const PublicKey = z.string().max(4096).regex(/^-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\s*$/, 'must be a PEM public key');
const Address = z.string().refine((s) => isIP(s) !== 0, 'must be an IPv4 or IPv6 address');

export const JoinRequest = z
  .object({
    name: z.string().regex(NODE_NAME, 'must be a lowercase host name'),
    address: Address.optional().describe('where the agent serves the API server (exec, drivers); fixed at join'),
    public_key: PublicKey.optional().describe('the agent key pair\'s public half: the answer carries its certificate'),
  })
  .strict();

export const CertificateRequest = z.object({ public_key: PublicKey, address: Address.optional() }).strict();

export class Auth {
  private readonly adminHash: Buffer;
  /** Set by a server that generated its admin token into its data dir: keeps a rotated one there (served.ts). */
  keepAdminToken?: (token: string) => void;
  /** What this process's own agent presents (localToken): random per process, never leaves it. */
  readonly localToken = `lbs.${randomBytes(24).toString('base64url')}`;
  private readonly localHash = sha256(this.localToken);

  constructor(
    private readonly store: Store,
    adminToken: string,
    private readonly box: SecretBox,
    /** Over TLS: the CA that issues node certificates, and nodes must present theirs. */
    private readonly tls?: ClusterTls,
  ) {
    this.adminHash = sha256(adminToken);
  }

  /**
   * The bearer servers present to each other (log merges): admin rights, the same on every server with
   * the secret key, untouched by `lb token rotate`. Mid key rotation, any key of the ring derives one.
   */
  serverToken(): string {
    return `lbs.${this.box.derive('server-token')}`;
  }

  /** Whether a bearer's hash is the admin token's: the current one, or an earlier one within its grace. */
  private async isAdmin(h: Buffer): Promise<boolean> {
    const r = await this.store.get<AdminTokenRecord>(keys.adminToken());
    if (!r) return timingSafeEqual(h, this.adminHash);
    const now = Date.now();
    return sameHash(h, r.spec.hash) || r.spec.previous.some((p) => Date.parse(p.until) > now && sameHash(h, p.hash));
  }

  /** Whether a token is the admin token now (current or in its grace): a server whose configured one was rotated away says so. */
  async adminTokenValid(token: string): Promise<boolean> {
    return this.isAdmin(sha256(token));
  }

  /**
   * A new admin token (shown once): the current one keeps working for `grace` seconds, then is refused;
   * older ones past their grace are forgotten. Only hashes are stored, so every server sees the change.
   */
  async rotateAdminToken(body: unknown): Promise<{ token: string; previous_valid_until: string }> {
    const req = parseOrThrow(AdminRotateRequest, body ?? {}, 'invalid token rotation');
    const token = secret();
    const now = Date.now();
    const until = new Date(now + req.grace * 1000).toISOString();
    await this.store.txn(async (tx) => {
      const r = await tx.get<AdminTokenRecord>(keys.adminToken());
      const current = r?.spec.hash ?? this.adminHash.toString('hex');
      const kept = (r?.spec.previous ?? []).filter((p) => Date.parse(p.until) > now);
      const next: AdminTokenRecord = {
        kind: 'AdminToken',
        version: 'v1',
        meta: r?.meta ?? newMeta({ name: 'admin' }),
        spec: { hash: hex(token), previous: [...kept, ...(req.grace > 0 ? [{ hash: current, until }] : [])] },
        status: {},
      };
      tx.put(keys.adminToken(), next);
    });
    return { token, previous_valid_until: until };
  }

  /** The caller behind a bearer token (and, over TLS, its CA-verified certificate), or undefined. */
  async authenticate(bearer: string, peer?: PeerIdentity): Promise<Principal | undefined> {
    const h = sha256(bearer);
    const [kind, id] = bearer.split('.', 3);
    if (kind === 'lbs' && (timingSafeEqual(h, this.localHash) || this.box.deriveAll('server-token').some((d) => timingSafeEqual(h, sha256(`lbs.${d}`))))) return { role: 'admin' };
    // Agents (lbn) and API tokens never pay the admin record's read.
    if (!(kind === 'lbj' || kind === 'lbt' || kind === 'lbn') && (await this.isAdmin(h))) return { role: 'admin' };
    if ((kind === 'lbj' || kind === 'lbt') && id) {
      const t = await this.store.get<StoredToken>(keys.token(id));
      if (!t || !sameHash(h, t.spec.hash) || !(Date.parse(t.spec.expires) > Date.now())) return undefined;
      const r = t.spec.role;
      if (r === 'node') return kind === 'lbj' && (t.spec.uses ?? 0) > 0 ? { role: 'join', token: id } : undefined;
      if (kind !== 'lbt') return undefined;
      return { role: r, token: id, ...(t.spec.description ? { description: t.spec.description } : {}), ...(t.spec.namespaces ? { namespaces: t.spec.namespaces } : {}) };
    }
    if (kind === 'lbn' && id) {
      const c = await this.store.get<NodeCredential>(keys.credential(id));
      if (c && sameHash(h, c.spec.hash)) {
        const certified = !this.tls || (peer?.role === 'node' && peer.name === id && peer.serial === c.spec.cert_serial);
        return { role: 'node', node: id, certified };
      }
    }
    return undefined;
  }

  /**
   * A new token; its secret is in the answer only. A join token (role node) over TLS ends with the CA's
   * hash, which its agent pins; an API token is the bearer alone.
   */
  async createToken(body: unknown): Promise<CreatedToken> {
    const req = parseOrThrow(TokenRequest, body ?? {}, 'invalid token request');
    const id = randomBytes(6).toString('hex');
    const join = req.role === 'node';
    const bearer = `${join ? 'lbj' : 'lbt'}.${id}.${secret()}`;
    const t: StoredToken = {
      kind: 'Token',
      version: 'v1',
      meta: newMeta({ name: id }),
      spec: {
        role: req.role,
        hash: hex(bearer),
        expires: new Date(Date.now() + (req.ttl ?? DEFAULT_TTL[req.role]) * 1000).toISOString(),
        ...(join ? { uses: req.uses ?? 1 } : {}),
        ...(req.node ? { node: req.node } : {}),
        ...(req.namespaces ? { namespaces: [...new Set(req.namespaces)].sort() } : {}),
        ...(req.description ? { description: req.description } : {}),
      },
      status: {},
    };
    await this.store.txn(async (tx) => tx.put(keys.token(id), t));
    return { ...tokenInfo(t), token: join && this.tls ? `${bearer}.${this.tls.hash}` : bearer };
  }

  /** Who an API caller is, with its token's expiry (GET /auth/whoami); never the secret. */
  async whoami(c: ApiCaller): Promise<{ role: ApiCaller['role']; token?: string; description?: string; namespaces?: string[]; expires?: string }> {
    const t = c.token === undefined ? undefined : await this.store.get<StoredToken>(keys.token(c.token));
    return {
      role: c.role,
      ...(c.token === undefined ? {} : { token: c.token }),
      ...(c.description === undefined ? {} : { description: c.description }),
      ...(c.namespaces === undefined ? {} : { namespaces: [...c.namespaces] }),
      ...(t ? { expires: t.spec.expires } : {}),
    };
  }

  /** Live tokens; expired ones are removed as they are seen. */
  async listTokens(): Promise<TokenInfo[]> {
    const all = await this.store.list<StoredToken>(keys.token());
    const expired = all.filter((t) => !(Date.parse(t.spec.expires) > Date.now()));
    if (expired.length) await this.store.txn(async (tx) => expired.forEach((t) => tx.del(keys.token(t.meta.name))));
    return all.filter((t) => !expired.includes(t)).map(tokenInfo);
  }

  revokeToken(id: string): Promise<void> {
    return this.store.txn(async (tx) => {
      if (!(await tx.get(keys.token(id)))) throw notFound(`token "${id}"`);
      tx.del(keys.token(id));
    });
  }

  /**
   * Credentials written before agent keys were derived held the key itself, which let a reader of the
   * store exec on that node: it is dropped on start (agents fetch the derived key instead).
   */
  async forgetStoredAgentKeys(): Promise<number> {
    return this.store.txn(async (tx) => {
      let n = 0;
      for (const c of await tx.list<NodeCredential & { spec: { agent_key?: string } }>(keys.credential())) {
        if (c.spec.agent_key === undefined) continue;
        const { agent_key: _dropped, ...spec } = c.spec;
        const kept: NodeCredential = { ...c, spec };
        tx.put(keys.credential(c.meta.name), kept);
        n++;
      }
      return n;
    });
  }

  /** Marks a name as an API server's own node: no join may take it. */
  reserveServerNode(name: string): Promise<void> {
    return this.store.txn(async (tx) => {
      const c: NodeCredential = { kind: 'Credential', version: 'v1', meta: newMeta({ name }), spec: { server: true }, status: {} };
      tx.put(keys.credential(name), c);
    });
  }

  /**
   * Joins a node with a join token: uses the token up (or one of its uses) and issues the node's own
   * credential, and over TLS its certificate, in one transaction. A name that already has a credential
   * is refused unless the token was made for that node: joining must never take over a node.
   */
  async join(tokenId: string, body: unknown): Promise<JoinResult> {
    const req = parseOrThrow(JoinRequest, body, 'invalid join request');
    if (this.tls && !req.public_key) throw new LbError('INVALID_ARGUMENT', 'invalid join request: public_key: required over TLS', { fields: [{ field: 'public_key', reason: 'required over TLS' }] });
    if (!req.address) throw new LbError('INVALID_ARGUMENT', 'invalid join request: address: required', { fields: [{ field: 'address', reason: 'required: where the agent serves the API server' }] });
    const token = `lbn.${req.name}.${secret()}`;
    return this.store.txn(async (tx) => {
      const t = await tx.get<StoredToken>(keys.token(tokenId));
      const uses = t?.spec.role === 'node' ? (t.spec.uses ?? 0) : 0;
      if (!t || uses < 1 || !(Date.parse(t.spec.expires) > Date.now())) throw new LbError('UNAUTHORIZED', 'the join token is used up, expired or revoked', { fix: 'make a new one with `lb token create --role node`' });
      if (t.spec.node && t.spec.node !== req.name) throw new LbError('FORBIDDEN', `this join token is for node "${t.spec.node}", not "${req.name}"`);
      const had = await tx.get<NodeCredential>(keys.credential(req.name));
      if (had?.spec.server) throw new LbError('ALREADY_EXISTS', `node "${req.name}" is an API server's own node and cannot be joined`, { fix: 'choose another --name for this agent' });
      // Only a token the admin made for this very node may give it a new credential (a machine that lost
      // its credentials file keeps its node and pods); any other token is refused.
      if (had && t.spec.node !== req.name)
        throw new LbError('ALREADY_EXISTS', `node "${req.name}" has already joined`, {
          fix: `run \`lb delete node ${req.name}\` first if this machine replaces it, join with \`lb token create --node ${req.name}\` to give it a new credential, or choose another --name`,
        });
      if (uses > 1) tx.put(keys.token(tokenId), withSpec(t, { uses: uses - 1 }));
      else tx.del(keys.token(tokenId));
      const cert = this.tls && req.public_key ? await this.tls.issueNode(req.name, req.address!, req.public_key) : undefined;
      const c: NodeCredential = {
        kind: 'Credential',
        version: 'v1',
        meta: newMeta({ name: req.name }),
        spec: { hash: hex(token), address: req.address, ...(cert ? { cert_serial: cert.serial, cert_expires: cert.expires, cert_ca: cert.ca } : {}) },
        status: {},
      };
      tx.put(keys.credential(req.name), c);
      return cert
        ? { node: req.name, token, certificate: cert.cert, ca: this.tls!.bundle }
        : { node: req.name, token, agent_key: this.agentKey(req.name) };
    });
  }

  /**
   * A new certificate for a node's new key: renewal before expiry, or the first one of a node that
   * joined over plain HTTP. The older certificate stops counting at once. The answer carries the CA
   * bundle to trust from now on (both CAs during `lb ca rotate`).
   */
  async renewCertificate(node: string, body: unknown, certified: boolean): Promise<{ certificate: string; expires: string; ca: string }> {
    const tls = this.tls;
    if (!tls) throw new LbError('FAILED_PRECONDITION', 'this server runs without TLS (--insecure-http): nodes have no certificates');
    const req = parseOrThrow(CertificateRequest, body, 'invalid certificate request');
    return this.store.txn(async (tx) => {
      const c = await tx.get<NodeCredential>(keys.credential(node));
      if (!c?.spec.hash) throw new LbError('UNAUTHORIZED', `node "${node}" was deleted`, { fix: 'join the node again with a join token' });
      // Without its current certificate, only a node that never had one (joined over plain HTTP) gets one.
      if (!certified && c.spec.cert_serial) throw new LbError('FORBIDDEN', `node "${node}" must present its current certificate to renew it`);
      // The address is fixed at join; only a node that joined before addresses were registered may name one.
      const address = c.spec.address ?? req.address;
      if (!address) throw new LbError('INVALID_ARGUMENT', 'invalid certificate request: address: required (this node registered none at join)');
      const cert = await tls.issueNode(node, address, req.public_key);
      tx.put(keys.credential(node), withSpec(c, { address, cert_serial: cert.serial, cert_expires: cert.expires, cert_ca: cert.ca }));
      // The bundle too: during a CA rotation the agent learns the new CA from the answer.
      return { certificate: cert.cert, expires: cert.expires, ca: tls.bundle };
    });
  }

  /** Where a joined node's agent may be reached: the address it registered at join. */
  async registeredAddress(node: string): Promise<string | undefined> {
    return (await this.store.get<NodeCredential>(keys.credential(node)))?.spec.address;
  }

  /**
   * Over plain HTTP, what servers present to a node's agent: derived from the secret key, the same on
   * every server and never stored.
   */
  agentKey(node: string): string {
    return this.box.derive(`agent-key:${node}`);
  }

  /** What a node's agent asks for on start over plain HTTP; over TLS servers present certificates instead. */
  agentKeyForNode(node: string): string {
    if (this.tls) throw new LbError('FAILED_PRECONDITION', 'this server runs TLS: it reaches agents with its certificate, not an agent key');
    return this.agentKey(node);
  }
}

function withSpec<T extends StoredToken | NodeCredential>(o: T, change: Partial<T['spec']>): T {
  return { ...o, spec: { ...o.spec, ...change } };
}

export function tokenInfo(t: StoredToken): TokenInfo {
  return {
    id: t.meta.name,
    role: t.spec.role,
    created: t.meta.created,
    expires: t.spec.expires,
    ...(t.spec.uses !== undefined ? { uses_left: t.spec.uses } : {}),
    ...(t.spec.node ? { node: t.spec.node } : {}),
    ...(t.spec.namespaces ? { namespaces: t.spec.namespaces } : {}),
    ...(t.spec.description ? { description: t.spec.description } : {}),
  };
}

/**
 * What a node or a join token may do (API roles: permissions.ts, by the route table). Join: join.
 * Node: its own node's routes, and over TLS only with its certificate (without one: only ask for a
 * certificate).
 */
export function allowed(p: Principal, method: string, path: string): boolean {
  if (isApiCaller(p)) return false;
  if (p.role === 'join') return method === 'POST' && path === '/cluster/join';
  const m = /^\/cluster\/node\/([^/]+)(\/(status|pod|stream|logs|events|certificate|agent-key|ref\/(?:secret|config)\/[^/]+\/[^/]+))?$/.exec(path);
  if (!m || decodeURIComponent(m[1]) !== p.node) return false;
  const sub = m[3]?.startsWith('ref/') ? 'ref' : m[3];
  if (sub === 'certificate') return method === 'POST';
  if (!p.certified) return false;
  return (
    ((sub === undefined || sub === 'stream' || sub === 'ref' || sub === 'agent-key') && method === 'GET') ||
    ((sub === 'status' || sub === 'pod') && method === 'PUT') ||
    ((sub === 'logs' || sub === 'events') && method === 'POST')
  );
}

export function forbidden(p: Exclude<Principal, ApiCaller>): LbError {
  if (p.role === 'node' && !p.certified)
    return new LbError('FORBIDDEN', `node "${p.node}" must present its certificate over TLS`, { fix: 'restart its agent with a join token from `lb token create --role node` to fetch one' });
  return new LbError('FORBIDDEN', p.role === 'node' ? `node "${p.node}" may only read its own manifest and write its own status` : 'a join token may only join a node');
}
