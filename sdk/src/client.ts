// Typed REST client for the API server; the CLI, agents and plugins all use it.
import { LbError, decodeErrorBody } from './errors';
import type {
  Config,
  DriverState,
  Endpoint,
  Job,
  NodeStatusReport,
  NodeStreamEvent,
  PodStatusReport,
  Route,
  Secret,
  ShippedLogLine,
  Volume,
} from './models/resources';
import type { ExecResult } from './drivers/types';
import type { LbEvent, NodeEventReport } from './models/events';
import type { DrainReport } from './models/drain';
import type { NodeUsage, PodUsage } from './models/stats';
import type * as Wire from './wire/index';
// The decoders alone, not the wire schemas: those load zod, which takes longer than node's own start and
// which a client only decoding answers never uses.
import * as wire from './wire/decode';
import { WatchCursor, type WatchEvent } from './watch';
import { openUpgrade } from './upgrade';
import { defaultCa } from './default-trust';
import { httpRequest, serverTarget, tlsAgent, unixSocketPath, type HttpAnswer } from './http';
import type { Duplex } from 'node:stream';

export { defaultCa } from './default-trust';
export { serverTarget, unixSocketPath } from './http';

export interface WatchOptions {
  /** Only the changes after this revision (resume); none: the current items first (ADDED), then SYNCED. */
  revision?: number;
  signal?: AbortSignal;
  /** Reconnects in a row that may fail before the watch gives up (default 5); an event resets the count. */
  retries?: number;
  /** The first reconnect's delay, doubled each time up to 5 s (default 500 ms). */
  retryDelayMs?: number;
  /** A stream silent this long (the server sends a keep-alive every 15 s) is reconnected (default 45 s). */
  idleMs?: number;
  /** Told before each reconnect. */
  onRetry?: (attempt: number, error: Error) => void;
}

export interface ApplyResult {
  kind: string;
  namespace?: string;
  name: string;
  action: 'created' | 'updated' | 'unchanged';
}

export interface LogEntry {
  pod: string;
  container: string;
  stream: 'stdout' | 'stderr';
  time: string;
  line: string;
}

/** node: joins a node. admin: everything. deployer: applies, scales, execs in its namespaces. viewer: reads. */
export type TokenRole = 'node' | 'admin' | 'deployer' | 'viewer';

export interface TokenRequest {
  role?: TokenRole;
  /** Seconds until it expires (default 86400 for a node token, 30 days for the others). */
  ttl?: number;
  /** Joins it allows (default 1; node tokens only). */
  uses?: number;
  /** Only this node name may join with it (node tokens only). */
  node?: string;
  /** The namespaces a deployer or viewer token may act in (none: all of them). */
  namespaces?: string[];
  /** Who or what it is for: the name it acts under (in errors and the audit trail). */
  description?: string;
}

export interface TokenInfo {
  id: string;
  role: TokenRole;
  created: string;
  expires: string;
  /** Joins left (node tokens only). */
  uses_left?: number;
  node?: string;
  /** Deployer and viewer tokens limited to these namespaces (absent: all). */
  namespaces?: string[];
  description?: string;
}

export interface CreatedToken extends TokenInfo {
  /** The secret, shown once. Over TLS it ends with the hash of the cluster CA that agents pin. */
  token: string;
}

export interface JoinResult {
  node: string;
  /** The node's bearer credential. */
  token: string;
  /** Over TLS: the node's certificate (for public_key) and the CA bundle to trust. */
  certificate?: string;
  ca?: string;
  /** Over plain HTTP only: what the API server presents to this node's agent. */
  agent_key?: string;
}

/** One call in the audit trail (GET /audit): who did what, when, from where, with what outcome. Never a body. */
export interface AuditRecord {
  /** When the call came in (RFC 3339). */
  time: string;
  /** The caller: 'admin', 'node/NAME', 'join-token/ID', a token's name, or 'anonymous' (no or an unknown token). */
  who: string;
  /** The caller's address, as the server's socket sees it. */
  from: string;
  method: string;
  /** The route's template, e.g. /namespace/:ns/apply. */
  route: string;
  /** The path called, without its query. */
  path: string;
  namespace?: string;
  name?: string;
  /** An apply's manifests, as kind/name (as far as the body names them). */
  objects?: string[];
  /** The answer's HTTP status; 0 when the caller left before an answer. */
  status: number;
  /** Why a call was refused or failed (the error's reason, e.g. FORBIDDEN). */
  reason?: string;
  /** The server that recorded it. */
  server: string;
}

