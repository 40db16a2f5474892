// End-to-end harness: real `lb server` processes on loopback, the real `lb` CLI, a real Docker engine.
// Every server gets its own data dir, port, token and node name, so test files run in parallel on one
// engine; cleanup() removes the server's containers (found by their node label) and its data dir.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LbClient, tlsDispatcher, type Node, type Pod } from '@lastbackend/sdk';

export const ROOT = resolve(__dirname, '..');
export const LB = join(ROOT, 'core', 'bin', 'lb.js');
export const IMAGE = 'lb-test/busybox:latest';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI. */
export function lb(args: string[], env: Record<string, string> = {}, input?: string): Promise<RunResult> {
  return new Promise((res) => {
    const child = execFile(
      process.execPath,
      [LB, ...args],
      { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (ok(last)) return last;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 800)} ${lastErr ?? ''}`);
}

/** Runs a test step; when it fails, the error carries the end of each process's log, which CI prints. */
export async function withLogs<T>(procs: { node: string; output(): string }[], step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    const logs = procs.map((p) => `--- ${p.node} (last lines)\n${p.output().split('\n').slice(-40).join('\n')}`).join('\n');
    (e as Error).message += `\n${logs}`;
    throw e;
  }
}

export { seededRandom } from '../core/src/util/seeded-random';

export const uniq = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

/**
 * This test file's overlay in the host's network namespace: the default CNI (vxlan) with its own device
 * names, VNI and pod network, so that test runs sharing a host (or an `lb server` of the tour running
 * there) do not share a bridge, a VTEP or a pod subnet route. Only one node in the host namespace runs
 * it at a time: the TestServer's own node (test files run one at a time, jest maxWorkers 1); a TestAgent
 * in the host namespace runs with `cni: none` (Docker's bridge), and agents with an overlay of their
 * own run in their own namespace (test/overlay-cluster.ts).
 */
export const HOST_OVERLAY = (() => {
  const tag = randomBytes(3).toString('hex');
  // A /20 of 10.64-127.x.x (clear of the default service range and of the ranges tests name), not routed here yet.
  const routed = (() => {
    try {
      return execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8', timeout: 10_000 });
    } catch {
      return '';
    }
  })();
  let cidr = '';
  for (let i = 0; i < 50; i++) {
    const [a, b] = [64 + (randomBytes(1)[0]! % 64), (randomBytes(1)[0]! % 16) * 16];
    cidr = `10.${a}.${b}.0/20`;
    if (!routed.includes(`10.${a}.${b}.`) && ![...Array(16).keys()].some((k) => routed.includes(`10.${a}.${b + k}.`))) break;
  }
  return {
    bridge: `lbb${tag}`,
    vxlan: `lbx${tag}`,
    vni: 1 + randomBytes(3).readUIntBE(0, 3) % 16_000_000,
    clusterCidr: cidr,
  };
})();

/**
 * Config of test servers that do not bring their own: the default drivers, vxlan the CNI (the server's
 * node puts its pods on this file's overlay bridge, HOST_OVERLAY), minus what is host-wide and would
 * outlive or collide with other tests: no CPI (the VIP table) and no discovery DNS. Tests of those say so
 * in their own config, which merges with the defaults like this one.
 */
export const TEST_DEFAULTS = {
  drivers: {
    cni: { config: { bridge: HOST_OVERLAY.bridge, vxlan: HOST_OVERLAY.vxlan, vni: HOST_OVERLAY.vni } },
    cpi: 'none',
  },
  network: { cluster_cidr: HOST_OVERLAY.clusterCidr },
  discovery: { enabled: false },
};

/** Plain JS shared with the benchmarks (test/bench/server.js). */
const hostOverlay = require('./host-overlay') as { removeOverlay: (o: { bridge: string; vxlan: string }) => void; DEFAULT_OVERLAY: { bridge: string; vxlan: string } };

/** The overlay a server on the defaults builds (the vxlan driver's default bridge and device). */
export const DEFAULT_OVERLAY = hostOverlay.DEFAULT_OVERLAY;

/**
 * Removes this file's overlay (or the one named: the default lb0 of a server on the defaults) from the host
 * namespace once the server nodes that made it have stopped (test/host-overlay.js).
 */
export function removeHostOverlay(overlay: { bridge: string; vxlan: string } = HOST_OVERLAY): void {
  hostOverlay.removeOverlay(overlay);
}

export interface ServerOptions {
  name?: string;
  dataDir?: string;
  config?: string;
  extraArgs?: string[];
  /** Address to listen on (default 127.0.0.1), e.g. an underlay address the test made. */
  host?: string;
  /** false: control plane only (`--no-agent`); launch() then waits for /healthz instead of a node. */
  agent?: boolean;
  /** Working directory of the server process (default: the test's). */
  cwd?: string;
}

/**
 * A node that is ready by a heartbeat sent after `since`: after a restart, the previous process's
 * "ready" stays in the store for a while and says nothing about the new one.
 */
const readySince = (since: number) => (n: Node) => n.status.state === 'ready' && Date.parse(n.status.heartbeat) >= since;

/** A real `lb` process (server or agent) that runs pods as a node: start, signals, its containers, cleanup. */
abstract class NodeProcess {
  private proc?: ChildProcess;
  private out = '';
  abstract readonly node: string;
  abstract readonly dataDir: string;

  /** Spawns the process and resolves once `ready` does; rejects with its output if it exits first. */
  protected async spawnUntil(what: string, cmd: string, argv: string[], env: NodeJS.ProcessEnv, ready: () => Promise<unknown>, cwd?: string): Promise<void> {
    this.out = '';
    const proc = spawn(cmd, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.out += d.toString()));
    const exited = new Promise<never>((_, rej) => proc.once('exit', (code) => rej(new Error(`${what} exited with ${code}:\n${this.out}`))));
    await Promise.race([ready(), exited]);
  }

  output(): string {
    return this.out;
  }

  /** The process id while it runs (e.g. to read its memory in /proc). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** kill -9: no chance to clean up anything. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const done = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill(sig);
    await done;
    this.proc = undefined;
  }

  /** Ids of this node's containers (running or not) with the given labels. */
  containers(labels: Record<string, string> = {}): string[] {
    const filters = Object.entries({ 'io.lastbackend.node': this.node, ...labels }).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
    const out = docker(['ps', '-aq', '--no-trunc', ...filters]);
    return out ? out.split('\n') : [];
  }

  /** Stops the process, removes its containers (found by their node label) and its data dir. */
  async cleanup(): Promise<void> {
    await this.stop();
    const ids = this.containers();
    if (ids.length) docker(['rm', '-f', ...ids]);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export class TestServer extends NodeProcess {
  /** Servers of this test file whose own node runs (and so may hold the host's overlay devices). */
  private static readonly withNode = new Set<TestServer>();
  private cachedClient?: LbClient;
  private dispatcher?: object;

  private constructor(
    readonly node: string,
    readonly dataDir: string,
    readonly port: number,
    readonly token: string,
    private opts: ServerOptions,
  ) {
    super();
  }

  get tls(): boolean {
    return !this.opts.extraArgs?.includes('--insecure-http');
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://${this.opts.host ?? '127.0.0.1'}:${this.port}`;
  }

  /** The cluster CA bundle the server wrote on its first start (TLS only). */
  get caFile(): string {
    return join(this.dataDir, 'tls', 'ca.crt');
  }

  /** What the CLI needs to reach this server: its URL, the admin token and the CA to trust. */
  get env(): Record<string, string> {
    return { LB_SERVER: this.url, LB_TOKEN: this.token, ...(this.tls ? { LB_CA_FILE: this.caFile } : {}) };
  }

  /** An admin client; over TLS it trusts the server's CA once the server has written it. */
  get client(): LbClient {
    if (this.cachedClient) return this.cachedClient;
    if (!this.tls) return (this.cachedClient = new LbClient({ server: this.url, token: this.token }));
    if (!existsSync(this.caFile)) return new LbClient({ server: this.url, token: this.token });
    return (this.cachedClient = new LbClient({ server: this.url, token: this.token, tls: { ca: readFileSync(this.caFile, 'utf8') } }));
  }

  /** The cluster CA changed (`lb ca rotate`): the client and fetch() read tls/ca.crt again. */
  forgetCa(): void {
    this.cachedClient = undefined;
    this.dispatcher = undefined;
  }

  static async start(opts: ServerOptions = {}): Promise<TestServer> {
    const node = opts.name ?? uniq('node');
    const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'lb-e2e-'));
    if (!opts.config) {
      // Tests run many servers on one host at once: by default only the container drivers, no host-wide
      // VIP table or DNS on docker0 (tests of those say so in their own config).
      opts = { ...opts, config: join(dataDir, 'test-config.json') };
      writeFileSync(opts.config!, JSON.stringify(TEST_DEFAULTS));
    }
    const s = new TestServer(node, dataDir, await freePort(), randomBytes(16).toString('hex'), opts);
    if (opts.agent !== false) TestServer.withNode.add(s);
    await s.launch();
    return s;
  }

  /** Also removes the overlay devices of the host namespace once no server node of this file runs. */
  override async cleanup(): Promise<void> {
    try {
      await super.cleanup();
    } finally {
      TestServer.withNode.delete(this);
      if (TestServer.withNode.size === 0) removeHostOverlay();
    }
  }

  args(): string[] {
    return [
      'server',
      '--data-dir', this.dataDir,
      '--listen', `${this.opts.host ?? '127.0.0.1'}:${this.port}`,
      '--token', this.token,
      '--name', this.node,
      ...(this.opts.config ? ['--config', this.opts.config] : []),
      ...(this.opts.agent === false ? ['--no-agent'] : []),
      ...(this.opts.extraArgs ?? []),
    ];
  }

  /** Other extra flags for the next launch (e.g. dropping --insecure-http to move to TLS). */
  reconfigure(extraArgs: string[]): void {
    this.opts = { ...this.opts, extraArgs };
    this.cachedClient = undefined;
    this.dispatcher = undefined;
  }

  /** Starts the server process and waits until its node is registered (or its API answers). */
  launch(): Promise<void> {
    const env = { ...process.env, LB_LOG_LEVEL: 'info', LB_CLI_CONFIG: join(this.dataDir, 'cli.json') };
    return this.spawnUntil('lb server', process.execPath, [LB, ...this.args()], env, () =>
      this.opts.agent === false
        ? waitFor(() => this.client.health(), (h) => h.status === 'ok', 'API up', 30_000)
        : waitFor(() => this.client.node(this.node), readySince(Date.now()), `node ${this.node} ready`, 30_000),
      this.opts.cwd,
    );
  }

  lb(args: string[], input?: string): Promise<RunResult> {
    return lb(args, this.env, input);
  }

  /** A raw HTTP request to this server's API (path from the root; headers, auth included, are the caller's). */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    if (this.tls) this.dispatcher ??= tlsDispatcher({ ca: readFileSync(this.caFile, 'utf8') });
    return fetch(this.url + path, { ...init, ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}) } as RequestInit);
  }

  async pods(ns: string, service?: string): Promise<Pod[]> {
    return this.client.pods(ns, service);
  }

}

