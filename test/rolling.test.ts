// A rolling update on one real server with Docker: 6 replicas with max_unavailable 1 (and no surge) are
// replaced a pod at a time. The service's pods, sampled all along, never have fewer than 5 ready; a bounded
// loop of requests through the service's VIP (nftables CPI in a table and service range of this file's own)
// sees no failure (an old pod leaves the endpoint before it stops); the new version serves at the end and the old one's pods are gone. Then a version that
// cannot start is rolled back automatically, the same way it is for blue-green, still never under 5 ready.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '@lastbackend/sdk';
import { TEST_DEFAULTS, TestServer, emptyRegistry, readyPods, uniq, waitFor, webService, withLogs } from './harness';

const TABLE = `lbrolling${randomBytes(3).toString('hex')}`;
const STRATEGY = { type: 'rolling', max_surge: 0, max_unavailable: 1, auto_rollback: true };

/** One GET on a fresh connection; resolves with the status code or rejects with why it failed. */
const request = (ip: string): Promise<number> =>
  new Promise((ok, fail) => {
    const req = get({ host: ip, port: 80, path: '/', agent: false, timeout: 3000 }, (res) => {
      res.resume().on('end', () => ok(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out'))).on('error', fail);
  });

describe('rolling update', () => {
  let s: TestServer;
  let dir = '';
  let registry: Server | undefined;
  const ns = uniq('rolling');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-rolling-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        ...TEST_DEFAULTS,
        drivers: { ...TEST_DEFAULTS.drivers, cpi: { package: '@lastbackend/driver-nftables', config: { table: TABLE } } },
        network: { ...TEST_DEFAULTS.network, service_cidr: '10.241.0.0/16' },
      }),
    );
    s = await TestServer.start({ config, dataDir: join(dir, 'data') });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });

  afterAll(async () => {
    await s?.client.deleteNamespace(ns).catch(() => undefined);
    await s?.cleanup();
    registry?.close();
    try {
      execFileSync('nft', ['delete', 'table', 'ip', TABLE], { stdio: 'ignore' });
    } catch {
      // not created, or already gone
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const manifest = (version: string, image?: string) => {
    const m = webService('web', 6, { env: { VERSION: version } });
    if (image) m.spec.template.containers[0].image = { name: image };
    return { ...m, spec: { ...m.spec, strategy: STRATEGY } };
  };

  /**
   * Runs `change` while a bounded request loop goes through the VIP and the service's pods are sampled
   * (one list after another); resolves with the failures, the fewest ready pods seen and the samples taken.
   */
  async function underLoad(ip: string, change: () => Promise<void>): Promise<{ failures: string[]; fewest: number; samples: number; sent: number }> {
    const failures: string[] = [];
    let sent = 0;
    let samples = 0;
    let fewest = Infinity;
    let stop = false;
    const loop = (async () => {
      while (!stop && sent < 5000) {
        sent++;
        await request(ip).then(
          (code) => void (code !== 200 && failures.push(`HTTP ${code}`)),
          (e: Error) => void failures.push(e.message),
        );
      }
    })();
    const sampler = (async () => {
      while (!stop && samples < 5000) {
        samples++;
        fewest = Math.min(fewest, readyPods(await s.pods(ns, 'web')).length);
      }
    })();
    try {
      await change();
    } finally {
      stop = true;
      await Promise.all([loop, sampler]);
    }
    return { failures, fewest, samples, sent };
  }

  it('replaces 6 replicas a pod at a time with max_unavailable 1: never fewer than 5 ready, no failed request through the VIP', () => withLogs([s], async () => {
    await s.client.apply(ns, [manifest('1')]);
    await waitFor(() => s.client.service(ns, 'web'), (v) => v.status.state === 'ready' && v.status.replicas.ready === 6, 'v1 ready', 120_000);
    const first = await s.client.service(ns, 'web');
    expect(first.spec.strategy).toEqual(STRATEGY);
    const ip = first.status.network.ip!;
    expect(ip).toMatch(/^10\.241\./);
    await waitFor(() => request(ip).catch(() => 0), (code) => code === 200, `VIP ${ip} answering`, 30_000);

    let done: Service | undefined;
    const r = await underLoad(ip, async () => {
      await s.client.apply(ns, [manifest('2')]);
      done = await waitFor(
        () => s.client.service(ns, 'web'),
        (v) => v.status.generation === 2 && v.status.deployment === 'v2' && v.status.state === 'ready',
        'v2 rolled out',
        180_000,
      );
      // The old version's pods are gone (not merely stopping) once the last sample is taken.
      await waitFor(() => s.pods(ns, 'web'), (p) => p.length === 6 && p.every((x) => x.meta.deployment === 'v2'), 'v1 pods gone', 60_000);
    });
    expect(done?.status.rollout).toMatchObject({ version: 2, state: 'complete' });
    expect(r.samples).toBeGreaterThan(10);
    expect(r.fewest).toBeGreaterThanOrEqual(5);
    expect(r.sent).toBeGreaterThan(20);
    expect(r.failures).toEqual([]);
    // Every pod that serves now runs v2's template.
    const pods = await s.pods(ns, 'web');
    expect(readyPods(pods).map((p) => p.spec.template.containers[0].env)).toEqual(Array(6).fill([{ name: 'VERSION', value: '2' }]));
  }), 400_000);

  it('rolls a version that cannot start back automatically, never under 5 ready, with no failed request', () => withLogs([s], async () => {
    const ip = (await s.client.service(ns, 'web')).status.network.ip!;
    // A registry on loopback that answers: the image does not exist there.
    registry = await emptyRegistry();
    const image = `127.0.0.1:${(registry.address() as AddressInfo).port}/lb-test/none:latest`;
    let back: Service | undefined;
    const r = await underLoad(ip, async () => {
      await s.client.apply(ns, [manifest('3', image)]);
      back = await waitFor(() => s.client.service(ns, 'web'), (v) => v.status.rollout?.state === 'rolled-back' && v.status.state === 'ready', 'v3 rolled back', 180_000);
      await waitFor(() => s.pods(ns, 'web'), (p) => p.length === 6 && p.every((x) => x.meta.deployment === 'v2'), 'v3 pods gone', 60_000);
    });
    expect(back?.status.rollout?.message).toMatch(/^v3 failed, rolled back to v2: /);
    expect(back?.status.deployment).toBe('v2');
    expect(r.fewest).toBeGreaterThanOrEqual(5);
    expect(r.failures).toEqual([]);
  }), 400_000);
  it('rolls back by hand (lb rollback) the same way: pod by pod, never under 5 ready, no failed request', () => withLogs([s], async () => {
    const ip = (await s.client.service(ns, 'web')).status.network.ip!;
    let back: Service | undefined;
    const r = await underLoad(ip, async () => {
      const out = await s.lb(['rollback', 'web', '--to', '1', '-n', ns]);
      expect(out.code).toBe(0);
      back = await waitFor(
        () => s.client.service(ns, 'web'),
        (v) => !['v1', 'v2', 'v3'].includes(v.status.deployment ?? 'v1') && v.status.state === 'ready',
        "v1's template rolled out again",
        180_000,
      );
      const serving = back.status.deployment;
      await waitFor(() => s.pods(ns, 'web'), (p) => p.length === 6 && p.every((x) => x.meta.deployment === serving), 'v2 pods gone', 60_000);
    });
    expect(back?.status.rollout?.state).toBe('complete');
    expect(r.fewest).toBeGreaterThanOrEqual(5);
    expect(r.failures).toEqual([]);
    const pods = await s.pods(ns, 'web');
    expect(readyPods(pods).map((p) => p.spec.template.containers[0].env)).toEqual(Array(6).fill([{ name: 'VERSION', value: '1' }]));
  }), 400_000);
});
