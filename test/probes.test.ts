// Readiness and liveness probes and restart policies, on real containers.
import { IMAGE, TestServer, uniq, waitFor } from './harness';

const service = (name: string, container: Record<string, unknown>, replicas = 1) => ({
  kind: 'Service',
  meta: { name },
  spec: { replicas, template: { containers: [{ name: 'main', image: { name: IMAGE }, ...container }] } },
});

describe('probes and restart policies', () => {
  let s: TestServer;
  const ns = uniq('probe');

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(() => s?.cleanup());

  const onlyPod = async (svc: string) => {
    const pods = (await s.client.pods(ns, svc)).filter((p) => !p.spec.destroy);
    if (pods.length !== 1) throw new Error(`expected 1 pod, got ${pods.length}`);
    return pods[0];
  };

  it('a pod is ready only once its readiness probe passes', async () => {
    await s.client.createService(
      ns,
      service('gated', { command: ['httpd', '-f', '-p', '8080', '-h', '/www'], readiness: { exec: { command: ['test', '-f', '/tmp/ready'] }, period: 1 } }),
    );
    const p = await waitFor(() => onlyPod('gated'), (x) => x.status.running && x.status.state === 'not-ready', 'running but not ready');
    expect(p.status.containers[0].ready).toBe(false);
    expect((await s.client.service(ns, 'gated')).status.replicas.ready).toBe(0);
    expect((await s.client.exec(ns, p.meta.name, ['touch', '/tmp/ready'])).exitCode).toBe(0);
    await waitFor(() => onlyPod('gated'), (x) => x.status.state === 'ready', 'ready after the probe passes');
  });

  it('http and tcp readiness probes reach the pod', async () => {
    await s.client.createService(ns, service('http', { command: ['httpd', '-f', '-p', '8080', '-h', '/www'], readiness: { http: { path: '/index.html', port: 8080 }, period: 1 } }));
    await s.client.createService(ns, service('tcp', { command: ['httpd', '-f', '-p', '9090', '-h', '/www'], readiness: { tcp: { port: 9090 }, period: 1 } }));
    await s.client.createService(ns, service('closed', { command: ['httpd', '-f', '-p', '8080', '-h', '/www'], readiness: { tcp: { port: 9999 }, period: 1 } }));
    await waitFor(() => onlyPod('http'), (x) => x.status.state === 'ready', 'http probe ready');
    await waitFor(() => onlyPod('tcp'), (x) => x.status.state === 'ready', 'tcp probe ready');
    const closed = await waitFor(() => onlyPod('closed'), (x) => x.status.running, 'closed running');
    await new Promise((r) => setTimeout(r, 2500));
    expect((await onlyPod('closed')).status.state).toBe('not-ready');
    void closed;
  });

  it('a failing liveness probe restarts the container', async () => {
    await s.client.createService(
      ns,
      service('alive', {
        command: ['sh', '-c', 'touch /tmp/alive; exec httpd -f -p 8080 -h /www'],
        liveness: { exec: { command: ['test', '-f', '/tmp/alive'] }, period: 1, failure_threshold: 2 },
      }),
    );
    const p = await waitFor(() => onlyPod('alive'), (x) => x.status.state === 'ready', 'alive ready');
    const id = p.status.containers[0].id;
    expect((await s.client.exec(ns, p.meta.name, ['rm', '/tmp/alive'])).exitCode).toBe(0);
    const after = await waitFor(() => onlyPod('alive'), (x) => x.status.containers[0].restarts >= 1 && x.status.state === 'ready', 'restarted by liveness');
    expect(after.status.containers[0].id).toBe(id);
  });

  it('on-failure restarts up to its attempts, then reports the error', async () => {
    await s.client.createService(ns, service('crash', { command: ['sh', '-c', 'echo dying; exit 3'], restart: { policy: 'on-failure', attempts: 2 } }));
    const p = await waitFor(() => onlyPod('crash'), (x) => x.status.containers[0]?.restarts === 2 && x.status.containers[0]?.state === 'exited', 'two restarts then stop', 60_000);
    expect(p.status.state).toBe('error');
    expect(p.status.containers[0].exit_code).toBe(3);
    expect(p.status.message).toMatch(/exited with code 3/);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await onlyPod('crash')).status.containers[0].restarts).toBe(2);
  });

  it('never leaves an exited container stopped', async () => {
    await s.client.createService(ns, service('once', { command: ['sh', '-c', 'exit 0'], restart: { policy: 'never' } }));
    await waitFor(() => onlyPod('once'), (x) => x.status.containers[0]?.state === 'exited', 'exited');
    await new Promise((r) => setTimeout(r, 2500));
    expect((await onlyPod('once')).status.containers[0].restarts).toBe(0);
  });
});

describe('multi-container pods', () => {
  let s: TestServer;
  const ns = uniq('pod2');
  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(() => s?.cleanup());

  it('runs every container of a pod in one network namespace', async () => {
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'duo' },
      spec: {
        replicas: 1,
        template: {
          containers: [
            { name: 'web', image: { name: IMAGE }, command: ['httpd', '-f', '-p', '8080', '-h', '/www'] },
            { name: 'probe', image: { name: IMAGE }, command: ['sh', '-c', 'sleep 1; wget -qO- http://127.0.0.1:8080/ && exec sleep 600'] },
          ],
        },
      },
    });
    const [p] = await waitFor(() => s.client.pods(ns, 'duo'), (ps) => ps[0]?.status.state === 'ready', 'pod ready');
    expect(p.status.containers.map((c) => c.name)).toEqual(['web', 'probe']);
    expect(s.containers({ 'io.lastbackend.pod': p.meta.name })).toHaveLength(2);
    const ex = await s.client.exec(ns, p.meta.name, ['wget', '-qO-', 'http://127.0.0.1:8080/'], 'probe');
    expect(ex.stdout).toBe('hello from lb-test\n');
    await waitFor(() => s.lb(['logs', 'duo', '-n', ns]), (r) => r.stdout.includes('[' + p.meta.name + '/probe] hello from lb-test'), 'sidecar log line');
  });
});
