// HA: three `lb server`s share one etcd (real, on loopback, temp data dir). Any server serves the API;
// the controller runs on the elected leader only. kill -9 the leader: another takes over within seconds,
// nothing is lost and no pod is duplicated. The agent is given all three servers and fails over when the
// one it talks to dies. Fails (never skips) when etcd is not installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbClient, tlsDispatcher, type Node } from '@lastbackend/sdk';
import { startLocalEtcd, type LocalEtcd } from '../core/src/ha/local-etcd';
import type { LeaderStatus } from '../core/src/ha/leader';
import { IMAGE, LB, TEST_DEFAULTS, docker, removeHostOverlay, freePort, lb, readyPods, uniq, waitFor, webService } from './harness';

const TOKEN = randomBytes(16).toString('hex');
const LEASE_TTL = 2;

/** One `lb` process (server or agent) with its output kept for diagnostics. */
class Proc {
  private child?: ChildProcess;
  out = '';
  constructor(
    readonly name: string,
    private readonly argv: string[],
  ) {}

  start(): void {
    this.out = '';
    const child = spawn(process.execPath, [LB, ...this.argv], { env: { ...process.env, LB_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child = child;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async signal(sig: NodeJS.Signals): Promise<void> {
    const c = this.child;
    if (!c || !this.alive) return;
    const done = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(sig);
    await done;
  }
}

class HaServer extends Proc {
  private cached?: LbClient;
  constructor(
    name: string,
    readonly url: string,
    readonly dataDir: string,
    argv: string[],
  ) {
    super(name, argv);
  }
  /** The servers share one CA (in etcd); each writes it to its data dir on start. */
  get caFile(): string {
    return join(this.dataDir, 'tls', 'ca.crt');
  }
  get client(): LbClient {
    if (this.cached) return this.cached;
    const client = (ca?: string) => new LbClient({ server: this.url, token: TOKEN, timeout: 5000, ...(ca ? { tls: { ca } } : {}) });
    return existsSync(this.caFile) ? (this.cached = client(readFileSync(this.caFile, 'utf8'))) : client();
  }
  leader(): Promise<LeaderStatus> {
    return this.client.request<LeaderStatus>('GET', '/cluster/leader');
  }
}

describe('HA: three servers on one etcd', () => {
  let etcd: LocalEtcd | undefined;
  let dir: string;
  const servers: HaServer[] = [];
  let agent: Proc | undefined;
  const agentName = uniq('ha-agent');
  const ns = uniq('ha');
  const containers = () => {
    const out = docker(['ps', '-aq', '--filter', `label=io.lastbackend.node=${agentName}`, '--filter', `label=io.lastbackend.namespace=${ns}`]);
    return out ? out.split('\n') : [];
  };
  const alive = () => servers.filter((s) => s.alive);
  const dump = () => [...servers, ...(agent ? [agent] : [])].map((p) => `--- ${p.name}\n${p.out.slice(-3000)}`).join('\n');

  beforeAll(async () => {
    etcd = await startLocalEtcd();
    dir = mkdtempSync(join(tmpdir(), 'lb-ha-'));
    const keyFile = join(dir, 'secret.key');
    writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
    const cfg = join(dir, 'server.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        ...TEST_DEFAULTS,
        store: { backend: 'etcd', etcd: { endpoints: [etcd.endpoint], prefix: `/${ns}/`, lease_ttl: LEASE_TTL }, secret_key_file: keyFile },
        controller: { resync: 1 },
      }),
    );
    for (let i = 1; i <= 3; i++) {
      const port = await freePort();
      const data = join(dir, `server-${i}`);
      const name = `${ns}-s${i}`;
      servers.push(new HaServer(name, `https://127.0.0.1:${port}`, data, ['server', '--no-agent', '--config', cfg, '--data-dir', data, '--listen', `127.0.0.1:${port}`, '--token', TOKEN, '--name', name]));
    }
    for (const s of servers) s.start();
    for (const s of servers) await waitFor(() => s.client.health(), (h) => h.status === 'ok', `${s.name} up`, 30_000).catch((e: Error) => { throw new Error(`${e.message}\n${dump()}`); });
  }, 60_000);

  afterAll(async () => {
    await agent?.signal('SIGTERM');
    for (const s of servers) await s.signal('SIGTERM');
    const left = docker(['ps', '-aq', '--filter', `label=io.lastbackend.node=${agentName}`]);
    if (left) docker(['rm', '-f', ...left.split('\n')]);
    removeHostOverlay(); // the agent's node ran this file's overlay (TEST_DEFAULTS)
    await etcd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('serves through any server, elects exactly one leader, and joins an agent given all three', async () => {
    const statuses = await Promise.all(servers.map((s) => waitFor(() => s.leader(), (l) => !!l.leader_id, `${s.name} sees a leader`, 15_000)));
    expect(statuses.filter((l) => l.leader)).toHaveLength(1);
    expect(new Set(statuses.map((l) => l.leader_id)).size).toBe(1);
    expect(statuses.every((l) => l.backend === 'etcd')).toBe(true);

    const joinToken = await servers[0].client.createToken({ role: 'node' });
    const agentDir = join(dir, 'agent');
    const agentCfg = join(dir, 'agent.json');
    writeFileSync(agentCfg, JSON.stringify({ node: { heartbeat: 0.5, resync: 1 }, drivers: TEST_DEFAULTS.drivers, discovery: { enabled: false } }));
    agent = new Proc('agent', ['agent', '--server', servers.map((s) => s.url).join(','), '--token', joinToken.token, '--name', agentName, '--data-dir', agentDir, '--config', agentCfg, '--listen', '127.0.0.1:0']);
    agent.start();
    // The join went to server 1; server 3 knows the node as well (one store).
    await waitFor(() => servers[2].client.node(agentName), (n) => n.status.state === 'ready', 'agent node ready (via server 3)', 30_000).catch((e: Error) => { throw new Error(`${e.message}\n${dump()}`); });
  }, 60_000);

  it('a watch ticket issued by one server opens a watch on another, once across the cluster', async () => {
    const [s1, s2, s3] = servers;
    const sse = (s: HaServer, ticket: string, signal?: AbortSignal) =>
      fetch(`${s.url}/namespace?watch=true&ticket=${ticket}`, {
        headers: { accept: 'text/event-stream' },
        ...(signal ? { signal } : {}),
        dispatcher: tlsDispatcher({ ca: readFileSync(s.caFile, 'utf8') }),
      } as RequestInit);
    const { ticket } = await s1.client.watchTicket();
    const ctl = new AbortController();
    const res = await sse(s2, ticket, ctl.signal);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('"SYNCED"')) text += new TextDecoder().decode((await reader.read()).value);
    ctl.abort();
    // Used: refused on every server, the one that issued it too.
    for (const s of [s3, s1, s2]) {
      const again = await sse(s, ticket);
      expect(again.status).toBe(401);
      expect(await again.text()).toMatch(/invalid watch ticket: unknown, used or expired/);
    }
  }, 30_000);

  it('applies through server 1, reads through server 2; kill -9 the leader; another leads within seconds and scales with no duplicates', async () => {
    await scenario().catch((e: Error) => {
      throw new Error(`${e.message}\n${dump()}`);
    });
  }, 120_000);

  async function scenario(): Promise<void> {
    const [s1, s2] = servers;
    await s1.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    // A secret sealed by server 2 reaches the pods through server 1 (the agent's): the servers share the key.
    await s2.client.create('secret', ns, { kind: 'Secret', meta: { name: 'db' }, spec: { data: { password: 'p4ss-ha' } } });
    const manifest = webService('web', 3) as unknown as { spec: { template: { containers: { env: unknown[] }[] } } };
    manifest.spec.template.containers[0].env = [{ name: 'PASS', secret: { name: 'db', key: 'password' } }];
    await s1.client.apply(ns, [manifest]);
    const svc = await s2.client.service(ns, 'web');
    expect(svc.spec.replicas).toBe(3);
    await waitFor(() => s2.client.pods(ns, 'web'), (p) => readyPods(p).length === 3, '3 ready pods (via server 2)', 60_000);
    await waitFor(async () => containers().length, (n) => n === 3, '3 containers');
    for (const id of containers()) expect(docker(['inspect', '--format', '{{json .Config.Env}}', id])).toContain('PASS=p4ss-ha');
    const deployments = (await s2.client.deployments(ns, 'web')).map((d) => d.meta.name);

    const leaderId = (await s2.leader()).leader_id;
    const leader = servers.find((s) => leaderId === `${s.name}@${s.url}`)!;
    expect(leader).toBeDefined();
    await leader.signal('SIGKILL');
    const t0 = Date.now();
    const survivors = alive();
    const next = await waitFor(
      async () => (await Promise.all(survivors.map((s) => s.leader().catch(() => undefined)))).find((l) => l?.leader),
      (l) => !!l,
      'a new leader',
      20_000,
    );
    const failoverMs = Date.now() - t0;
    console.log(`leader ${leader.name} killed (-9); ${next!.server} leads after ${failoverMs} ms (lease ttl ${LEASE_TTL} s)`);
    expect(failoverMs).toBeLessThan((LEASE_TTL + 5) * 1000);

    // Scale through a survivor that does not lead (any server serves the API).
    const via = survivors.find((s) => next!.server !== `${s.name}@${s.url}`) ?? survivors[0];
    await via.client.scale(ns, 'web', 5);
    const pods = await waitFor(() => via.client.pods(ns, 'web'), (p) => p.length === 5 && readyPods(p).length === 5, '5 ready pods after failover', 60_000);
    await waitFor(async () => containers().length, (n) => n === 5, 'exactly 5 containers');
    await new Promise((r) => setTimeout(r, 2000));
    expect(containers()).toHaveLength(5);
    for (const p of pods) expect(docker(['ps', '-aq', '--filter', `label=io.lastbackend.pod=${p.meta.name}`]).split('\n')).toHaveLength(1);
    // Nothing lost: the same service (uid) and its deployment history.
    const after = await via.client.service(ns, 'web');
    expect(after.meta.uid).toBe(svc.meta.uid);
    expect(after.spec.replicas).toBe(5);
    expect((await via.client.deployments(ns, 'web')).map((d) => d.meta.name)).toEqual(deployments);
  }

  it('kill -9 the server the agent talks to: the agent reports and follows changes through another', async () => {
    const streamFrom = () => [...agent!.out.matchAll(/pod stream from (\S+)/g)].map((m) => m[1]).pop();
    const current = await waitFor(async () => streamFrom(), (u) => !!u && alive().some((s) => s.url === u), 'the agent on a live server', 15_000);
    const victim = servers.find((s) => s.url === current)!;
    await victim.signal('SIGKILL');
    const [last] = alive();
    expect(alive()).toHaveLength(1);
    const killedAt = Date.now();
    await waitFor(async () => streamFrom(), (u) => u === last.url, `agent stream moved to ${last.url}`, 20_000).catch((e: Error) => { throw new Error(`${e.message}\n${dump()}`); });
    // Heartbeats arrive through the last server.
    await waitFor(() => last.client.node(agentName), (n: Node) => Date.parse(n.status.heartbeat) > killedAt && n.status.state === 'ready', 'a heartbeat after the kill', 20_000);
    // Desired state still reaches the agent, and its reports come back: scale down to 4.
    await waitFor(() => last.leader(), (l) => l.leader, 'the last server leads', 20_000);
    await last.client.scale(ns, 'web', 4);
    await waitFor(() => last.client.pods(ns, 'web'), (p) => p.length === 4 && readyPods(p).length === 4, '4 ready pods', 60_000);
    await waitFor(async () => containers().length, (n) => n === 4, 'exactly 4 containers', 30_000);
    // The CLI takes the same list and gets through to the one server left.
    const r = await lb(['get', 'nodes'], { LB_SERVER: servers.map((s) => s.url).join(','), LB_TOKEN: TOKEN, LB_CLI_CONFIG: join(dir, 'cli.json'), LB_CA_FILE: last.caFile });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`${agentName}\\s+\\S+\\s+ready`));
  }, 120_000);

  it('logs shipped to different servers (the agent failed over) read as one history, and follow, through any server', async () => {
    await logsScenario().catch((e: Error) => {
      throw new Error(`${e.message}\n${dump()}`);
    });
  }, 120_000);

  async function logsScenario(): Promise<void> {
    // The servers killed above come back on their data (their logs dbs included).
    for (const s of servers.filter((x) => !x.alive)) s.start();
    for (const s of servers) await waitFor(() => s.client.health(), (h) => h.status === 'ok', `${s.name} up again`, 30_000);
    const leader = await waitFor(async () => (await Promise.all(servers.map((s) => s.leader().catch(() => undefined)))).find((l) => l?.leader), (l) => !!l, 'a leader', 20_000);
    const via = servers.find((s) => `${s.name}@${s.url}` === leader!.server)!;
    await via.client.apply(ns, [
      {
        kind: 'Service',
        meta: { name: 'ticker' },
        spec: { replicas: 1, template: { containers: [{ name: 'tick', image: { name: IMAGE }, command: ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'] }] } },
      },
    ]);
    const read = async (s: HaServer, local = false) => {
      const out: string[] = [];
      for await (const l of s.client.logs(ns, 'ticker', { local })) out.push(l.line);
      return out;
    };
    const ticks = (lines: string[]) => lines.map((l) => Number(/^tick (\d+)$/.exec(l)?.[1] ?? NaN));
    const streamFrom = () => [...agent!.out.matchAll(/pod stream from (\S+)/g)].map((m) => m[1]).pop();

    // The agent ships to the server it talks to; the others hold none of it but serve all of it.
    const first = servers.find((s) => s.url === streamFrom())!;
    await waitFor(() => read(first, true), (l) => l.length >= 5, 'lines on the agent\'s server', 60_000);
    for (const s of servers.filter((x) => x !== first)) {
      expect(await read(s, true)).toEqual([]);
      expect((await read(s)).length).toBeGreaterThanOrEqual(5);
    }

    // Kill it: the agent fails over and ships the next lines to another server; then it comes back.
    await first.signal('SIGKILL');
    const second = await waitFor(async () => servers.find((s) => s.alive && s.url === streamFrom()), (s) => !!s, 'the agent on another server', 30_000);
    await waitFor(() => read(second!, true), (l) => l.length >= 5, 'lines on the second server', 30_000);
    first.start();
    await waitFor(() => first.client.health(), (h) => h.status === 'ok', `${first.name} up again`, 30_000);

    const [a, b] = [await read(first, true), await read(second!, true)];
    const third = servers.find((s) => s !== first && s !== second)!;
    for (const s of servers) {
      // Every line of both shares (once the restarted server is back in the election), each once, in
      // order: a line resent after the failover counts once.
      const all = await waitFor(() => read(s), (l) => [...a, ...b].every((x) => l.includes(x)), `both shares through ${s.name}`, 20_000);
      const n = ticks(all);
      expect(new Set(all).size).toBe(all.length);
      expect(n).toEqual([...n].sort((x, y) => x - y));
      // Nothing missing in between: the counter runs without gaps across the two shares.
      expect(n[n.length - 1] - n[0] + 1).toBe(n.length);
    }

    // Following through a server the agent does not talk to sees new lines as they come.
    const stop = new AbortController();
    const followed: string[] = [];
    const following = (async () => {
      for await (const l of third.client.logs(ns, 'ticker', { follow: true, tail: 0, signal: stop.signal })) followed.push(l.line);
    })().catch(() => undefined);
    await waitFor(async () => followed.length, (n) => n >= 5, 'followed lines via a peer', 20_000).finally(() => stop.abort());
    await following;
    const f = ticks(followed);
    expect(f).toEqual([...f].sort((x, y) => x - y));
    expect(new Set(f).size).toBe(f.length);
    await via.client.deleteService(ns, 'ticker');
  }
});
