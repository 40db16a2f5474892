// CRI swap on a running platform, docker → containerd, on a host of the overlay: the pod created before
// the swap keeps running on Docker (same container, never restarted) while new pods run on containerd;
// both serve over the overlay; once the old pods are gone the retired Docker runtime is disposed.
// containerd and a registry are private to this test (drivers/containerd/test/environment.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseOrThrow, type ContainerRuntime, type DriverInstances, type Pod } from '@lastbackend/sdk';
import { packageDriverInfo } from '@lastbackend/sdk/testing';
import containerd from '../drivers/containerd/src/index';
import { startEnvironment, type TestEnvironment } from '../drivers/containerd/test/environment';
import { docker, readyPods, uniq, waitFor, webService, type TestAgent, type TestServer } from './harness';
import { startOverlayCluster, type OverlayCluster } from './overlay-cluster';

/** The parts of a container's OCI spec the test reads. */
interface OciSpec {
  process: { noNewPrivileges?: boolean; capabilities: { bounding: string[] } };
  linux: { resources: { pids?: { limit: number } }; seccomp?: { defaultAction: string; syscalls: { names: string[] }[] } };
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('CRI swap docker → containerd with workloads running', () => {
  let env: TestEnvironment;
  let cluster: OverlayCluster | undefined;
  let s: TestServer;
  let agent: TestAgent;
  let ctd: DriverInstances;
  const stateDir = mkdtempSync(join(tmpdir(), 'lb-ctd-swap-'));
  const ns = uniq('ctdswap');
  let ctdConfig: { address: string; namespace: string };

  beforeAll(async () => {
    env = await startEnvironment();
    ctdConfig = { address: env.socket, namespace: env.namespace };
    // The test's own view of containerd; it also pulls the image, because the agent runs in a network
    // namespace of its own where the registry on this host's loopback is out of reach.
    ctd = await containerd.create({ config: parseOrThrow(containerd.configSchema!, ctdConfig, 'containerd config'), logger: quiet, stateDir, node: 'test', info: packageDriverInfo(dirname(require.resolve('@lastbackend/driver-containerd/package.json'))) });
    await ctd.cii!.pull(env.image);
    cluster = await startOverlayCluster({ hosts: 1, prefix: 'ctd', server: { network: { cluster_cidr: '10.230.0.0/16', node_prefix: 24, service_cidr: '10.231.0.0/16' } } });
    s = cluster.server;
    agent = cluster.agents[0];
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });

  afterAll(async () => {
    await s?.client.deleteNamespace(ns).catch(() => undefined);
    if (s) await waitFor(() => s.pods(ns).catch(() => [] as Pod[]), (p) => p.length === 0, 'pods gone', 60_000).catch(() => undefined);
    await cluster?.cleanup();
    for (const d of new Set(Object.values(ctd ?? {}))) await d.dispose();
    await env?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const web = () => {
    const m = webService('web', 1);
    m.spec.template.containers[0].image = { name: env.image };
    return m;
  };
  const onContainerd = async () => (ctd.cri as ContainerRuntime).list({ labels: { 'io.lastbackend.node': agent.node, 'io.lastbackend.namespace': ns } });

  it('keeps the old pod on Docker and runs new pods on containerd; both serve', async () => {
    await s.client.apply(ns, [web()]);
    const [first] = readyPods(await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 1, 'web ready on docker', 90_000));
    const [dockerId] = agent.containers({ 'io.lastbackend.namespace': ns });
    const startedAt = docker(['inspect', '-f', '{{.State.StartedAt}}', dockerId]);

    // Runtime and images swap together, in one command.
    const set = await s.lb(['driver', 'set', 'cri,cii', '@lastbackend/driver-containerd', '--config', JSON.stringify(ctdConfig), '--node', agent.node]);
    expect(set.stderr).toBe('');
    expect(set.stdout).toMatch(/^cri driver is @lastbackend\/driver-containerd@\S+ \(ready\)\ncii driver is @lastbackend\/driver-containerd@\S+ \(ready\)\n$/);
    const ls = await s.lb(['driver', 'ls', '--node', agent.node]);
    expect(ls.stdout).toMatch(/cri\s+@lastbackend\/driver-containerd\s+\S+\s+in-process\s+ready/);
    expect(ls.stdout).toMatch(/cri\s+@lastbackend\/driver-docker\s+\S+\s+in-process\s+retired\s+runs 1 container\(s\) of pods created before the swap/);

    await s.client.scale(ns, 'web', 3);
    const pods = readyPods(await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 3, 'web scaled to 3', 120_000));
    // The first pod never moved or restarted; the two new ones run on containerd.
    expect(agent.containers({ 'io.lastbackend.namespace': ns })).toEqual([dockerId]);
    expect(docker(['inspect', '-f', '{{.State.StartedAt}}', dockerId])).toBe(startedAt);
    const moved = await onContainerd();
    expect(moved.map((c) => c.labels['io.lastbackend.pod']).sort()).toEqual(pods.filter((p) => p.meta.name !== first.meta.name).map((p) => p.meta.name).sort());
    expect(moved.every((c) => c.state === 'running')).toBe(true);
    // A plain container on containerd starts with the platform's defaults too: its OCI spec, and the kernel's view.
    const info = JSON.parse(execFileSync('ctr', ['--address', env.socket, '-n', env.namespace, 'containers', 'info', moved[0].id], { encoding: 'utf8' })) as { Spec: OciSpec };
    expect(info.Spec.process.noNewPrivileges).toBe(true);
    expect(info.Spec.process.capabilities.bounding).not.toContain('CAP_NET_RAW');
    expect(info.Spec.linux.resources.pids).toEqual({ limit: 4096 });
    expect(info.Spec.linux.seccomp).toMatchObject({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: expect.arrayContaining([expect.objectContaining({ names: expect.arrayContaining(['mount', 'unshare', 'ptrace']) })]) });
    const proc = await s.client.exec(ns, moved[0].labels['io.lastbackend.pod'], ['grep', '-E', '^(NoNewPrivs|Seccomp):', '/proc/self/status']);
    expect(proc.stdout).toMatch(/^NoNewPrivs:\s+1\nSeccomp:\s+2\n$/);
    // Every pod serves every other over the overlay: docker → containerd, containerd → docker and → containerd.
    for (const [i, p] of pods.entries()) {
      const from = pods[(i + 1) % pods.length];
      const r = await s.client.exec(ns, from.meta.name, ['wget', '-q', '-O', '-', `http://${p.status.network.pod_ip}:8080/`]);
      const where = (x: Pod) => `${x.meta.name}${x.meta.name === first.meta.name ? ' (docker)' : ' (containerd)'}`;
      expect(`${where(from)} → ${where(p)}: ${r.stdout}${r.stderr}`).toBe(`${where(from)} → ${where(p)}: hello from lb-test\n`);
    }
  });

  it('disposes the retired Docker runtime once its last pod is gone', async () => {
    await s.client.deleteService(ns, 'web');
    await waitFor(() => s.pods(ns), (p) => p.length === 0, 'pods gone', 60_000);
    expect(agent.containers({ 'io.lastbackend.namespace': ns })).toEqual([]);
    await waitFor(onContainerd, (c) => c.length === 0, 'containerd containers removed', 30_000);
    await waitFor(() => s.client.drivers(agent.node), (ds) => !ds.some((d) => d.state === 'retired'), 'retired docker runtime disposed', 40_000);
  });
});