export interface AgentOptions {
  server: TestServer;
  joinToken?: string;
  name?: string;
  labels?: Record<string, string>;
  heartbeat?: number;
  /** Run inside this network namespace (nsenter), serving exec/logs on listenHost. */
  netns?: string;
  listenHost?: string;
  /**
   * Drivers for the agent's config, merged with the defaults. Without them an agent runs the container
   * drivers only; its CNI is the default (vxlan) in a namespace of its own (`netns`), and none (Docker's
   * bridge) in the host's, where the server's node runs the overlay (see HOST_OVERLAY).
   */
  drivers?: Record<string, unknown>;
  discovery?: { enabled: boolean; port?: number; suffix?: string };
  /** The agent's `controller` config: self-fencing reads node_not_ready_after from it (default 20 s). */
  controller?: Record<string, number>;
  /** The `lb` script to run (default: this checkout's), e.g. a previous release's agent unpacked from its tarball. */
  bin?: string;
  /** Extra environment of the agent process. */
  env?: Record<string, string>;
}

/** A real `lb agent` process joined to a TestServer, with its own data dir and node name. */
export class TestAgent extends NodeProcess {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'lb-agent-'));

  private constructor(
    readonly node: string,
    private opts: AgentOptions,
  ) {
    super();
  }

  static async start(opts: AgentOptions): Promise<TestAgent> {
    const a = new TestAgent(opts.name ?? uniq('agent'), opts);
    try {
      await a.launch();
    } catch (e) {
      await a.cleanup(); // an agent that never got ready (e.g. one of another release) leaves no process behind
      throw e;
    }
    return a;
  }

  /** Another `lb` for the next launch, on the same data dir (an upgrade in place); without one, this checkout's. */
  upgradeTo(bin?: string, env?: Record<string, string>): void {
    this.opts = { ...this.opts, bin, env };
  }

  /** Starts the agent and waits until its node is ready. */
  async launch(joinToken = this.opts.joinToken): Promise<void> {
    const cfg = join(this.dataDir, 'config.yaml');
    const drivers = { csi: 'none', cpi: 'none', ...(this.opts.netns ? {} : { cni: 'none' }), ...(this.opts.drivers ?? {}) };
    writeFileSync(cfg, JSON.stringify({ node: { labels: this.opts.labels ?? {}, heartbeat: this.opts.heartbeat ?? 0.5, resync: 1 }, drivers, discovery: this.opts.discovery ?? { enabled: false }, ...(this.opts.controller ? { controller: this.opts.controller } : {}) }));
    const args = [this.opts.bin ?? LB, 'agent', '--server', this.opts.server.url, '--name', this.node, '--data-dir', this.dataDir, '--config', cfg, '--listen', `${this.opts.listenHost ?? '127.0.0.1'}:0`];
    if (joinToken) args.push('--token', joinToken);
    const [cmd, argv] = this.opts.netns ? ['nsenter', [`--net=/run/netns/${this.opts.netns}`, process.execPath, ...args]] : [process.execPath, args];
    await this.spawnUntil('lb agent', cmd, argv, { ...process.env, LB_LOG_LEVEL: 'info', ...this.opts.env }, () =>
      waitFor(() => this.opts.server.client.node(this.node), readySince(Date.now()), `node ${this.node} ready`, 30_000),
    );
  }
}

