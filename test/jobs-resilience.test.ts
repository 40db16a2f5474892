// A task runs once, whatever fails under it (issue 17's must-hold cases, real server, agents and Docker):
// - kill -9 of the server, or of the task's agent, mid-task: the task is neither lost nor run twice;
// - its node partitioned from the server mid-task: the node's agent stops its copy by itself (self-fencing)
//   before the server reruns the task on the other node; never two copies at once, and it finishes once.
// Runs are counted from the Docker engine's own event stream (every create/start/die of the namespace's
// containers, with the engine's times) and, for the partition, also by sampling the running containers.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import type { Task } from '@lastbackend/sdk';
import { IMAGE, TestAgent, TestServer, uniq, waitFor, withLogs } from './harness';
import type { Underlay } from './underlay';
import { startOverlayCluster, type OverlayCluster } from './overlay-cluster';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const job = (name: string, script: string, task: Record<string, unknown> = {}) => ({
  kind: 'Job',
  version: 'v1',
  meta: { name },
  spec: { task: { template: { containers: [{ name: 'main', image: { name: IMAGE }, command: ['sh', '-c', script] }], termination: 1 }, ...task } },
});

interface ContainerEvent {
  action: string;
  id: string;
  pod: string;
  node: string;
  /** The engine's time, in ns. */
  at: bigint;
}

/** Follows `docker events` for a namespace's containers from now on (a line per create, start, die, destroy). */
class Events {
  readonly seen: ContainerEvent[] = [];
  private readonly proc: ChildProcess;
  private rest = '';

  constructor(ns: string) {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    this.proc = spawn('docker', ['events', '--since', since, '--filter', 'type=container', '--filter', `label=io.lastbackend.namespace=${ns}`, '--format', '{{json .}}'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.proc.stdout!.on('data', (d: Buffer) => {
      const lines = (this.rest + d.toString()).split('\n');
      this.rest = lines.pop()!;
      for (const l of lines.filter(Boolean)) {
        const e = JSON.parse(l) as { Action: string; Actor: { ID: string; Attributes: Record<string, string> }; timeNano: number | string };
        if (!['create', 'start', 'die', 'destroy'].includes(e.Action)) continue;
        const a = e.Actor.Attributes;
        this.seen.push({ action: e.Action, id: e.Actor.ID, pod: a['io.lastbackend.pod'], node: a['io.lastbackend.node'], at: BigInt(e.timeNano) });
      }
    });
  }

  of(task: Task, action: string): ContainerEvent[] {
    return this.seen.filter((e) => e.action === action && e.pod?.startsWith(`${task.meta.name}-`));
  }

  /** The most containers of the task running at once, by the engine's start and die times. */
  mostAtOnce(task: Task): number {
    const edges = [...this.of(task, 'start').map((e) => ({ at: e.at, d: 1 })), ...this.of(task, 'die').map((e) => ({ at: e.at, d: -1 }))];
    edges.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.d - b.d));
    let now = 0;
    let most = 0;
    for (const e of edges) most = Math.max(most, (now += e.d));
    return most;
  }

  stop(): void {
    this.proc.kill();
  }
}

const endedState = (t: Task) => ['succeeded', 'failed', 'cancelled'].includes(t.status.state);

describe('a task survives kill -9 of its server or its agent', () => {
  let s: TestServer;
  let agent: TestAgent;
  let events: Events;
  const ns = uniq('jres');

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    agent = await TestAgent.start({ server: s, joinToken: (await s.client.createToken()).token });
    events = new Events(ns);
  });
  afterAll(async () => {
    events?.stop();
    await agent?.cleanup();
    await s?.cleanup();
  });

  const running = (name: string) => waitFor(() => s.client.task(ns, name), (t) => t.status.state === 'running', `task ${name} running`, 60_000);
  const ended = (name: string) => waitFor(() => s.client.task(ns, name), endedState, `task ${name} ended`, 60_000);
  const logsOf = async (t: Task) => {
    const out: string[] = [];
    for await (const l of s.client.taskLogs(ns, t.meta.name)) out.push(l.line);
    return out;
  };
  const ranOnce = (t: Task) => {
    expect(t.status).toMatchObject({ state: 'succeeded', attempt: 1, node: agent.node, pods: [`${t.meta.name}-1`], containers: [{ name: 'main', exit_code: 0 }] });
    expect(events.of(t, 'create')).toHaveLength(1);
    expect(events.of(t, 'start')).toHaveLength(1);
    expect(events.of(t, 'die')).toHaveLength(1);
  };

  it('kill -9 of the server while its task runs, the task ending while the server is down: it succeeds, run once', async () => {
    // Pinned to the agent, which keeps running while the server is down.
    await s.client.create('job', ns, job('srv', 'echo start; sleep 3; echo end', { selector: { node: agent.node } }));
    const t = await s.client.runJob(ns, 'srv');
    await running(t.meta.name);
    await s.kill9();
    await waitFor(async () => events.of(t, 'die').length, (n) => n === 1, 'the task container exited while the server is down', 30_000);
    await s.launch();
    const done = await withLogs([s, agent], () => ended(t.meta.name));
    ranOnce(done);
    await withLogs([s, agent], () => waitFor(() => logsOf(t), (l) => l.join(',') === 'start,end', 'the task log whole', 20_000));
  });

  it('kill -9 of the agent while its task runs, restarted before it ends: it succeeds, run once', async () => {
    await s.client.create('job', ns, job('agt', 'echo start; sleep 8; echo end', { selector: { node: agent.node } }));
    const t = await s.client.runJob(ns, 'agt');
    await running(t.meta.name);
    await agent.kill9();
    await agent.launch();
    // The restarted agent took the running container back: it still runs, and nothing made another.
    expect(events.of(t, 'die')).toHaveLength(0);
    const done = await withLogs([s, agent], () => ended(t.meta.name));
    ranOnce(done);
    await withLogs([s, agent], () => waitFor(() => logsOf(t), (l) => l.join(',') === 'start,end', 'the task log whole', 20_000));
  });
});