export interface AuditQuery {
  /** Unix seconds, or a duration ago such as "1h" (the server resolves it). */
  since?: number | string;
  who?: string;
  follow?: boolean;
  signal?: AbortSignal;
}

export interface EventQuery {
  /** A namespace's events; absent: the cluster's (nodes and their drivers). */
  namespace?: string;
  /** KIND/NAME: service/NAME (with its pods'), pod/NAME, node/NAME. */
  for?: string;
}

export type NamespacedKind = 'secret' | 'config' | 'volume' | 'route' | 'job';
interface NamespacedObjects {
  secret: Secret;
  config: Config;
  volume: Volume;
  route: Route;
  job: Job;
}
interface NamespacedViews {
  secret: Wire.SecretView;
  config: Wire.ConfigView;
  volume: Wire.VolumeView;
  route: Wire.RouteView;
  job: Wire.JobView;
}
/** Objects answer in the wire format v1 (wire/): each kind's decoder gives back the model. */
const DECODE_OBJECT: { [K in NamespacedKind]: (w: NamespacedViews[K]) => NamespacedObjects[K] } = {
  secret: wire.decodeSecret,
  config: wire.decodeConfig,
  volume: wire.decodeVolume,
  route: wire.decodeRoute,
  job: wire.decodeJob,
};

/** GET /cluster/ca: the CA rotation's state (core/src/tls/ca-rotation.ts). */
export interface CaStatus {
  rotating: boolean;
  ca_hash: string;
  current: string;
  next?: string;
  nodes: { name: string; on_new_ca: boolean }[];
  pending: string[];
}

/** TLS settings for https servers: the CA to trust (PEM) and a client certificate (nodes). */
export interface ClientTls {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface ClientOptions {
  /**
   * The API server URL; several (comma-separated) are tried in turn when one is unreachable. The local
   * server's unix socket is `unix:///path/api.sock` (plain HTTP, no TLS; the token is still required).
   */
  server: string;
  token?: string;
  /** Per-request timeout for non-streaming calls, ms. */
  timeout?: number;
  tls?: ClientTls;
}

/**
 * An undici dispatcher trusting the given CA (else the default trust: default-trust.ts) and presenting a
 * client certificate, for callers of the global fetch (LbClient itself goes through node:https: http.ts).
 * undici is loaded only when called.
 */
export function tlsDispatcher(tls: ClientTls): object {
  // One per set of TLS settings, shared by every client with them: connections (and their handshakes)
  // are reused across clients, as the global dispatcher reuses them for plain HTTP.
  const id = `${tls.ca ?? ''}\0${tls.cert ?? ''}\0${tls.key ?? ''}`;
  let d = dispatchers.get(id);
  if (!d) {
    const { Agent } = require('undici') as typeof import('undici');
    const ca = tls.ca ?? defaultCa();
    d = new Agent({ connect: { ...(ca ? { ca } : {}), ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}) } });
    dispatchers.set(id, d);
  }
  return d;
}

const dispatchers = new Map<string, object>();

const enc = encodeURIComponent;

/** TLS failures that mean "this CA is not trusted here", not "the server is down". */
const TLS_TRUST_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;

/** Why a request may go to the next server: it never got an answer, or the server said it cannot serve. */
class TryNext extends Error {
  constructor(
    readonly server: string,
    readonly reason: string,
    readonly answer?: LbError,
  ) {
    super(reason);
  }
}

export class LbClient {
  /** Every server this client may use; requests stick to one until it fails. */
  readonly servers: string[];
  private current = 0;
  /** For https: the CA to trust and the client certificate (made at the first https request: a client of the local socket never needs one). */
  private agent?: ReturnType<typeof tlsAgent>;
  private tls?: ClientTls;

  constructor(private readonly opts: ClientOptions) {
    this.tls = opts.tls;
    this.servers = opts.server
      .split(',')
      .map((s) => s.trim().replace(/\/+$/, ''))
      .filter(Boolean);
    if (!this.servers.length) this.servers.push(opts.server);
    // A malformed socket URL is refused here, not at the first request.
    for (const s of this.servers) if (s.startsWith('unix:')) unixSocketPath(s);
  }

  /** New TLS settings for the next requests (a renewed client certificate). */
  setTls(tls: ClientTls): void {
    this.tls = tls;
    this.agent = undefined;
  }

  /** The agent of these TLS settings (without a CA: the default trust), shared by clients with the same. */
  private httpsAgent(): ReturnType<typeof tlsAgent> {
    return (this.agent ??= tlsAgent(this.tls ?? {}));
  }

