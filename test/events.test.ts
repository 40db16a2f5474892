// Events on one node, end to end: a real `lb server` with its local agent on Docker. The sequences a
// user reads with `lb events` and at the end of `lb inspect`: a normal deploy, a pull that fails, a pod
// no node fits (the scheduler's reason per node), a driver swap; and who may read which events.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LbEvent } from '@lastbackend/sdk';
import { IMAGE, LB, TestServer, readyPods, uniq, waitFor, webService } from './harness';

async function all(gen: AsyncGenerator<LbEvent>): Promise<LbEvent[]> {
  const out: LbEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}

const brief = (es: LbEvent[]) => es.map((e) => `${e.object.kind}/${e.object.name} ${e.reason} (${e.component}) ${e.message}`).join('\n');

describe('events', () => {
  let s: TestServer;
  let dir: string;
  const ns = uniq('ev');
  const other = uniq('ev-other');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-events-'));
    s = await TestServer.start();
    for (const n of [ns, other]) await s.client.createNamespace({ kind: 'Namespace', meta: { name: n } });
  });
  afterAll(async () => {
    await s?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const events = (forRef?: string, namespace = ns) => all(s.client.events({ namespace, ...(forRef ? { for: forRef } : {}) }));
  const until = (forRef: string, ok: (es: LbEvent[]) => boolean, what: string, namespace = ns) => waitFor(() => events(forRef, namespace), ok, what, 60_000);

  it('a normal deploy: NewVersion, then per pod Scheduled → Created → Started → Ready, then ActiveVersion; lb events and lb inspect show them', async () => {
    // Followed from before the deploy: the stream shows them as they are written.
    const ctl = new AbortController();
    const followed: LbEvent[] = [];
    const following = (async () => {
      for await (const e of s.client.events({ namespace: ns, for: 'service/web', follow: true, signal: ctl.signal })) followed.push(e);
    })().catch(() => undefined);

    await s.client.createService(ns, webService('web', 2));
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 2, '2 ready pods');
    const pods = (await s.pods(ns, 'web')).map((p) => p.meta.name);
    const es = await until('service/web', (x) => x.some((e) => e.reason === 'ActiveVersion') && x.filter((e) => e.reason === 'Ready').length === 2, 'ActiveVersion and 2 Ready');
    for (const pod of pods) {
      const mine = es.filter((e) => e.object.kind === 'Pod' && e.object.name === pod);
      // In order of last_seen (each happened once).
      expect(mine.map((e) => e.reason)).toEqual(['Scheduled', 'Created', 'Started', 'Ready']);
      expect(mine.map((e) => e.component)).toEqual(['scheduler', `agent/${s.node}`, `agent/${s.node}`, `agent/${s.node}`]);
      expect(mine[0].message).toBe(`assigned ${ns}/${pod} to node ${s.node}`);
      expect(mine.every((e) => e.type === 'normal' && e.count === 1 && e.object.service === 'web')).toBe(true);
    }
    const version = es.filter((e) => e.object.kind === 'Service');
    expect(version.map((e) => `${e.reason}: ${e.message}`)).toEqual(['NewVersion: created v1 (2 replicas)', 'ActiveVersion: v1 serves now']);
    // One pod's events only.
    expect((await events(`pod/${pods[0]}`)).map((e) => e.reason)).toEqual(['Scheduled', 'Created', 'Started', 'Ready']);

    await waitFor(async () => followed.length, (n) => n >= es.length, 'the follower to see them');
    ctl.abort();
    await following;
    expect(new Set(followed.map((e) => e.meta.name))).toEqual(new Set(es.map((e) => e.meta.name)));

    const cli = await s.lb(['events', '-n', ns, '--for', 'service/web']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+COUNT\s+FROM\s+MESSAGE$/m);
    expect(cli.stdout).toMatch(new RegExp(`normal\\s+Scheduled\\s+pod/${pods[0]}\\s+1\\s+scheduler\\s+assigned`));
    // lb events -f: what is there, then what comes, until interrupted.
    const follower = spawn(process.execPath, [LB, 'events', '-n', ns, '-f', '-o', 'json'], { env: { ...process.env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => follower.once('exit', (code) => r(code)));
    await waitFor(async () => out.split('\n').filter(Boolean).length, (n) => n >= es.length, 'lb events -f to print them');
    await s.client.scale(ns, 'web', 3);
    await waitFor(async () => out, (o) => o.includes('"reason":"ScaledVersion"'), 'lb events -f to print the scale');
    follower.kill('SIGINT');
    expect(await exited).toBe(0);
    expect((JSON.parse(out.split('\n').find((l) => l.includes('ScaledVersion'))!) as LbEvent).message).toBe('scaled v1 from 2 to 3');

    const inspect = await s.lb(['inspect', 'service', 'web', '-n', ns]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/^kind: Service$/m);
    expect(inspect.stdout).toMatch(/# events:\n#   LAST SEEN\s+TYPE/);
    expect(inspect.stdout).toMatch(/#   \S+\s+normal\s+ActiveVersion\s+service\/web\s+1\s+controller\s+v1 serves now$/m);
  });

  it('a pull that fails: a warning naming the pull error, repeated as a count, and the pod says why', async () => {
    const image = '127.0.0.1:1/lb-test/none:latest'; // nothing listens there: no registry can answer
    await s.client.createService(ns, { kind: 'Service', meta: { name: 'nopull' }, spec: { template: { containers: [{ name: 'c', image: { name: image, policy: 'if-not-present' } }] } } });
    const es = await until('service/nopull', (x) => x.some((e) => e.reason === 'PullFailed'), 'PullFailed');
    const failed = es.find((e) => e.reason === 'PullFailed')!;
    expect(failed.type).toBe('warning');
    expect(failed.component).toBe(`agent/${s.node}`);
    expect(failed.message).toMatch(new RegExp(`^pull ${image.replace(/[.]/g, '\\.')}: .+`));
    expect(es.map((e) => e.reason)).toEqual(expect.arrayContaining(['Scheduled', 'Pulling', 'PullFailed']));
    expect(es.some((e) => e.reason === 'Pulled' || e.reason === 'Started')).toBe(false);
    // It keeps failing: the same event counts up instead of piling up.
    const again = await until('service/nopull', (x) => (x.find((e) => e.reason === 'PullFailed')?.count ?? 0) >= 2, 'a second PullFailed', ns);
    expect(again.filter((e) => e.reason === 'PullFailed')).toHaveLength(1);
    // And an image that is not here with policy never says so at once.
    await s.client.createService(ns, { kind: 'Service', meta: { name: 'never' }, spec: { template: { containers: [{ name: 'c', image: { name: 'lb-test/absent:1', policy: 'never' } }] } } });
    const never = await until('service/never', (x) => x.some((e) => e.reason === 'PullFailed'), 'PullFailed (never)');
    expect(never.find((e) => e.reason === 'PullFailed')!.message).toBe('image lb-test/absent:1 is not present and its policy is "never"');
    expect(never.some((e) => e.reason === 'Pulling')).toBe(false);
    const [p] = await s.pods(ns, 'nopull');
    expect(p.status).toMatchObject({ state: 'error', message: expect.stringContaining(`pull ${image}: `) });
  });

  it('a pod no node fits: FailedScheduling with the reason of each node', async () => {
    const container = { name: 'c', image: { name: IMAGE }, command: ['sleep', '3600'] };
    await s.client.createService(ns, { kind: 'Service', meta: { name: 'picky' }, spec: { selector: { labels: { disk: 'ssd' } }, template: { containers: [container] } } });
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'huge' },
      spec: { template: { containers: [{ ...container, resources: { requests: { ram: '64tib' } } }] } },
    });
    const picky = await until('service/picky', (x) => x.some((e) => e.reason === 'FailedScheduling'), 'FailedScheduling (selector)');
    const f = picky.find((e) => e.reason === 'FailedScheduling')!;
    expect(f).toMatchObject({ type: 'warning', component: 'scheduler', object: { kind: 'Pod', service: 'picky' } });
    expect(f.message).toBe(`no node fits: node ${s.node} lacks label disk=ssd`);
    const huge = await until('service/huge', (x) => x.some((e) => e.reason === 'FailedScheduling'), 'FailedScheduling (resources)');
    expect(huge.find((e) => e.reason === 'FailedScheduling')!.message).toMatch(new RegExp(`^no node fits: node ${s.node} has \\d+MiB ram free, needs 67108864MiB$`));
    expect(brief(picky)).not.toMatch(/Scheduled \(/);
  });

  it('a driver swap: DriverSwapped on the node, from its kernel, among the cluster events', async () => {
    const r = await s.lb(['driver', 'set', 'csi', '@lastbackend/driver-hostdir', '--config', JSON.stringify({ root: join(dir, 'volumes') })]);
    expect(r.code).toBe(0);
    const es = await waitFor(() => all(s.client.events({ for: `node/${s.node}` })), (x) => x.some((e) => e.reason === 'DriverSwapped'), 'DriverSwapped');
    const swapped = es.find((e) => e.reason === 'DriverSwapped')!;
    expect(swapped).toMatchObject({ type: 'normal', component: `kernel/${s.node}`, object: { kind: 'Node', name: s.node } });
    expect(swapped.message).toMatch(/^csi driver swapped from @lastbackend\/driver-hostdir@\S+ to @lastbackend\/driver-hostdir@\S+$/);
    // A swap that cannot load says so too.
    expect((await s.lb(['driver', 'set', 'csi', '@lastbackend/driver-nope'])).code).not.toBe(0);
    await waitFor(() => all(s.client.events()), (x) => x.some((e) => e.reason === 'DriverFailed' && /csi driver @lastbackend\/driver-nope: /.test(e.message)), 'DriverFailed');
    const cli = await s.lb(['events', '--cluster']);
    expect(cli.stdout).toMatch(new RegExp(`normal\\s+DriverSwapped\\s+node/${s.node}\\s+1\\s+kernel/${s.node}\\s+csi driver swapped`));
  });

  it("a token of one namespace reads that namespace's events only; the cluster's hold no namespace's", async () => {
    await s.client.createService(other, { kind: 'Service', meta: { name: 'secretive' }, spec: { selector: { node: 'nowhere' }, template: { containers: [{ name: 'c', image: { name: IMAGE } }] } } });
    await until('service/secretive', (x) => x.some((e) => e.reason === 'FailedScheduling'), 'FailedScheduling in the other namespace', other);
    const viewer = (await s.client.createToken({ role: 'viewer', namespaces: [ns] })).token;
    const get = (path: string) => s.fetch(path, { headers: { authorization: `Bearer ${viewer}` } });
    expect((await get(`/namespace/${ns}/event`)).status).toBe(200);
    const refused = await get(`/namespace/${other}/event`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/lacks "namespace.read" on namespace/);
    const cluster = (await (await get('/event')).text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as LbEvent);
    expect(cluster.length).toBeGreaterThan(0);
    expect(cluster.filter((e) => e.object.kind !== 'Node' || e.meta.namespace !== undefined)).toEqual([]);
    expect(JSON.stringify(cluster)).not.toContain(other);
    // Following is scoped the same way.
    expect((await get(`/namespace/${other}/event?follow=true`)).status).toBe(403);
  });
});