describe('a task whose node is partitioned from the server mid-task', () => {
  // The agents read the same timings: they fence after 2 s cut off, the server reruns after 8 s (the margin covers a loaded machine).
  const CONTROLLER = { node_not_ready_after: 2, node_offline_after: 8, resync: 1 };
  let cluster: OverlayCluster | undefined;
  let net: Underlay;
  let s: TestServer;
  let agents: TestAgent[] = [];
  let events: Events;
  const ns = uniq('jpart');

  beforeAll(async () => {
    cluster = await startOverlayCluster({
      hosts: 2,
      prefix: 'fence',
      server: { controller: CONTROLLER, network: { cluster_cidr: '10.226.0.0/16', node_prefix: 24, service_cidr: '10.227.0.0/16' } },
      agentController: CONTROLLER,
    });
    ({ net, server: s, agents } = cluster);
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    events = new Events(ns);
  });
  afterAll(async () => {
    events?.stop();
    for (const h of net?.hosts ?? []) net.setLink(h, true);
    await cluster?.cleanup();
  });

  it('stops the copy on the cut-off node before the rerun starts elsewhere, never runs two, and finishes once', async () => {
    // Sample the namespace's running containers the whole time, by node.
    const samples: string[][] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const out = await new Promise<string>((res) =>
          execFile('docker', ['ps', '--filter', `label=io.lastbackend.namespace=${ns}`, '--format', '{{.Label "io.lastbackend.node"}}/{{.Label "io.lastbackend.pod"}}'], (err, stdout) => res(err ? '' : stdout)),
        );
        samples.push(out.split('\n').filter(Boolean));
        await sleep(200);
      }
    })();

    try {
      await s.client.create('job', ns, job('part', 'echo start; sleep 10; echo end', { retries: 1, backoff: '1s' }));
      const t = await s.client.runJob(ns, 'part');
      const first = await waitFor(() => s.client.task(ns, t.meta.name), (x) => x.status.state === 'running', 'the task running', 60_000);
      const i = agents.findIndex((a) => a.node === first.status.node);
      expect(i).toBeGreaterThanOrEqual(0);
      const [a, b] = [agents[i], agents[1 - i]];
      net.setLink(net.hosts[i], false);

      const done = await withLogs([s, a, b], () => waitFor(() => s.client.task(ns, t.meta.name), endedState, 'the task ended', 90_000));
      // Rerun on the other node after its first node was lost, and succeeded there.
      expect(done.status).toMatchObject({ state: 'succeeded', attempt: 2, node: b.node, pods: [`${t.meta.name}-1`, `${t.meta.name}-2`], containers: [{ exit_code: 0 }] });
      const [startA, startB] = [events.of(t, 'start').filter((e) => e.node === a.node), events.of(t, 'start').filter((e) => e.node === b.node)];
      expect([startA.length, startB.length]).toEqual([1, 1]);
      // A's copy was stopped by A itself (the server could not reach it), before B's started.
      const dieA = events.of(t, 'die').filter((e) => e.node === a.node);
      expect(dieA).toHaveLength(1);
      expect(dieA[0].at < startB[0].at).toBe(true);
      expect(a.output()).toMatch(/stopped 1 task pod\(s\)/);
      expect(events.mostAtOnce(t)).toBe(1);

      // Healed: A comes back ready, forgets the pod the server evicted, and never starts its copy again.
      const healed = Date.now();
      net.setLink(net.hosts[i], true);
      await withLogs([s, a], () => waitFor(() => s.client.node(a.node), (n) => n.status.state === 'ready' && Date.parse(n.status.heartbeat) >= healed, 'the healed node ready', 30_000));
      await sleep(3000); // a few of its passes (resync 1 s)
      expect(a.containers({ 'io.lastbackend.namespace': ns })).toEqual([]);
      expect(events.of(t, 'start')).toHaveLength(2);
      expect((await s.client.task(ns, t.meta.name)).status).toMatchObject({ state: 'succeeded', attempt: 2 });
      sampling = false;
      await sampler;
      expect(samples.length).toBeGreaterThan(20);
      expect(samples.filter((x) => x.length > 1)).toEqual([]);
      // The samples saw each copy run, on its own node.
      expect(samples.some((x) => x[0]?.startsWith(`${a.node}/`))).toBe(true);
      expect(samples.some((x) => x[0]?.startsWith(`${b.node}/`))).toBe(true);
    } finally {
      sampling = false;
      await sampler;
    }
  });
});
