// kill -9 a node agent 10 times while its pod crash-loops: the restart counter the API shows never goes
// down, the pod stays the same pod with exactly one container, and it keeps crash-looping afterwards.
import { IMAGE, TestAgent, TestServer, docker, seededRandom, uniq, waitFor } from './harness';

const SEED = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : 4242;
const KILLS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault: kill -9 the agent while a pod crash-loops', () => {
  let s: TestServer;
  let agent: TestAgent;
  const ns = uniq('fak');

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    const r = await s.lb(['token', 'create', '--role', 'node']);
    expect(r.code).toBe(0);
    agent = await TestAgent.start({ server: s, joinToken: r.stdout.trim() });
  });
  afterAll(async () => {
    await agent?.cleanup();
    await s?.cleanup();
  });

  it('never lowers the restart counter and never duplicates the container', async () => {
    // eslint-disable-next-line no-console
    console.log(`fault-agent-kill seed ${SEED}`);
    const random = seededRandom(SEED);
    await s.client.createService(ns, {
      kind: 'Service',
      version: 'v1',
      meta: { name: 'crash' },
      spec: {
        replicas: 1,
        // Pinned to the agent: its pod cannot move to the server's own node while the agent is down.
        selector: { node: agent.node },
        template: { termination: 1, containers: [{ name: 'main', image: { name: IMAGE }, command: ['sh', '-c', 'sleep 1; exit 1'], restart: { policy: 'always' } }] },
      },
    });
    const first = await waitFor(() => s.pods(ns, 'crash'), (p) => p.length === 1 && (p[0].status.containers[0]?.restarts ?? 0) >= 1, 'the pod crash-looping');
    const podName = first[0].meta.name;
    expect(first[0].meta.node).toBe(agent.node);

    // Watch the counter the whole time: every observation is recorded, in order.
    const seen: { t: number; restarts: number; pod: string }[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        try {
          for (const p of await s.pods(ns, 'crash')) {
            const c = p.status.containers.find((x) => x.name === 'main');
            if (c) seen.push({ t: Date.now(), restarts: c.restarts, pod: p.meta.name });
          }
        } catch {
          /* the server is up throughout; a failed poll only loses a sample */
        }
        await sleep(100);
      }
    })();

    // Ten kills over about 30 s, each at a random point of the crash loop (running, exiting, backing off).
    const killedAt: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      await sleep(500 + Math.floor(random() * 2000));
      killedAt.push(Date.now());
      await agent.kill9();
      await sleep(Math.floor(random() * 500));
      await agent.launch();
    }
    const afterKills = Math.max(...seen.map((x) => x.restarts));

    // After the last restart the pod keeps crash-looping: the counter grows past what it was.
    await waitFor(async () => seen[seen.length - 1]?.restarts ?? 0, (n) => n > afterKills, 'the counter to grow after the kills', 90_000);
    watching = false;
    await watcher;

    // eslint-disable-next-line no-console
    console.log(`restarts seen: ${[...new Set(seen.map((x) => x.restarts))].join(' → ')} over ${seen.length} observations, ${KILLS} kills`);
    expect(seen.length).toBeGreaterThan(100);
    // Never down, between any two consecutive observations.
    const drops: string[] = [];
    for (let i = 1; i < seen.length; i++) if (seen[i].restarts < seen[i - 1].restarts) drops.push(`${seen[i - 1].restarts}→${seen[i].restarts} at ${new Date(seen[i].t).toISOString()}`);
    expect(drops).toEqual([]);
    // Still the same pod on the same node: the kills did not make the platform replace it.
    expect(new Set(seen.map((x) => x.pod))).toEqual(new Set([podName]));
    expect(seen[seen.length - 1].restarts).toBeGreaterThan(first[0].status.containers[0].restarts);

    // Exactly one container for the pod, on any node of this engine.
    const ids = docker(['ps', '-aq', '--no-trunc', '--filter', `label=io.lastbackend.pod=${podName}`]).split('\n').filter(Boolean);
    expect(ids).toHaveLength(1);
    expect(agent.containers({ 'io.lastbackend.namespace': ns })).toEqual(ids);
    const pod = (await s.pods(ns, 'crash'))[0];
    expect(pod.status.containers[0].id).toBe(ids[0]);
  });
});
