// kill -9 and restarts: nothing accepted is lost, no container is duplicated or restarted needlessly.
import { TestServer, docker, readyPods, uniq, waitFor, webService } from './harness';

const startedAt = (id: string) => docker(['inspect', '--format', '{{.State.StartedAt}}', id]);

describe('crash safety', () => {
  let s: TestServer;
  const ns = uniq('crash');

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(() => s?.cleanup());

  it('converges after kill -9 during a scale, with no duplicates and no restarts', async () => {
    await s.client.createService(ns, webService('web', 2));
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 2, '2 ready pods');
    const before = new Map(s.containers({ 'io.lastbackend.namespace': ns }).map((id) => [id, startedAt(id)]));
    expect(before.size).toBe(2);

    // The scale is accepted (2xx = durable), then the server dies mid-work.
    await s.client.scale(ns, 'web', 6);
    await new Promise((r) => setTimeout(r, 150));
    await s.kill9();
    const midway = s.containers({ 'io.lastbackend.namespace': ns }).length;

    await s.launch();
    const pods = await waitFor(() => s.pods(ns, 'web'), (p) => p.length === 6 && readyPods(p).length === 6, '6 ready pods after restart');
    expect((await s.client.service(ns, 'web')).spec.replicas).toBe(6);

    // One container per pod, none extra.
    await waitFor(async () => s.containers({ 'io.lastbackend.namespace': ns }).length, (n) => n === 6, 'exactly 6 containers');
    for (const p of pods) expect(s.containers({ 'io.lastbackend.pod': p.meta.name })).toHaveLength(1);
    // The containers that ran before keep running with the same ids, never restarted.
    for (const [id, t] of before) {
      expect(docker(['inspect', '--format', '{{.State.Running}}', id])).toBe('true');
      expect(startedAt(id)).toBe(t);
    }
    expect(midway).toBeLessThanOrEqual(6);
  });

  it('re-adopts running containers after a clean restart, restarting none', async () => {
    const ids = s.containers({ 'io.lastbackend.namespace': ns });
    const times = new Map(ids.map((id) => [id, startedAt(id)]));
    await s.stop();
    // Containers outlive the server.
    for (const id of ids) expect(docker(['inspect', '--format', '{{.State.Running}}', id])).toBe('true');
    await s.launch();
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 6, 'ready again');
    // Let a few agent passes run before checking nothing was touched.
    await new Promise((r) => setTimeout(r, 3000));
    expect(s.containers({ 'io.lastbackend.namespace': ns }).sort()).toEqual([...ids].sort());
    for (const [id, t] of times) expect(startedAt(id)).toBe(t);
    const pods = await s.pods(ns, 'web');
    expect(pods.every((p) => p.status.containers.every((c) => c.restarts === 0))).toBe(true);
  });

  it('removes containers whose pod was deleted while the server was down', async () => {
    // A container the platform does not know (e.g. left by a crash between create and record).
    const id = docker(['run', '-d', '--label', `io.lastbackend.node=${s.node}`, '--label', `io.lastbackend.namespace=${ns}`, '--label', 'io.lastbackend.pod=ghost', 'lb-test/busybox:latest', 'sleep', '600']);
    await waitFor(async () => s.containers({ 'io.lastbackend.pod': 'ghost' }).length, (n) => n === 0, 'orphan removed', 30_000);
    expect(() => docker(['inspect', id])).toThrow();
  });
});
