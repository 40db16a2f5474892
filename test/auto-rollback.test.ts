// Rollouts that report, end to end: one `lb server` with its local agent on Docker. A service's new version
// that crash-loops, and one whose image cannot be pulled, roll back by themselves (`spec.strategy.auto_rollback`)
// while the serving version's pods keep running untouched; a pull from a local registry shows its bytes in the
// pod's container status, as a watch sees it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { wire, type LbEvent, type Pod, type Service } from '@lastbackend/sdk';
import { IMAGE, TestServer, docker, emptyRegistry, freePort, readyPods, uniq, waitFor, webService, withLogs } from './harness';

/** Docker commands that take seconds run without blocking the event loop (the client's idle connections live on). */
const run = promisify(execFile);

async function all(gen: AsyncGenerator<LbEvent>): Promise<LbEvent[]> {
  const out: LbEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}

describe('auto rollback', () => {
  let s: TestServer;
  let dir: string;
  let registry: ChildProcess | undefined;
  const ns = uniq('rb');
  const tag = randomBytes(3).toString('hex');
  const images: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-rollback-'));
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(async () => {
    await s?.cleanup();
    registry?.kill('SIGTERM');
    for (const i of images) {
      try {
        docker(['rmi', '-f', i]);
      } catch {
        // not there (any more)
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const svc = () => s.client.service(ns, 'web') as Promise<Service>;
  const v1Pods = async () => (await s.pods(ns, 'web')).filter((p) => p.meta.deployment === 'v1');
  /** The pods of v1 and their containers, which must stay the same throughout. */
  const identity = (ps: Pod[]) => ps.map((p) => `${p.meta.name}/${p.status.containers[0]?.id}`).sort();

  /** Waits for the rollout of `version` to reach `state`, checking on every look that v1 still serves with the same pods. */
  async function untilRollout(version: number, state: string, serving: string[]): Promise<Service> {
    return waitFor(
      async () => {
        const [x, pods] = await Promise.all([svc(), v1Pods()]);
        expect(x.status.deployment).toBe('v1');
        expect(identity(readyPods(pods))).toEqual(serving);
        return x;
      },
      (x) => x.status.rollout?.version === version && x.status.rollout.state === state,
      `the rollout of v${version} to be ${state}`,
      90_000,
    );
  }

  it('a crash-looping version, then one whose image cannot be pulled, roll back to v1 by themselves; v1 serves throughout', () => withLogs([s], async () => {
    await s.client.createService(ns, webService('web', 2));
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 2, '2 ready pods of v1');
    const ready = await waitFor(svc, (x) => x.status.deployment === 'v1' && x.status.rollout?.state === 'complete', 'v1 serving, its rollout complete');
    expect(ready.status.rollout).toMatchObject({ version: 1, message: 'v1 serves' });
    const serving = identity(await v1Pods());

    // A bad deadline is refused over HTTP, naming the field, and stores nothing.
    const bad = await s.client.updateService(ns, 'web', { spec: { strategy: { auto_rollback: true, deadline: '2d' } } }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'INVALID_ARGUMENT', details: { fields: [{ field: 'spec.strategy.deadline', reason: expect.stringMatching(/^must be a duration/) }] } });
    expect((await svc()).spec.strategy).toBeUndefined();

    const crashing = webService('web', 2).spec.template;
    crashing.containers[0].command = ['sh', '-c', 'echo starting; exit 3'];
    await s.client.updateService(ns, 'web', { spec: { strategy: { auto_rollback: true, deadline: '60s' }, template: crashing } });
    const back = await untilRollout(2, 'rolled-back', serving);
    expect(back.status.rollout!.message).toMatch(/^v2 failed, rolled back to v1: pod web-[0-9a-f]{10}: container web is crash-looping: it exited( with code 3)? and was restarted \d+ times$/);
    expect(back.spec.strategy).toEqual({ auto_rollback: true, deadline: '60s' });
    expect(back.spec.template.containers[0].command).toEqual(['httpd', '-f', '-p', '8080', '-h', '/www']);
    // The failed version's pods go; v1's stay.
    await waitFor(() => s.pods(ns, 'web'), (p) => p.every((x) => x.meta.deployment === 'v1'), 'the pods of v2 to go', 60_000);
    expect(identity(readyPods(await v1Pods()))).toEqual(serving);
    // Events are written in batches after the pass's commit: wait for this one.
    const es = await waitFor(() => all(s.client.events({ namespace: ns, for: 'service/web' })), (l) => l.some((e) => e.reason === 'RolledBack'), 'the RolledBack event', 10_000);
    const rolledBack = es.find((e) => e.reason === 'RolledBack');
    expect(rolledBack).toMatchObject({ type: 'warning', component: 'controller', message: back.status.rollout!.message });
    expect(es.filter((e) => e.reason === 'BackOff').length).toBeGreaterThan(0);

    // A registry that answers: the image does not exist there (one that does not answer might come back).
    const empty = await emptyRegistry();
    const at = `127.0.0.1:${(empty.address() as AddressInfo).port}`;
    const unpullable = webService('web', 2).spec.template;
    unpullable.containers[0].image = { name: `${at}/lb-test/none:latest` };
    await s.client.updateService(ns, 'web', { spec: { template: unpullable } });
    const back2 = await untilRollout(3, 'rolled-back', serving).finally(() => new Promise((r) => empty.close(r)));
    expect(back2.status.rollout!.message).toMatch(new RegExp(`^v3 failed, rolled back to v1: pod web-[0-9a-f]{10}: cannot pull image ${at.replace(/[.]/g, '\\.')}/lb-test/none:latest for container web: pull .*manifest unknown`));
    await waitFor(() => s.pods(ns, 'web'), (p) => p.every((x) => x.meta.deployment === 'v1'), 'the pods of v3 to go', 60_000);
    expect(identity(readyPods(await v1Pods()))).toEqual(serving);
    expect((await s.client.deployments(ns, 'web')).map((d) => [d.meta.name, d.status.state])).toEqual([
      ['v1', 'active'],
      ['v2', 'superseded'],
      ['v3', 'superseded'],
    ]);
  }));

  it('a pull from a registry shows its bytes in the pod status, as a watch sees it, and the rollout completes', () => withLogs([s], async () => {
    // A registry on this host, and an image with a layer big enough that its pull takes more than a report's second.
    const port = await freePort();
    writeFileSync(join(dir, 'registry.yml'), ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'registry')}`, 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'));
    registry = spawn('docker-registry', ['serve', join(dir, 'registry.yml')], { stdio: 'ignore' });
    await waitFor(() => fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.ok, () => false), (ok) => ok, 'the registry', 15_000);
    const ctx = join(dir, 'image');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'blob'), randomBytes(128 * 1024 * 1024));
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${IMAGE}\nCOPY blob /blob\n`);
    const local = `lb-test/rollout-pull:${tag}`;
    const remote = `127.0.0.1:${port}/lb-test/rollout-pull:${tag}`;
    images.push(local, remote);
    await run('docker', ['build', '-q', '-t', local, ctx]);
    await run('docker', ['tag', local, remote]);
    await run('docker', ['push', remote], { timeout: 120_000 });
    // Gone from the engine, so the agent pulls it (the base layer it shares with IMAGE stays).
    await run('docker', ['rmi', local, remote]);

    const ctl = new AbortController();
    const seen: Pod[] = [];
    const watching = (async () => {
      for await (const ev of s.client.watch(`/namespace/${ns}/pod`, wire.decodePod, { signal: ctl.signal })) if (ev.object) seen.push(ev.object);
    })().catch(() => undefined);
    try {
      const template = webService('web', 2).spec.template;
      template.containers[0].image = { name: remote };
      const next = (await svc()).status.generation + 1;
      await s.client.updateService(ns, 'web', { spec: { template } });
      const done = await waitFor(svc, (x) => x.status.rollout?.version === next && x.status.rollout.state === 'complete', `v${next} to roll out`, 120_000);
      expect(done.status.deployment).toBe(`v${next}`);
    } finally {
      ctl.abort();
      await watching;
    }
    const pulls = seen.flatMap((p) => p.status.containers).filter((c) => c.pull);
    expect(pulls.length).toBeGreaterThan(0);
    for (const c of pulls) {
      expect(c.state).toBe('pulling');
      expect(c.pull!.total).toBeGreaterThanOrEqual(128 * 1024 * 1024);
      expect(c.pull!.current).toBeLessThanOrEqual(c.pull!.total);
      expect(c.message).toMatch(new RegExp(`^pulling ${remote.replace(/[.]/g, '\\.')}: \\d+\\.\\d [kMG]B of \\d+\\.\\d MB \\(\\d+%\\)$`));
    }
  }));
});