  /** The server requests go to now. */
  get server(): string {
    return this.servers[this.current];
  }

  // ------------------------------------------------------------ plumbing
  private headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.opts.token) h.authorization = `Bearer ${this.opts.token}`;
    if (json) h['content-type'] = 'application/json';
    return h;
  }

  /**
   * Sends to the current server; when it cannot be reached (refused, reset, timed out) or answers
   * 503, moves on to the next one, trying each server at most once per call.
   */
  private async raw(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<HttpAnswer> {
    const failures: TryNext[] = [];
    for (let i = 0; i < this.servers.length; i++) {
      const at = this.current;
      try {
        return await this.once(this.servers[at], method, path, body, signal);
      } catch (e) {
        if (!(e instanceof TryNext)) throw e;
        failures.push(e);
        if (this.current === at) this.current = (at + 1) % this.servers.length;
      }
    }
    const last = failures[failures.length - 1];
    if (last.answer && failures.length === 1) throw last.answer;
    const where = failures.map((f) => f.server).join(', ');
    if (failures.every((f) => TLS_TRUST_ERRORS.test(f.reason)))
      throw new LbError('UNAVAILABLE', `cannot verify the certificate of the API server at ${where} (${failures.map((f) => f.reason).join('; ')})`, {
        fix: "trust the cluster's CA: LB_CA_FILE=<server data dir>/tls/ca.crt, or the ca in cli.json (lb server writes both)",
      });
    throw new LbError('UNAVAILABLE', `cannot reach the API server at ${where} (${failures.map((f) => f.reason).join('; ')})`, {
      fix: 'start it with `lb server` or set LB_SERVER',
    });
  }

  private async once(server: string, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<HttpAnswer> {
    const timeout = signal ? undefined : AbortSignal.timeout(this.opts.timeout ?? 60_000);
    let res: HttpAnswer;
    try {
      const { url, socketPath } = serverTarget(server, path);
      res = await httpRequest(url, {
        socketPath,
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ?? timeout!,
        agent: url.startsWith('https:') ? this.httpsAgent() : undefined,
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      // The reason as fetch gave it: the timeout's message, else the socket's code (ECONNREFUSED, a TLS one).
      const reason = timeout?.aborted ? (timeout.reason as Error).message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message);
      throw new TryNext(server, reason);
    }
    if (res.status === 503) {
      const err = await errorFrom(res);
      throw new TryNext(server, `${res.status} ${err.message}`, err);
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  /** An answer in the wire format, decoded into the model. */
  private async decoded<W, M>(decode: (w: W) => M, method: string, path: string, body?: unknown): Promise<M> {
    return decode(await this.request<W>(method, path, body));
  }
  private async decodedList<W, M>(decode: (w: W) => M, method: string, path: string): Promise<M[]> {
    return (await this.request<W[]>(method, path)).map(decode);
  }

  // ------------------------------------------------------------ system
  health() {
    return this.request<{ status: string }>('GET', '/healthz');
  }
  /** The CA bundle (PEM) the server serves now; over a verified connection, so trusted as far as the client's own CA is. */
  async caBundle(): Promise<string> {
    return (await this.raw('GET', '/cacerts')).text();
  }
  cluster() {
    return this.decoded(wire.decodeCluster, 'GET', '/cluster');
  }
  nodes() {
    return this.decoded(wire.decodeNodeList, 'GET', '/cluster/node');
  }
  node(name: string) {
    return this.decoded(wire.decodeNode, 'GET', `/cluster/node/${enc(name)}`);
  }
  deleteNode(name: string) {
    return this.request<void>('DELETE', `/cluster/node/${enc(name)}`);
  }
  /** No new pod is placed on the node. */
  cordonNode(name: string) {
    return this.decoded(wire.decodeNode, 'POST', `/cluster/node/${enc(name)}/cordon`);
  }
  /** Pods may be placed on the node again; a drain in progress stops, its pods stay. */
  uncordonNode(name: string) {
    return this.decoded(wire.decodeNode, 'DELETE', `/cluster/node/${enc(name)}/cordon`);
  }
  /** Cordons the node and moves its pods elsewhere (safe to repeat); answers where the drain stands. */
  drainNode(name: string) {
    return this.request<DrainReport>('POST', `/cluster/node/${enc(name)}/drain`);
  }
  drainStatus(name: string) {
    return this.request<DrainReport>('GET', `/cluster/node/${enc(name)}/drain`);
  }

  // ------------------------------------------------------------ namespaces
  namespaces() {
    return this.decodedList(wire.decodeNamespace, 'GET', '/namespace');
  }
  namespace(ns: string) {
    return this.decoded(wire.decodeNamespace, 'GET', `/namespace/${enc(ns)}`);
  }
  createNamespace(manifest: unknown) {
    return this.decoded(wire.decodeNamespace, 'POST', '/namespace', manifest);
  }
  deleteNamespace(ns: string) {
    return this.request<void>('DELETE', `/namespace/${enc(ns)}`);
  }
  apply(ns: string, manifests: unknown[]) {
    return this.request<ApplyResult[]>('POST', `/namespace/${enc(ns)}/apply`, { manifests });
  }

  // ------------------------------------------------------------ services
  services(ns: string) {
    return this.decodedList(wire.decodeService, 'GET', `/namespace/${enc(ns)}/service`);
  }
  service(ns: string, name: string) {
    return this.decoded(wire.decodeService, 'GET', `/namespace/${enc(ns)}/service/${enc(name)}`);
  }
  createService(ns: string, manifest: unknown) {
    return this.decoded(wire.decodeService, 'POST', `/namespace/${enc(ns)}/service`, manifest);
  }
  updateService(ns: string, name: string, update: unknown) {
    return this.decoded(wire.decodeService, 'PUT', `/namespace/${enc(ns)}/service/${enc(name)}`, update);
  }
  deleteService(ns: string, name: string) {
    return this.request<void>('DELETE', `/namespace/${enc(ns)}/service/${enc(name)}`);
  }
  scale(ns: string, name: string, replicas: number) {
    return this.updateService(ns, name, { spec: { replicas } });
  }
  rollback(ns: string, name: string, to?: number) {
    return this.decoded(wire.decodeService, 'POST', `/namespace/${enc(ns)}/service/${enc(name)}/rollback`, to ? { to } : {});
  }
  deployments(ns: string, service: string) {
    return this.decodedList(wire.decodeDeployment, 'GET', `/namespace/${enc(ns)}/service/${enc(service)}/deployment`);
  }
  deployment(ns: string, service: string, name: string) {
    return this.decoded(wire.decodeDeployment, 'GET', `/namespace/${enc(ns)}/service/${enc(service)}/deployment/${enc(name)}`);
  }
  pods(ns: string, service?: string, deployment?: string) {
    if (!service) return this.decodedList(wire.decodePod, 'GET', `/namespace/${enc(ns)}/pod`);
    const base = `/namespace/${enc(ns)}/service/${enc(service)}`;
    return this.decodedList(wire.decodePod, 'GET', deployment ? `${base}/deployment/${enc(deployment)}/pod` : `${base}/pod`);
  }
  pod(ns: string, name: string) {
    return this.decoded(wire.decodePod, 'GET', `/namespace/${enc(ns)}/pod/${enc(name)}`);
  }
  exec(ns: string, pod: string, command: string[], container?: string) {
    return this.request<ExecResult>('POST', `/namespace/${enc(ns)}/pod/${enc(pod)}/exec`, { command, container });
  }

  /**
   * An upgraded connection to `path` (a route whose answer is an upgrade: exec -it, port-forward), with this
   * client's token in the Authorization header and its TLS settings; a refusal throws its LbError.
   */
  async upgrade(path: string, protocol: string, signal?: AbortSignal): Promise<Duplex> {
    const headers: Record<string, string> = this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {};
    let last: LbError | undefined;
    for (let i = 0; i < this.servers.length; i++) {
      const at = this.current;
      try {
        const { url, socketPath } = serverTarget(this.servers[at], path);
        return await openUpgrade(url, { socketPath, protocol, headers, ...(this.tls ? { tls: this.tls } : {}), ...(signal ? { signal } : {}) });
      } catch (e) {
        // Only a server that could not be reached (or cannot serve) makes the next one worth a try.
        if (!(e instanceof LbError) || e.code !== 'UNAVAILABLE') throw e;
        last = e;
        if (this.current === at) this.current = (at + 1) % this.servers.length;
      }
    }
    throw last ?? new LbError('UNAVAILABLE', 'no API server to open a stream to');
  }

  /** An interactive exec (lb exec -i/-t): the upgraded connection, framed as core/src/stream/frames.ts says. */
  execStream(ns: string, pod: string, command: string[], o: { container?: string; tty?: boolean; stdin?: boolean; size?: { cols: number; rows: number } } = {}) {
    const q = new URLSearchParams();
    for (const c of command) q.append('command', c);
    if (o.container) q.set('container', o.container);
    if (o.stdin) q.set('stdin', 'true');
    if (o.tty) q.set('tty', 'true');
    if (o.tty && o.size) {
      q.set('cols', String(o.size.cols));
      q.set('rows', String(o.size.rows));
    }
    return this.upgrade(`/namespace/${enc(ns)}/pod/${enc(pod)}/exec/stream?${q}`, 'lb-exec.v1');
  }

  /** One TCP connection to `port` of a pod, through the API server (lb port-forward). */
  portForward(ns: string, pod: string, port: number, signal?: AbortSignal) {
    return this.upgrade(`/namespace/${enc(ns)}/pod/${enc(pod)}/port-forward?port=${port}`, 'lb-tcp.v1', signal);
  }
  endpoints(ns: string) {
    return this.request<Endpoint[]>('GET', `/namespace/${enc(ns)}/endpoint`);
  }

  // ------------------------------------------------------------ resource use (lb top)
  /** A pod's CPU (millicores) and memory (bytes) per running container, sampled by its node's agent. */
  podStats(ns: string, pod: string) {
    return this.request<PodUsage>('GET', `/namespace/${enc(ns)}/pod/${enc(pod)}/stats`);
  }
  /** The CPU and memory of a namespace's pods (of one service). */
  namespaceStats(ns: string, service?: string) {
    return this.request<PodUsage[]>('GET', `/namespace/${enc(ns)}/stats${service ? `?service=${enc(service)}` : ''}`);
  }
  /** Each node's CPU and memory used, beside its capacity and allocation. */
  nodeStats() {
    return this.request<NodeUsage[]>('GET', '/cluster/stats');
  }

  /** Log lines of a service (or one pod of it), merged in time order; follows until the signal aborts. */
  async *logs(
    ns: string,
    service: string,
    opts: { follow?: boolean; tail?: number; pod?: string; since?: number; signal?: AbortSignal; local?: boolean } = {},
  ): AsyncGenerator<LogEntry> {
    const q = new URLSearchParams();
    if (opts.follow) q.set('follow', 'true');
    if (opts.local) q.set('local', 'true');
    if (opts.tail !== undefined) q.set('tail', String(opts.tail));
    if (opts.pod) q.set('pod', opts.pod);
    if (opts.since !== undefined) q.set('since', String(opts.since));
    const ctl = new AbortController();
    const abort = () => ctl.abort();
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      const res = await this.raw('GET', `/namespace/${enc(ns)}/service/${enc(service)}/logs?${q}`, undefined, ctl.signal);
      for await (const line of ndjsonLines(res, ctl.signal)) yield wire.decodeLog(JSON.parse(line) as Wire.LogMessageView);
    } finally {
      opts.signal?.removeEventListener('abort', abort);
      ctl.abort();
    }
  }

  /** The audit trail (admin only): records in the order they were written; follows until the signal aborts. */
  async *audit(opts: AuditQuery = {}): AsyncGenerator<AuditRecord> {
    const q = new URLSearchParams();
    if (opts.since !== undefined) q.set('since', String(opts.since));
    if (opts.who) q.set('who', opts.who);
    if (opts.follow) q.set('follow', 'true');
    const ctl = new AbortController();
    const abort = () => ctl.abort();
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      const res = await this.raw('GET', `/audit?${q}`, undefined, ctl.signal);
      for await (const line of ndjsonLines(res, ctl.signal)) yield JSON.parse(line) as AuditRecord;
    } finally {
      opts.signal?.removeEventListener('abort', abort);
      ctl.abort();
    }
  }

  /**
   * A snapshot of the whole state (admin only; GET /cluster/snapshot): its lines, parsed, in order;
   * `lb snapshot save` writes them back as JSON (the same text) and checks them.
   */
  async *snapshot(signal?: AbortSignal): AsyncGenerator<unknown> {
    const ctl = new AbortController();
    const abort = () => ctl.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const res = await this.raw('GET', '/cluster/snapshot', undefined, ctl.signal);
      for await (const line of ndjsonLines(res, ctl.signal)) yield JSON.parse(line) as unknown;
    } finally {
      signal?.removeEventListener('abort', abort);
      ctl.abort();
    }
  }

  /** Events, oldest first (by when they last happened); with follow, then each one as it is written (new, or counted up) until the signal aborts. */
  async *events(q: EventQuery & { follow?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<LbEvent> {
    const ctl = new AbortController();
    const abort = () => ctl.abort();
    q.signal?.addEventListener('abort', abort, { once: true });
    try {
      const res = await this.raw('GET', eventPath(q, !!q.follow), undefined, ctl.signal);
      for await (const line of ndjsonLines(res, ctl.signal)) yield JSON.parse(line) as LbEvent;
    } finally {
      q.signal?.removeEventListener('abort', abort);
      ctl.abort();
    }
  }

  // ------------------------------------------------------------ secrets, configs, volumes, routes
  list<K extends NamespacedKind>(kind: K, ns: string) {
    return this.decodedList<NamespacedViews[K], NamespacedObjects[K]>(DECODE_OBJECT[kind], 'GET', `/namespace/${enc(ns)}/${kind}`);
  }
  get<K extends NamespacedKind>(kind: K, ns: string, name: string) {
    return this.decoded<NamespacedViews[K], NamespacedObjects[K]>(DECODE_OBJECT[kind], 'GET', `/namespace/${enc(ns)}/${kind}/${enc(name)}`);
  }
  create<K extends NamespacedKind>(kind: K, ns: string, manifest: unknown) {
    return this.decoded<NamespacedViews[K], NamespacedObjects[K]>(DECODE_OBJECT[kind], 'POST', `/namespace/${enc(ns)}/${kind}`, manifest);
  }
  remove(kind: NamespacedKind, ns: string, name: string) {
    return this.request<void>('DELETE', `/namespace/${enc(ns)}/${kind}/${enc(name)}`);
  }

  // ------------------------------------------------------------ tasks (runs of a job)
  /** Starts a run of a job (queued; 409 when its concurrency strategy is skip and it is at its limit). */
  runJob(ns: string, job: string, env: { name: string; value: string }[] = []) {
    return this.decoded(wire.decodeTask, 'POST', `/namespace/${enc(ns)}/job/${enc(job)}/task`, { spec: { env } });
  }
  /** Tasks of a namespace, or of one job. */
  tasks(ns: string, job?: string) {
    return this.decodedList(wire.decodeTask, 'GET', job ? `/namespace/${enc(ns)}/job/${enc(job)}/task` : `/namespace/${enc(ns)}/task`);
  }
  task(ns: string, name: string) {
    return this.decoded(wire.decodeTask, 'GET', `/namespace/${enc(ns)}/task/${enc(name)}`);
  }
  /** Asks for a task to be cancelled: the controller removes its pod and marks it cancelled. */
  cancelTask(ns: string, name: string) {
    return this.decoded(wire.decodeTask, 'PUT', `/namespace/${enc(ns)}/task/${enc(name)}/cancel`, {});
  }
  /** A task's log lines (every attempt's), kept after its containers are gone. */
  async *taskLogs(ns: string, name: string, opts: { tail?: number; follow?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<LogEntry> {
    const q = new URLSearchParams();
    if (opts.tail !== undefined) q.set('tail', String(opts.tail));
    if (opts.follow) q.set('follow', 'true');
    const ctl = new AbortController();
    const abort = () => ctl.abort();
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      const res = await this.raw('GET', `/namespace/${enc(ns)}/task/${enc(name)}/logs?${q}`, undefined, ctl.signal);
      for await (const line of ndjsonLines(res, ctl.signal)) yield wire.decodeLog(JSON.parse(line) as Wire.LogMessageView);
    } finally {
      opts.signal?.removeEventListener('abort', abort);
      ctl.abort();
    }
  }

  // ------------------------------------------------------------ drivers of a node (default: the server's own)
  drivers(node?: string) {
    return this.request<DriverState[]>('GET', `/cluster/driver${node ? `?node=${enc(node)}` : ''}`);
  }
  swapDriver(kind: string, pkg: string, config: Record<string, unknown> = {}, isolation?: 'in-process' | 'process', node?: string) {
    return this.request<DriverState>('PUT', `/cluster/driver/${enc(kind)}${node ? `?node=${enc(node)}` : ''}`, { package: pkg, config, ...(isolation ? { isolation } : {}) });
  }
  /** Several kinds to one package, all or none (a runtime with its image service: cri and cii). */
  swapDrivers(kinds: string[], pkg: string, config: Record<string, unknown> = {}, isolation?: 'in-process' | 'process', node?: string) {
    return this.request<DriverState[]>('PUT', `/cluster/driver${node ? `?node=${enc(node)}` : ''}`, { kinds, package: pkg, config, ...(isolation ? { isolation } : {}) });
  }

  // ------------------------------------------------------------ join tokens and nodes
  /** A join token (shown once): used up by its first join unless `uses` says more; expires after `ttl` seconds (default 24 h). */
  createToken(req: TokenRequest = {}) {
    return this.request<CreatedToken>('POST', '/cluster/token', req);
  }
  tokens() {
    return this.request<TokenInfo[]>('GET', '/cluster/token');
  }
  /** A new admin token (shown once); the current one keeps working for `grace` seconds (default 3600), then is refused. */
  rotateAdminToken(grace?: number) {
    return this.request<{ token: string; previous_valid_until: string }>('POST', '/cluster/admin-token/rotate', grace === undefined ? {} : { grace });
  }
  /** Seals every secret under a new key, online; the new key's id and how many objects were re-sealed. */
  rotateSecretKey() {
    return this.request<{ key_id: string; resealed: number }>('POST', '/cluster/secret-key/rotate', {});
  }
  /** The cluster CA: whether a rotation is under way, and which nodes hold a certificate from the CA that issues now. */
  caStatus() {
    return this.request<CaStatus>('GET', '/cluster/ca');
  }
  /** Starts a CA rotation (or carries on with the one under way): both CAs trusted, agents renew from the new one. */
  rotateCa() {
    return this.request<CaStatus>('POST', '/cluster/ca/rotate', {});
  }
  /** Drops the old CA once every node holds a certificate from the new one (`force`: anyway); the new bundle. */
  finishCaRotation(force = false) {
    return this.request<{ ca_hash: string; bundle: string; cut_off: string[] }>('POST', '/cluster/ca/rotate/finish', force ? { force } : {});
  }
  /** Ends a join token at once (nodes that joined with it keep their own credentials). */
  revokeToken(id: string) {
    return this.request<void>('DELETE', `/cluster/token/${enc(id)}`);
  }
  /** @deprecated the old name of revokeToken */
  deleteToken(id: string) {
    return this.revokeToken(id);
  }
  /**
   * With a join token: registers the node at `address` (where its agent serves the API server) and
   * returns its own credential (shown once) and, over TLS, its certificate for `public_key`.
   */
  join(name: string, opts: { address?: string; public_key?: string } = {}) {
    return this.request<JoinResult>('POST', '/cluster/join', { name, ...opts });
  }
  /** A new certificate for the node's new key (renewal before expiry). */
  renewCertificate(node: string, public_key: string, address?: string) {
    return this.request<{ certificate: string; expires: string; ca?: string }>('POST', `/cluster/node/${enc(node)}/certificate`, { public_key, ...(address ? { address } : {}) });
  }

  // ------------------------------------------------------------ node agent
  reportNode(node: string, report: NodeStatusReport) {
    return this.decoded(wire.decodeNode, 'PUT', `/cluster/node/${enc(node)}/status`, report);
  }
  /** Values of a secret or config a pod of `node` uses (node credential). */
  nodeRef(node: string, kind: 'secret' | 'config', ns: string, name: string) {
    return this.request<{ data: Record<string, string> }>('GET', `/cluster/node/${enc(node)}/ref/${kind}/${enc(ns)}/${enc(name)}`);
  }
  /** The log collector: lines of this node's containers (stored once, however often sent). */
  shipLogs(node: string, lines: ShippedLogLine[]) {
    return this.request<{ stored: number }>('POST', `/cluster/node/${enc(node)}/logs`, { lines });
  }
  /** Events of the node's own pods (its agent) and of the node itself (its kernel). */
  reportEvents(node: string, events: NodeEventReport[]) {
    return this.request<void>('POST', `/cluster/node/${enc(node)}/events`, { events });
  }
  reportPods(node: string, pods: PodStatusReport[]) {
    return this.request<void>('PUT', `/cluster/node/${enc(node)}/pod`, { pods });
  }
  // ------------------------------------------------------------ watches
  /** A ticket that opens one watch (of path only, when given) within 60 s on any server of the cluster, for clients that cannot send headers (EventSource). */
  watchTicket(path?: string) {
    return this.request<{ ticket: string; expires: string }>('POST', '/watch/ticket', path === undefined ? {} : { path });
  }

  /**
   * Watches a list route (path: e.g. /namespace/demo/service): its current items as ADDED, SYNCED, then
   * every change, until the signal aborts. A dropped connection is resumed from the last revision
   * seen (see WatchCursor: nothing missed, nothing twice), up to `retries` failures in a row; a
   * revision the server no longer keeps starts over with a RESYNC event. decode turns a wire object
   * into the model (wire.decodeService, …).
   */
  async *watch<W, T>(path: string, decode: (w: W) => T, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const cursor = new WatchCursor(opts.revision);
    const retries = opts.retries ?? 5;
    let failures = 0;
    let shown = false; // events shown since the last SYNCED/RESYNC: a restart from scratch must say RESYNC
    while (!opts.signal?.aborted) {
      const from = cursor.resumeFrom;
      if (from === undefined && shown) {
        shown = false;
        yield { type: 'RESYNC', revision: 0 };
      }
      let err: Error;
      try {
        const q = from === undefined ? 'watch=true' : `watch=true&revision=${from}`;
        for await (const ev of this.watchStream(`${path}${path.includes('?') ? '&' : '?'}${q}`, opts)) {
          if (!cursor.accept(ev)) continue;
          failures = 0;
          shown = ev.type !== 'SYNCED';
          yield ev.object === undefined || ev.type === 'RESYNC' ? (ev as WatchEvent<T>) : { ...ev, object: decode(ev.object as W) };
        }
        if (opts.signal?.aborted) return;
        err = new LbError('UNAVAILABLE', 'the watch stream ended');
      } catch (e) {
        if (opts.signal?.aborted) return;
        if (e instanceof LbError && e.code === 'RESYNC') {
          cursor.reset();
          shown = true; // the next round says RESYNC and lists again
        } else if (e instanceof LbError && !e.retryable) throw e;
        err = e as Error;
      }
      if (++failures > retries) throw err;
      opts.onRetry?.(failures, err);
      await sleep(Math.min((opts.retryDelayMs ?? 500) * 2 ** (failures - 1), 5000), opts.signal);
    }
  }

  /** One connection of a watch: its events until it ends, fails or is silent for idleMs. */
  private async *watchStream(path: string, opts: WatchOptions): AsyncGenerator<WatchEvent> {
    const ctl = new AbortController();
    const abort = () => ctl.abort();
    opts.signal?.addEventListener('abort', abort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const alive = () => {
      clearTimeout(timer);
      timer = setTimeout(() => ctl.abort(), opts.idleMs ?? 45_000);
    };
    try {
      alive();
      const res = await this.raw('GET', path, undefined, ctl.signal);
      alive();
      for await (const line of ndjsonLines(res, ctl.signal, alive)) yield JSON.parse(line) as WatchEvent;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', abort);
      ctl.abort();
    }
  }

  /**
   * The node's pods: a snapshot first, then changes, until the signal aborts. The server sends a
   * keep-alive every 15 s: a stream silent for idleMs (a hung server, a lost network) fails with
   * UNAVAILABLE and the next call goes to the next server.
   */
  async *watchNode(node: string, signal: AbortSignal, idleMs = 45_000): AsyncGenerator<NodeStreamEvent> {
    const ctl = new AbortController();
    const abort = () => ctl.abort();
    signal.addEventListener('abort', abort, { once: true });
    let silent = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const alive = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        silent = true;
        ctl.abort();
      }, idleMs);
    };
    try {
      alive();
      const res = await this.raw('GET', `/cluster/node/${enc(node)}/stream`, undefined, ctl.signal);
      alive();
      for await (const line of ndjsonLines(res, ctl.signal, alive)) yield JSON.parse(line) as NodeStreamEvent;
    } catch (e) {
      if (!silent || signal.aborted) throw e;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
      ctl.abort();
    }
    if (silent && !signal.aborted) {
      // The server that went silent is the current one (raw() moves on only from those that failed).
      const server = this.server;
      this.current = (this.current + 1) % this.servers.length;
      throw new LbError('UNAVAILABLE', `the node stream from ${server} was silent for ${Math.round(idleMs / 1000)} s`);
    }
  }
}

function eventPath(q: EventQuery, follow = false): string {
  const p = new URLSearchParams();
  if (q.for) p.set('for', q.for);
  if (follow) p.set('follow', 'true');
  const query = p.toString() ? `?${p}` : '';
  return q.namespace === undefined ? `/event${query}` : `/namespace/${enc(q.namespace)}/event${query}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function errorFrom(res: HttpAnswer): Promise<LbError> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: the text is the message */
  }
  return decodeErrorBody(res.status, body, text);
}

/** Splits a streamed response body into lines; blank lines are keep-alives and are skipped (onData sees them). */
export async function* ndjsonLines(res: HttpAnswer, signal: AbortSignal, onData?: () => void): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for await (const value of res.chunks()) {
      if (signal.aborted) break;
      onData?.();
      buf += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) yield line;
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}
