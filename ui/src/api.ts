// Calls to the API from the page: the token signed in with is kept in sessionStorage (it lasts for the
// browser tab) and sent as a bearer token on every call. A refusal carries the server's reason.
import type { ServiceWire } from './models';

const TOKEN_KEY = 'lb.token';

export const storedToken = (): string | undefined => sessionStorage.getItem(TOKEN_KEY) ?? undefined;
export const keepToken = (token: string): void => sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(TOKEN_KEY);

/** An error answer of the API: its status, reason word and message, as the server wrote them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Who the signed-in token is (GET /auth/whoami). */
export interface Identity {
  role: 'admin' | 'deployer' | 'viewer';
  token?: string;
  description?: string;
  namespaces?: string[];
  expires?: string;
}

export const canWrite = (me: Identity): boolean => me.role !== 'viewer';

/** An error answer as the server wrote it: status, reason, message, and the fields it names (a 400). */
async function errorOf(res: Response): Promise<FieldsError> {
  let reason = res.statusText;
  let message = `${res.status} ${res.statusText}`;
  let fields: FieldProblem[] = [];
  try {
    const b = (await res.json()) as { reason?: unknown; message?: unknown; fields?: unknown };
    if (typeof b.reason === 'string') reason = b.reason;
    if (typeof b.message === 'string') message = b.message;
    if (Array.isArray(b.fields))
      fields = b.fields.filter((f): f is FieldProblem => typeof f === 'object' && f !== null && typeof (f as FieldProblem).field === 'string' && typeof (f as FieldProblem).reason === 'string');
  } catch {
    // not JSON: the status line says it
  }
  return new FieldsError(res.status, reason, message, fields);
}

/** A read that failed in the network (the browser aborts calls when its network changes) is tried again, twice. */
async function fetchRetrying(path: string, init: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(path, init);
    } catch (e) {
      if (attempt >= 2) throw e;
      await new Promise((r) => setTimeout(r, 300 * (attempt + 1)));
    }
  }
}

export async function call<T>(method: string, path: string, body?: unknown, token = storedToken()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init = { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
  const res = method === 'GET' ? await fetchRetrying(path, init) : await fetch(path, init);
  if (!res.ok) throw await errorOf(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** A GET answered in NDJSON (one value a line; the event lists): its values. */
export async function lines<T>(path: string): Promise<T[]> {
  const token = storedToken();
  const res = await fetchRetrying(path, { headers: { accept: 'application/x-ndjson', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  if (!res.ok) throw await errorOf(res);
  return (await res.text())
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export const whoami = (token?: string): Promise<Identity> => call<Identity>('GET', '/auth/whoami', undefined, token);

// ---- Nodes, Drivers and Events pages (ui-cluster)
export interface DriverSwapForm {
  node: string;
  kinds: string[];
  package: string;
  config: Record<string, unknown>;
  isolation?: 'in-process' | 'process';
}
/**
 * Swaps a node's driver (admin: cluster.admin), as `lb driver set` does: one kind to PUT
 * /cluster/driver/KIND, several to PUT /cluster/driver (all or none). Answers the new states.
 */
export async function swapDriver<T>(f: DriverSwapForm): Promise<T[]> {
  const q = `?node=${encodeURIComponent(f.node)}`;
  const body = { package: f.package, config: f.config, ...(f.isolation ? { isolation: f.isolation } : {}) };
  if (f.kinds.length === 1) return [await call<T>('PUT', `/cluster/driver/${encodeURIComponent(f.kinds[0])}${q}`, body)];
  return call<T[]>('PUT', `/cluster/driver${q}`, { ...body, kinds: f.kinds });
}

// ---------------------------------------------------------------- deploy and service actions (ui-deploy)

/** A field the API refused: its dotted path as the server names it ("spec.replicas") and why. */
export interface FieldProblem {
  field: string;
  reason: string;
}

/** An error answer that names fields (the API's INVALID_ARGUMENT: `fields: [{field, reason}]`). */
export class FieldsError extends ApiError {
  constructor(
    status: number,
    reason: string,
    message: string,
    readonly fields: FieldProblem[],
  ) {
    super(status, reason, message);
  }
}

/** A write call (no retry: it may have been done) whose refusal keeps the fields the server named. */
export async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = storedToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (res.ok) return (res.status === 204 ? undefined : await res.json()) as T;
  throw await errorOf(res);
}

/** What POST /namespace/NS/apply answers, one per manifest. */
export interface ApplyResult {
  kind: string;
  namespace?: string;
  name: string;
  action: 'created' | 'updated' | 'unchanged';
}

export const applyManifests = (ns: string, manifests: unknown[]): Promise<ApplyResult[]> =>
  send<ApplyResult[]>('POST', `/namespace/${encodeURIComponent(ns)}/apply`, { manifests });

/**
 * A service's store revision, read after a change was answered (so at least the change's: the controller
 * may have written since); undefined when it cannot be read. A rollout's progress waits for the live list
 * to reach it (rollout.ts serviceRollout).
 */
export const serviceRevision = async (ns: string, name: string): Promise<number | undefined> =>
  (await call<ServiceWire>('GET', `/namespace/${encodeURIComponent(ns)}/service/${encodeURIComponent(name)}`).catch(() => undefined))?.meta.revision;

// ---- the namespace and service pages (ui-service)
/**
 * A streamed NDJSON GET (a followed log): each value as its line arrives, until the stream ends or `signal`
 * aborts. A fetch with the bearer header (an EventSource cannot send it, and a token never goes into a URL).
 */
export async function streamLines<T>(path: string, onValue: (v: T) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
  const token = storedToken();
  const res = await fetch(path, { signal, headers: { accept: 'application/x-ndjson', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  if (!res.ok) throw await errorOf(res);
  onOpen?.();
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const parts = (rest + value).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) if (l.trim() !== '') onValue(JSON.parse(l) as T);
  }
  if (rest.trim() !== '') onValue(JSON.parse(rest) as T);
}
