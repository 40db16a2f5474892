// Namespace quotas on a real `lb server` over HTTP: every limit (cpu, ram, storage, pods, services,
// volumes) refuses an apply, create, scale or update that would pass it, as a whole (a GET afterwards
// finds nothing of it); a blue/green update needs room for both versions; parallel creates cannot
// together pass a limit; `lb get namespace` shows used/limit; the server config's default quota applies
// to namespaces written without one. Only the blue/green case runs containers (it needs an active
// version): every other service is pinned to a node that does not exist, so its pods never start.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbError, type Namespace } from '@lastbackend/sdk';
import { IMAGE, TEST_DEFAULTS, TestServer, lb, uniq, waitFor } from './harness';

const DEFAULT_QUOTA = { limits: { services: 20, pods: 40 }, defaults: { cpu: '100m', ram: '64mib' } };

/** A service whose pods never start (its selector names no node), each container asking for `req`. */
const idle = (name: string, replicas: number, req: { cpu?: string; ram?: string } | null = { cpu: '100m', ram: '64mib' }, containers = 1) => ({
  kind: 'Service',
  meta: { name },
  spec: {
    replicas,
    selector: { node: 'nowhere' },
    template: {
      containers: Array.from({ length: containers }, (_, i) => ({
        name: `c${i}`,
        image: { name: IMAGE },
        command: ['sleep', '3600'],
        ...(req ? { resources: { requests: req } } : {}),
      })),
    },
  },
});
const volume = (name: string, storage?: string) => ({ kind: 'Volume', meta: { name }, spec: storage ? { capacity: { storage } } : {} });

