// kill -9 the server 10 times while 100 services are being created: every create the API acknowledged
// survives, each service ends with exactly one ready pod and one container, and nothing is duplicated.
// The kill points are random but seeded: FAULT_SEED=<n> replays a run's schedule (it is printed).
import { LbError, type Pod } from '@lastbackend/sdk';
import { IMAGE, TestServer, docker, readyPods, seededRandom, uniq, waitFor } from './harness';

const SEED = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : 7341;
const SERVICES = 100;
const KILLS = 10;
const WORKERS = 4;

/** mulberry32: a small seeded generator, so the kill schedule is reproducible. */
const sleeper = (name: string) => ({
  kind: 'Service',
  version: 'v1',
  meta: { name },
  spec: { replicas: 1, template: { termination: 1, containers: [{ name: 'main', image: { name: IMAGE, policy: 'if-not-present' }, command: ['sleep', '3600'] }] } },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault: kill -9 the server during an apply of 100 services', () => {
  let s: TestServer;
  const ns = uniq('fsk');

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(() => s?.cleanup());

  it('loses no acknowledged create and converges to one pod and one container per service', async () => {
    // eslint-disable-next-line no-console
    console.log(`fault-server-kill seed ${SEED} (FAULT_SEED=${SEED} replays the kill schedule)`);
    const random = seededRandom(SEED);
    const names = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    /** Creates the API answered 2xx to: these must exist at the end. */
    const acknowledged = new Set<string>();
    /** Creates whose answer was lost to a kill but that landed anyway (the retry got ALREADY_EXISTS). */
    const landedUnanswered = new Set<string>();
    const refused: string[] = [];
    const deadline = Date.now() + 150_000;

    // Creates go in batches of ten, each batch opened by the previous kill, so every kill lands while
    // creates of its batch are still in flight (not after a fast apply has already finished).
    const BATCH = SERVICES / KILLS;
    let allowance = BATCH;
    let inFlight = 0;
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        if (next >= allowance) {
          await sleep(20);
          continue;
        }
        const name = names[next++];
        for (;;) {
          if (Date.now() > deadline) throw new Error(`create of ${name} did not get through before the deadline`);
          inFlight++;
          try {
            await s.client.createService(ns, sleeper(name));
            acknowledged.add(name);
            break;
          } catch (e) {
            if (e instanceof LbError && e.code === 'ALREADY_EXISTS') {
              landedUnanswered.add(name);
              break;
            }
            // The server is down or restarting (refused, reset, 503): try again shortly.
            if (!(e instanceof LbError) || e.code === 'UNAVAILABLE' || e.code === 'INTERNAL') {
              await sleep(50 + random() * 100);
              continue;
            }
            refused.push(`${name}: ${e.code} ${e.message}`);
            break;
          } finally {
            inFlight--;
          }
        }
        // Paced, so a batch takes a few hundred ms and a kill finds creates under way.
        await sleep(30 + random() * 70);
      }
    };

    const done = () => acknowledged.size + landedUnanswered.size;
    const kills: { afterCreates: number; inFlight: number }[] = [];
    const killer = async () => {
      for (let k = 1; k <= KILLS; k++) {
        // The k-th kill at a random point late in batch k: 1 to 5 of its creates not yet answered.
        const target = k * BATCH - 1 - Math.floor(random() * 5);
        while (done() < target) {
          if (Date.now() > deadline) throw new Error(`only ${done()} of ${target} creates before the deadline`);
          await sleep(5);
        }
        await sleep(Math.floor(random() * 30));
        kills.push({ afterCreates: done(), inFlight });
        await s.kill9();
        // Down for a moment: creates in flight fail and are retried against the restarted server.
        await sleep(Math.floor(random() * 300));
        await s.launch();
        allowance += BATCH;
      }
    };

    await Promise.all([killer(), ...Array.from({ length: WORKERS }, worker)]);
    // eslint-disable-next-line no-console
    console.log(`kills: ${JSON.stringify(kills)}; ${acknowledged.size} acknowledged, ${landedUnanswered.size} landed with the answer lost`);
    expect(refused).toEqual([]);
    expect(kills).toHaveLength(KILLS);
    // The kills hit the apply while it was going on (batch gating makes this certain for the first nine;
    // the last may come just after the last create, while the pods converge), some with creates on the wire.
    expect(kills.slice(0, -1).every((k) => k.afterCreates < SERVICES)).toBe(true);
    expect(kills.reduce((a, k) => a + k.inFlight, 0)).toBeGreaterThan(0);

    // Every acknowledged create exists, and every service exactly once.
    const services = (await s.client.services(ns)).map((x) => x.meta.name).sort();
    expect(services).toEqual(names);
    for (const n of acknowledged) expect(services).toContain(n);

    const live = (pods: Pod[]) => pods.filter((p) => !p.spec.destroy);
    const byService = (pods: Pod[]) => {
      const m = new Map<string, Pod[]>();
      for (const p of live(pods)) m.set(p.meta.service, [...(m.get(p.meta.service) ?? []), p]);
      return m;
    };
    const pods = await waitFor(
      () => s.pods(ns),
      (p) => readyPods(p).length === SERVICES && live(p).length === SERVICES && [...byService(p).values()].every((x) => x.length === 1),
      `${SERVICES} ready pods, one per service`,
      180_000,
    );
    expect([...byService(pods).keys()].sort()).toEqual(names);

    // Exactly one container per pod and none besides: the crashes duplicated nothing.
    await waitFor(async () => s.containers({ 'io.lastbackend.namespace': ns }).length, (n) => n === SERVICES, `exactly ${SERVICES} containers`, 60_000);
    for (const p of pods) expect(s.containers({ 'io.lastbackend.pod': p.meta.name })).toHaveLength(1);
    const ids = s.containers({ 'io.lastbackend.namespace': ns }).sort();
    // And it stays that way: a few more agent passes change nothing.
    await sleep(3000);
    expect(s.containers({ 'io.lastbackend.namespace': ns }).sort()).toEqual(ids);
    const running = docker(['ps', '-q', '--no-trunc', '--filter', `label=io.lastbackend.namespace=${ns}`]).split('\n').filter(Boolean);
    expect(running.sort()).toEqual(ids);
    expect(readyPods(await s.pods(ns))).toHaveLength(SERVICES);
  });
});
