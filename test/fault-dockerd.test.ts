// The container engine restarts under running pods, and an agent finds its local state files corrupt.
// dockerd runs without live-restore, so its restart kills every container: the agents must start them
// again (restart counters go up, never down), one container per pod, and log shipping must go on.
// The engine restarted is a private dockerd of this test (see PrivateEngine): restarting the machine's
// shared one would kill the containers of every test file jest runs beside this one.
//
// Local state of an agent (its --data-dir): credentials.json (its node credential), log-cursors.json
// (how far each container's logs were shipped), drivers-state/ (API driver swaps, retired runtimes;
// absent unless swaps happened). "Corrupt" here means garbled bytes or a torn (truncated) write, as a
// crash or a full disk leaves them, or valid JSON of the wrong shape. What recovering means per file:
//  - log-cursors.json: the agent starts, adopts its running containers untouched and ships logs again
//    (from the containers' start: the store keeps a line once, so nothing is lost or doubled).
//  - credentials.json: it cannot be repaired locally (the token in it is a secret the server only keeps
//    a hash of). With a join token made for that node (`lb token create --node NAME`) the agent joins
//    again, keeping its node and pods; without one it must refuse with an error that names the file
//    and the fix.
//  - drivers-state/*.json: ignored with a warning; the config file's drivers apply.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '@lastbackend/sdk';
import { IMAGE, TEST_DEFAULTS, TestAgent, TestServer, docker, lb, readyPods, uniq, waitFor } from './harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ a private dockerd
/**
 * An engine of this test's own: its socket, data and exec roots, pid file and bridge. Restarting the
 * machine's shared dockerd would kill the containers of every test file running beside this one (jest
 * runs files in parallel), so the restart is done on an engine nobody else uses, started and restarted
 * the same way as the shared one (a plain dockerd process), with the test image loaded into it.
 */
class PrivateEngine {
  readonly sock: string;
  private readonly bridge = `lbf${randomBytes(3).toString('hex')}`;
  private readonly argv: string[];

  constructor(readonly dir: string) {
    this.sock = join(dir, 'docker.sock');
    this.argv = [
      '--data-root', join(dir, 'root'),
      '--exec-root', join(dir, 'exec'),
      '--pidfile', join(dir, 'docker.pid'),
      '-H', `unix://${this.sock}`,
      '--bridge', this.bridge,
      '--iptables=false',
      '--ip-masq=false',
      '--userland-proxy=false',
    ];
  }

  docker(args: string[]): string {
    return docker(['-H', `unix://${this.sock}`, ...args]);
  }

  answers(): boolean {
    try {
      this.docker(['version', '--format', '{{.Server.Version}}']);
      return true;
    } catch {
      return false;
    }
  }