describe('namespace quotas', () => {
  let s: TestServer;
  let tmp = '';
  const made: string[] = [];

  beforeAll(async () => {
    // The test defaults plus a default quota for namespaces written without one.
    tmp = mkdtempSync(join(tmpdir(), 'lb-quota-'));
    writeFileSync(join(tmp, 'config.json'), JSON.stringify({ ...TEST_DEFAULTS, quota: { default: DEFAULT_QUOTA } }));
    s = await TestServer.start({ config: join(tmp, 'config.json') });
  }, 120_000);
  afterAll(async () => {
    for (const ns of made) await s?.client.deleteNamespace(ns).catch(() => undefined);
    await s?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** A namespace with the given spec.resources (or none: then the server's default quota). */
  async function namespace(prefix: string, resources?: unknown): Promise<string> {
    const ns = uniq(prefix);
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns }, ...(resources ? { spec: { resources } } : {}) });
    made.push(ns);
    return ns;
  }

  /** The error a call is refused with (fails the test when it succeeds). */
  async function refusal(p: Promise<unknown>): Promise<LbError> {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    if (!(e instanceof LbError)) throw new Error(`expected a refusal, got ${String(e)}`);
    return e;
  }

  const used = async (ns: string) => (await s.client.namespace(ns)).status.resources?.used;

  it('cpu and ram: an apply over either is refused as a whole, naming what is over and by how much', async () => {
    const ns = await namespace('q-cpu', { limits: { cpu: '1', ram: '1gib' } });
    await s.client.apply(ns, [idle('base', 2, { cpu: '250m', ram: '256mib' })]);
    const cpu = await refusal(s.client.apply(ns, [{ kind: 'Config', meta: { name: 'cfg' }, spec: { data: { a: 'b' } } }, idle('hot', 3, { cpu: '250m', ram: '64mib' })]));
    expect(cpu.status).toBe(412);
    expect(cpu.message).toContain(`namespace "${ns}" quota: cpu 750m requested + 500m used > limit 1 (over by 250m)`);
    const ram = await refusal(s.client.apply(ns, [idle('fat', 3, { cpu: '100m', ram: '256mib' })]));
    expect(ram.message).toContain(`namespace "${ns}" quota: ram 768MiB requested + 512MiB used > limit 1GiB (over by 256MiB)`);
    // nothing of either apply was stored
    expect((await s.client.services(ns)).map((x) => x.meta.name)).toEqual(['base']);
    expect(await refusal(s.client.get('config', ns, 'cfg'))).toMatchObject({ status: 404 });
    expect(await used(ns)).toEqual({ cpu: 500, ram: 512 * 1024 ** 2, storage: 0, pods: 2, services: 1, volumes: 0 });
    // what fits exactly is taken
    await s.client.apply(ns, [idle('fits', 2, { cpu: '250m', ram: '256mib' })]);
    expect((await used(ns))?.cpu).toBe(1000);
  });

  it('pods, services, volumes and storage: each refuses what passes it, and nothing is stored', async () => {
    const ns = await namespace('q-count', { limits: { pods: 4, services: 2, volumes: 2, storage: '1gib' }, defaults: { cpu: '100m', ram: '64mib' } });
    expect((await refusal(s.client.apply(ns, [idle('many', 5)]))).message).toContain('pods 5 requested + 0 used > limit 4 (over by 1)');
    await s.client.apply(ns, [idle('a', 1), idle('b', 1)]);
    expect((await refusal(s.client.createService(ns, idle('c', 1)))).message).toContain('services 1 requested + 2 used > limit 2 (over by 1)');
    await s.client.apply(ns, [volume('v1', '512mib')]);
    expect((await refusal(s.client.apply(ns, [volume('v2', '768mib')]))).message).toContain('storage 768MiB requested + 512MiB used > limit 1GiB (over by 256MiB)');
    expect((await refusal(s.client.apply(ns, [volume('v2')]))).message).toContain('volume "v2" declares no size');
    await s.client.apply(ns, [volume('v2', '256mib')]);
    const over = await refusal(s.client.apply(ns, [volume('v3', '1mib')]));
    expect(over.message).toContain('volumes 1 requested + 2 used > limit 2 (over by 1)');
    const volumes = await s.client.list('volume', ns);
    expect(volumes.map((v) => v.meta.name).sort()).toEqual(['v1', 'v2']);
    expect((await s.client.services(ns)).map((x) => x.meta.name).sort()).toEqual(['a', 'b']);
    expect(await used(ns)).toEqual({ cpu: 200, ram: 128 * 1024 ** 2, storage: 768 * 1024 ** 2, pods: 2, services: 2, volumes: 2 });
  });

  it('a container without requests counts with the default; without a default it is refused with the reason', async () => {
    const ns = await namespace('q-def', { limits: { ram: '1gib' } });
    const e = await refusal(s.client.apply(ns, [idle('bare', 1, null)]));
    expect(e.message).toContain('container "c0" of service "bare" requests no ram and the namespace sets no default');
    expect(await s.client.services(ns)).toEqual([]);
    await s.client.request('PUT', `/namespace/${ns}`, { kind: 'Namespace', meta: { name: ns }, spec: { resources: { limits: { ram: '1gib' }, defaults: { ram: '128mib' } } } });
    await s.client.apply(ns, [idle('bare', 2, null, 2)]);
    expect((await used(ns))?.ram).toBe(4 * 128 * 1024 ** 2);
  });

  it('scale and update over the quota are refused, and the service stays as it was', async () => {
    const ns = await namespace('q-scale', { limits: { pods: 3, ram: '1gib' } });
    await s.client.createService(ns, idle('web', 2));
    const e = await refusal(s.client.scale(ns, 'web', 4));
    expect(e.message).toContain('pods 2 requested + 2 used > limit 3 (over by 1)');
    expect((await s.client.service(ns, 'web')).spec.replicas).toBe(2);
    const cli = await lb(['scale', 'web', '5', '-n', ns], s.env);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('pods 3 requested + 2 used > limit 3 (over by 2)');
    await s.client.scale(ns, 'web', 3);
    expect((await s.client.service(ns, 'web')).spec.replicas).toBe(3);
    // lowering a limit below what runs is taken; the namespace may then shrink, not grow
    await s.client.request('PUT', `/namespace/${ns}`, { kind: 'Namespace', meta: { name: ns }, spec: { resources: { limits: { pods: 1, ram: '1gib' } } } });
    expect((await refusal(s.client.createService(ns, idle('more', 1)))).message).toContain('pods 1 requested + 3 used > limit 1 (over by 3)');
    await s.client.scale(ns, 'web', 2);
    expect((await used(ns))?.pods).toBe(2);
  });

  it('parallel creates cannot together pass a limit: of 10 that each fit alone, exactly the limit succeed', async () => {
    const ns = await namespace('q-race', { limits: { services: 3, pods: 100 }, defaults: { cpu: '10m', ram: '1mib' } });
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => s.client.apply(ns, [idle(`s${i}`, 1)])));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected' && (r.reason as LbError).status === 412).length;
    expect([ok, refused]).toEqual([3, 7]);
    expect(await s.client.services(ns)).toHaveLength(3);
    // the same with scales: each alone fits, together they do not
    const ns2 = await namespace('q-race2', { limits: { pods: 12 }, defaults: { cpu: '10m', ram: '1mib' } });
    await s.client.apply(ns2, Array.from({ length: 5 }, (_, i) => idle(`s${i}`, 1)));
    const scaled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => s.client.scale(ns2, `s${i}`, 3)));
    expect(scaled.filter((r) => r.status === 'fulfilled')).toHaveLength(3); // 5 + 3×2 = 11 ≤ 12; a 4th would be 13
    expect((await used(ns2))?.pods).toBe(11);
  });

  it('a blue/green update needs room for both versions: one that cannot fit both is refused with the reason', async () => {
    const ns = await namespace('q-bg', { limits: { ram: '320mib' } });
    const web = (ram: string, env: string) => ({
      kind: 'Service',
      meta: { name: 'web' },
      spec: {
        replicas: 1,
        template: { containers: [{ name: 'c', image: { name: IMAGE }, command: ['sleep', '3600'], env: [{ name: 'V', value: env }], resources: { requests: { ram } } }] },
      },
    });
    await s.client.apply(ns, [web('128mib', '1')]);
    await waitFor(() => s.client.service(ns, 'web'), (x) => x.status.deployment === 'v1', 'v1 active', 60_000);
    // v2 at 256mib beside v1's 128mib is 384mib: over
    const e = await refusal(s.client.apply(ns, [web('256mib', '2')]));
    expect(e.message).toContain(`namespace "${ns}" quota: ram 256MiB requested + 128MiB used > limit 320MiB (over by 64MiB)`);
    expect(e.message).toContain('service "web" rolls out a new version blue/green');
    expect((await s.client.service(ns, 'web')).spec.template.containers[0].env).toEqual([{ name: 'V', value: '1' }]);
    // v2 at 192mib fits beside v1, and while it rolls out both count
    await s.client.apply(ns, [web('192mib', '2')]);
    expect((await used(ns))?.ram).toBe(320 * 1024 ** 2);
    await waitFor(() => s.client.service(ns, 'web'), (x) => x.status.deployment === 'v2', 'v2 active', 60_000);
    expect((await used(ns))?.ram).toBe(192 * 1024 ** 2);
  });

  it('lb get namespace shows used/limit for each dimension', async () => {
    const ns = await namespace('q-get', { limits: { cpu: '2', ram: '1gib', storage: '10gib', pods: 10, services: 5, volumes: 3 } });
    await s.client.apply(ns, [idle('a', 2, { cpu: '500m', ram: '256mib' }), volume('data', '1gib')]);
    const r = await lb(['get', 'namespace', ns], s.env);
    expect(r.code).toBe(0);
    const [head, row] = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(head).toEqual(['NAME', 'STATE', 'POLICY', 'CPU', 'RAM', 'STORAGE', 'PODS', 'SERVICES', 'VOLUMES', 'AGE']);
    expect(row.slice(0, 9)).toEqual([ns, 'ready', 'baseline', '1/2', '512MiB/1GiB', '1GiB/10GiB', '2/10', '1/5', '1/3']);
  });

  it("the server's default quota applies to namespaces written without spec.resources, the default namespace included", async () => {
    const ns = await namespace('q-dflt');
    const n: Namespace = await s.client.namespace(ns);
    expect(n.spec.resources).toEqual(DEFAULT_QUOTA);
    expect((await s.client.namespace('default')).spec.resources).toEqual(DEFAULT_QUOTA);
    const open = await namespace('q-open', {});
    expect((await s.client.namespace(open)).spec.resources).toEqual({});
  });
});