/** What `lb agent` keeps in its data dir: the node's bearer credential and, over TLS, its certificate. */
export interface NodeCredentials {
  node: string;
  token: string;
  ca?: string;
  cert?: string;
  key?: string;
}

export function readCredentials(dataDir: string): NodeCredentials {
  return JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as NodeCredentials;
}

/** A raw request as a node: its bearer token, and its client certificate unless `withCert` is false. */
export function nodeFetch(s: TestServer, c: NodeCredentials, path: string, init: RequestInit = {}, withCert = true): Promise<Response> {
  const dispatcher = s.tls ? tlsDispatcher({ ca: readFileSync(s.caFile, 'utf8'), ...(withCert ? { cert: c.cert, key: c.key } : {}) }) : undefined;
  const headers = { authorization: `Bearer ${c.token}`, 'content-type': 'application/json', ...((init.headers as Record<string, string>) ?? {}) };
  return fetch(s.url + path, { ...init, headers, ...(dispatcher ? { dispatcher } : {}) } as RequestInit);
}

/** A service manifest on the test image; `httpd` serves /www on 8080. */
export function webService(name: string, replicas: number, extra: { env?: Record<string, string>; readiness?: boolean } = {}) {
  return {
    kind: 'Service',
    version: 'v1',
    meta: { name, labels: { app: name } },
    spec: {
      replicas,
      network: { ports: ['80:8080/tcp'] },
      template: {
        containers: [
          {
            name: 'web',
            image: { name: IMAGE },
            command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
            env: Object.entries(extra.env ?? {}).map(([name, value]) => ({ name, value })),
            ...(extra.readiness === false ? {} : { readiness: { http: { path: '/', port: 8080 }, period: 1 } }),
          },
        ],
      },
    },
  };
}

export const readyPods = (pods: Pod[]) => pods.filter((p) => !p.spec.destroy && p.status.state === 'ready');

/** A registry (distribution API v2) that has no images: every manifest is unknown. */
export function emptyRegistry(): Promise<HttpServer> {
  const srv = createHttpServer((req, res) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/v2/') return res.end('{}');
    res.statusCode = 404;
    res.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: {} }] }));
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}