  pid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.dir, 'docker.pid'), 'utf8').trim());
      return pid && existsSync(`/proc/${pid}`) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async start(): Promise<void> {
    if (!existsSync(`/sys/class/net/${this.bridge}`)) {
      // A /24 of 10.253/16 for this engine's containers (the shared engine's docker0 is 172.17/16).
      const net = `10.253.${1 + Math.floor(Math.random() * 250)}`;
      execFileSync('ip', ['link', 'add', 'name', this.bridge, 'type', 'bridge']);
      execFileSync('ip', ['addr', 'add', `${net}.1/24`, 'dev', this.bridge]);
      execFileSync('ip', ['link', 'set', this.bridge, 'up']);
    }
    const fd = openSync(join(this.dir, 'dockerd.log'), 'a');
    spawn('dockerd', this.argv, { detached: true, stdio: ['ignore', fd, fd] }).unref();
    closeSync(fd);
    await waitFor(async () => this.answers(), Boolean, 'the private dockerd to answer', 60_000);
  }

  /** SIGTERM, as a service manager does; waits until the daemon (and its containerd) are gone. */
  async stop(): Promise<void> {
    const pid = this.pid();
    if (pid) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 60_000;
      while (existsSync(`/proc/${pid}`)) {
        if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
        await sleep(200);
      }
    }
    await waitFor(async () => this.processes('containerd ').length, (n) => n === 0, 'its containerd to stop', 30_000).catch(() => undefined);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Processes of this engine (found by its directory in their command line), e.g. shims left behind. */
  processes(match = ''): number[] {
    let out = '';
    try {
      out = execFileSync('pgrep', ['-af', this.dir], { encoding: 'utf8' });
    } catch {
      return [];
    }
    return out
      .split('\n')
      .filter((l) => l.includes(match))
      .map((l) => Number(l.split(' ')[0]))
      .filter((pid) => pid && pid !== process.pid);
  }

  /** Mount points under this engine's directory, outermost first. */
  mounts(): string[] {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4])
      .filter((m): m is string => !!m && m.startsWith(this.dir + '/'));
  }

  /** Everything goes: containers, the daemon, shims that outlived it, its files and its bridge. */
  async destroy(): Promise<void> {
    // An overlay can stay busy for a moment after its container stopped ("device or resource busy"):
    // a few tries, then the leftover mounts go by hand once the daemon is down.
    for (let attempt = 1; this.answers(); attempt++) {
      const ids = this.docker(['ps', '-aq']).split('\n').filter(Boolean);
      if (!ids.length) break;
      try {
        this.docker(['rm', '-f', ...ids]);
        break;
      } catch (e) {
        if (attempt === 5) console.warn(`private engine: ${(e as Error).message.split('\n')[0]}; unmounting by hand`);
        if (attempt === 5) break;
        await sleep(1000);
      }
    }
    await this.stop();
    for (const pid of this.processes()) process.kill(pid, 'SIGKILL');
    try {
      for (const target of this.mounts().reverse()) execFileSync('umount', ['-l', target], { stdio: 'ignore' });
      rmSync(this.dir, { recursive: true, force: true });
    } catch (e) {
      // Seen once: an overlay the kernel still calls busy after its engine is gone. The daemon and its
      // bridge still go; the directory is reported rather than failing the suite after it passed.
      console.warn(`private engine: ${this.dir} not fully removed: ${(e as Error).message}`);
    }
    if (existsSync(`/sys/class/net/${this.bridge}`)) execFileSync('ip', ['link', 'del', this.bridge]);
  }
}

// ------------------------------------------------------------------ workload
/** Prints "tick <boot id> <n>" every second; <boot id> is new at every container start. Stops at once on TERM. */
const ticker = (name: string, node: string, replicas: number) => ({
  kind: 'Service',
  version: 'v1',
  meta: { name },
  spec: {
    replicas,
    selector: { node },
    template: {
      termination: 1,
      containers: [
        {
          name: 'main',
          image: { name: IMAGE },
          command: ['sh', '-c', `trap 'exit 143' TERM; b=$(cut -c1-8 /proc/sys/kernel/random/uuid); i=0; while true; do echo "tick $b $i"; i=$((i+1)); sleep 1 & wait $!; done`],
        },
      ],
    },
  },
});

describe('fault: dockerd restarts and corrupt agent state', () => {
  let s: TestServer;
  let agent: TestAgent;
  let joinToken: string;
  const ns = uniq('fdk');
  const SERVICES = ['on-agent', 'on-server'];

  const logs = async (svc: string) => {
    const out: string[] = [];
    for await (const l of s.client.logs(ns, svc)) out.push(`${l.pod} ${l.line}`);
    return out;
  };
  /** Boot ids seen in the logs, per pod. */
  const boots = async (svc: string) => {
    const m = new Map<string, Set<string>>();
    for (const l of await logs(svc)) {
      const [pod, word, boot] = l.split(' ');
      if (word === 'tick') m.set(pod, (m.get(pod) ?? new Set()).add(boot));
    }
    return m;
  };
  const pods = async () => (await Promise.all(SERVICES.map((x) => s.pods(ns, x)))).flat().filter((p) => !p.spec.destroy);
  const restarts = (p: Pod) => p.status.containers.reduce((a, c) => a + c.restarts, 0);
  let engine: PrivateEngine;
  const list = (labels: Record<string, string>) =>
    engine
      .docker(['ps', '-aq', '--no-trunc', ...Object.entries(labels).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`])])
      .split('\n')
      .filter(Boolean);
  const containersOf = (pod: string) => list({ 'io.lastbackend.pod': pod });
  /** The agent's containers of this test's namespace. */
  const agentContainers = () => list({ 'io.lastbackend.node': agent.node, 'io.lastbackend.namespace': ns }).sort();
  const startedAt = (id: string) => engine.docker(['inspect', '--format', '{{.State.StartedAt}}', id]);

  beforeAll(async () => {
    engine = new PrivateEngine(mkdtempSync(join(tmpdir(), 'lb-fdk-engine-')));
    await engine.start();
    execFileSync('sh', ['-c', `docker save ${IMAGE} | docker -H unix://${engine.sock} load`], { stdio: 'ignore' });
    // Server and agent run their pods on the private engine.
    const onEngine = { package: '@lastbackend/driver-docker', config: { socket: engine.sock } };
    const cfg = join(engine.dir, 'server.json');
    writeFileSync(cfg, JSON.stringify({ ...TEST_DEFAULTS, drivers: { ...TEST_DEFAULTS.drivers, cri: onEngine, cii: onEngine } }));
    s = await TestServer.start({ config: cfg });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    const r = await s.lb(['token', 'create', '--role', 'node']);
    expect(r.code).toBe(0);
    joinToken = r.stdout.trim();
    agent = await TestAgent.start({ server: s, joinToken, drivers: { cri: onEngine, cii: onEngine } });
    await s.client.createService(ns, ticker('on-agent', agent.node, 2));
    await s.client.createService(ns, ticker('on-server', s.node, 1));
    await waitFor(pods, (p) => readyPods(p).length === 3, '3 ready pods');
  });

  afterAll(async () => {
    try {
      await agent?.cleanup();
      await s?.cleanup();
    } finally {
      await engine?.destroy();
    }
  });

  it('brings every pod back after dockerd restarts: counters up, one container each, logs ship', async () => {
    const before = new Map((await pods()).map((p) => [p.meta.name, restarts(p)]));
    expect(before.size).toBe(3);
    for (const name of before.keys()) expect(containersOf(name)).toHaveLength(1);
    await waitFor(async () => [...(await boots('on-agent')).values(), ...(await boots('on-server')).values()].length, (n) => n === 3, 'logs of all three pods');

    await engine.restart();

    // The same pods (no node was lost, nothing is rescheduled), ready again, each restarted once more.
    const running = (id: string) => {
      try {
        return engine.docker(['inspect', '--format', '{{.State.Running}}', id]) === 'true';
      } catch {
        return false; // removed meanwhile
      }
    };
    const view = (ps: Pod[]) =>
      ps.map((p) => `${p.meta.name}: ${p.status.state}, restarts ${before.get(p.meta.name)} → ${restarts(p)}, containers ${containersOf(p.meta.name).map((id) => `${id.slice(0, 12)} running=${running(id)}`).join(' ')}, reported ${p.status.containers[0]?.id?.slice(0, 12)}`);
    let after: Pod[];
    try {
      // Ready as reported, and so in the engine: one running container each, the one the status names. (An
      // agent whose event stream closed first restarted its container while dockerd was shutting down, and
      // dockerd then stopped it unseen: it reported ready until the next resync. It now syncs every pod once
      // the stream is back: node-pods.ts, agent.spec.ts.)
      after = await waitFor(
        pods,
        (ps) =>
          readyPods(ps).length === 3 &&
          ps.every((p) => before.has(p.meta.name) && restarts(p) > before.get(p.meta.name)!) &&
          ps.every((p) => {
            const ids = containersOf(p.meta.name);
            return ids.length === 1 && running(ids[0]) && p.status.containers[0]?.id === ids[0];
          }),
        'the same 3 pods ready again, each with a higher restart count and one running container',
        90_000,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message.slice(0, 200)}\n${view(await pods()).join('\n')}\nagent:\n${agent.output().slice(-3000)}\nserver:\n${s.output().slice(-3000)}`);
    }
    expect(after.map((p) => p.meta.name).sort()).toEqual([...before.keys()].sort());
    // Logs keep shipping: every pod's restarted container (a new boot id) reaches the log store.
    await waitFor(
      async () => [...(await boots('on-agent')).values(), ...(await boots('on-server')).values()],
      (sets) => sets.length === 3 && sets.every((b) => b.size >= 2),
      'log lines of the restarted containers',
      60_000,
    );
    // And the counters stay where they are once things are quiet (never lower).
    await sleep(3000);
    for (const p of await pods()) expect(restarts(p)).toBeGreaterThanOrEqual(restarts(after.find((x) => x.meta.name === p.meta.name)!));
  });

  /**
   * Starts the agent and waits until this very process serves: launch() alone can be satisfied by the
   * node status the previous process left in the store (ready until the heartbeat grace runs out).
   */
  async function relaunch(joinToken?: string): Promise<void> {
    await agent.launch(joinToken);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const o = agent.output();
      if (/lb agent: node \S+ serving/.test(o)) return;
      // A start-up failure ends the process with one "lb agent: <reason>" line.
      const failed = /^lb agent: (?!node \S+ serving).*$/m.exec(o);
      if (failed) throw new Error(`the agent did not start: ${failed[0]}`);
      if (Date.now() > deadline) throw new Error(`the restarted agent is not serving after 20 s:\n${o.slice(-2000)}`);
      await sleep(100);
    }
  }

  /** Stops the agent, corrupts a file of its data dir, starts it again; returns what ran before. */
  async function withCorrupt(file: string, corrupt: (old: string) => string | Buffer) {
    const mine = await s.pods(ns, 'on-agent');
    const ids = agentContainers();
    expect(ids).toHaveLength(2);
    const started = ids.map(startedAt);
    const lastTick = Math.max(...(await logs('on-agent')).map((l) => Number(l.split(' ')[3]) || 0));
    await agent.stop();
    const path = join(agent.dataDir, file);
    writeFileSync(path, corrupt(existsSync(path) ? readFileSync(path, 'utf8') : ''));
    return { mine, ids, started, lastTick, path };
  }

  it.each([
    ['truncated (a torn write)', (old: string) => old.slice(0, Math.max(1, Math.floor(old.length / 2)))],
    ['garbled bytes', () => Buffer.from([0x00, 0xff, 0x7b, 0x22, 0xfe, 0x0a, 0x5b, 0x00])],
  ])('recovers from a %s log cursor file: same containers, logs ship on, no line twice', async (_what, corrupt) => {
    const was = await withCorrupt('log-cursors.json', corrupt);
    await relaunch();
    await waitFor(() => s.pods(ns, 'on-agent'), (p) => readyPods(p).length === 2, 'agent pods ready');
    // Its running containers were adopted as they were: not recreated, not restarted.
    expect(agentContainers()).toEqual(was.ids);
    expect(was.ids.map(startedAt)).toEqual(was.started);
    // Shipping goes on past where it was, and re-reading the containers from their start stored nothing twice.
    const lines = await waitFor(() => logs('on-agent'), (ls) => ls.some((l) => Number(l.split(' ')[3]) > was.lastTick + 2), 'new log lines', 30_000);
    expect(lines.length).toBe(new Set(lines).size);
    expect(agent.output()).toMatch(/log-cursors\.json is unreadable/);
    // The file is whole again once the agent has shipped something.
    const readable = (t: string) => {
      try {
        return typeof JSON.parse(t) === 'object';
      } catch {
        return false;
      }
    };
    await waitFor(async () => readFileSync(was.path, 'utf8'), readable, 'a readable cursor file');
  });

  // Valid JSON but not an object of cursors (a foreign write, a bad restore) counts as unreadable too.
  it.each([['null'], ['"x"']])('recovers from a log cursor file holding %s', async (content) => {
    const was = await withCorrupt('log-cursors.json', () => content + '\n');
    try {
      await relaunch();
      await waitFor(() => logs('on-agent'), (ls) => ls.some((l) => Number(l.split(' ')[3]) > was.lastTick + 2), 'new log lines', 20_000);
      // Still alive and shipping a few seconds later (a crash on saving the cursors would stop it).
      await sleep(3000);
      await waitFor(() => logs('on-agent'), (ls) => ls.some((l) => Number(l.split(' ')[3]) > was.lastTick + 8), 'more log lines', 20_000);
      expect(agent.output()).not.toMatch(/TypeError|Cannot read properties|Cannot create property/);
    } finally {
      // Leave a working agent for the next test, whatever the verdict.
      await agent.stop();
      writeFileSync(was.path, '{}');
      await relaunch();
    }
  });

  /** A join token the admin made for this node: the only kind that may give a joined node a new credential. */
  const tokenForAgent = async () => (await s.client.createToken({ node: agent.node })).token;

  it('joins again with a token made for the node when credentials.json is garbled', async () => {
    const was = await withCorrupt('credentials.json', (old) => old.slice(0, 40));
    try {
      await relaunch(await tokenForAgent());
      await waitFor(() => s.pods(ns, 'on-agent'), (p) => readyPods(p).length === 2, 'agent pods ready');
      expect(agentContainers()).toEqual(was.ids);
    } finally {
      await repairCredentials(was.path);
    }
  });

  it('without a join token, refuses a garbled credentials.json naming the file and the fix', async () => {
    const was = await withCorrupt('credentials.json', () => '{"server": "http');
    try {
      const r = await lb(['agent', '--server', s.url, '--name', agent.node, '--data-dir', agent.dataDir, '--config', join(agent.dataDir, 'config.yaml'), '--listen', '127.0.0.1:0']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/credentials\.json/);
      expect(r.stderr).toMatch(/--token|remove/);
      // Its containers are left alone meanwhile.
      expect(agentContainers()).toEqual(was.ids);
    } finally {
      await repairCredentials(was.path);
    }
  });

  // The kernel's record of driver swaps made through the API, and of retired runtimes whose containers it
  // still serves. Torn or garbled, it is ignored with a warning (the config file's drivers apply).
  it.each([
    ['drivers-state/swapped-drivers.json', '{"cri": {"package": "@lastbackend/dri'],
    ['drivers-state/retired-runtimes.json', '\u0000\u00ff[{"pack'],
  ])('starts with a torn %s, serving the same containers', async (file, content) => {
    const was = await withCorrupt(file, () => content);
    try {
      await relaunch();
      expect(agent.output()).toMatch(/is unreadable/);
      await waitFor(() => s.pods(ns, 'on-agent'), (p) => readyPods(p).length === 2, 'agent pods ready');
      expect(agentContainers()).toEqual(was.ids);
      expect(was.ids.map(startedAt)).toEqual(was.started);
    } finally {
      await agent.stop();
      rmSync(was.path, { force: true });
      await relaunch();
    }
  });

  // Valid JSON of the wrong shape there is unreadable too: the kernel warns and goes on without it.
  it.each([
    ['drivers-state/swapped-drivers.json', 'null'],
    ['drivers-state/retired-runtimes.json', '42'],
  ])('starts with %s holding %s', async (file, content) => {
    const was = await withCorrupt(file, () => content + '\n');
    try {
      await relaunch();
      await waitFor(() => s.pods(ns, 'on-agent'), (p) => readyPods(p).length === 2, 'agent pods ready');
      expect(agentContainers()).toEqual(was.ids);
    } finally {
      await agent.stop();
      rmSync(was.path, { force: true });
      await relaunch();
    }
  });

  /** Drops the broken credential and joins again with the join token, so cleanup finds a working agent. */
  async function repairCredentials(path: string): Promise<void> {
    await agent.stop();
    rmSync(path, { force: true });
    await relaunch(await tokenForAgent());
  }
});
