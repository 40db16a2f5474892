// lb top, end to end: a real `lb server` with its local agent on Docker. A pod that holds memory shows it
// in the API and in `lb top pods`; `lb top nodes` lists the node with its capacity; the agent's metrics
// carry the container's CPU seconds and memory; a token of another namespace cannot read the pod's stats.
import type { NodeUsage, PodUsage } from '@lastbackend/sdk';
import { IMAGE, TestServer, uniq, waitFor } from './harness';

const MiB = 2 ** 20;

describe('lb top', () => {
  let s: TestServer;
  const ns = uniq('top');
  const other = uniq('top-other');
  let pod = '';

  beforeAll(async () => {
    s = await TestServer.start();
    for (const n of [ns, other]) await s.client.createNamespace({ kind: 'Namespace', meta: { name: n } });
    // 24 MiB in /dev/shm (tmpfs: charged to the container's memory), then a little work every 200 ms.
    const script = 'dd if=/dev/zero of=/dev/shm/fill bs=1048576 count=24 2>/dev/null; while true; do cat /proc/self/stat >/dev/null; sleep 0.2; done';
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'mem' },
      spec: { replicas: 1, template: { containers: [{ name: 'hog', image: { name: IMAGE }, command: ['sh', '-c', script] }] } },
    });
    const pods = await waitFor(() => s.pods(ns, 'mem'), (ps) => ps.some((p) => p.status.running), 'a running pod');
    pod = pods.find((p) => p.status.running)!.meta.name;
  }, 120_000);
  afterAll(async () => {
    await s?.cleanup();
  });

  it("a pod's memory and CPU, from the API: one pod, the namespace's, a service's", async () => {
    const one = await waitFor(() => s.client.podStats(ns, pod), (u) => (u.memory ?? 0) > 20 * MiB, 'the pod to hold its 24 MiB');
    expect(one).toMatchObject({ namespace: ns, name: pod, service: 'mem', node: s.node });
    expect(one.containers.map((c) => c.name)).toEqual(['hog']);
    expect(one.cpu).toBeGreaterThan(0);
    expect(one.window).toBeGreaterThan(0);
    expect(one.containers[0].cpu_seconds).toBeGreaterThan(0);
    const list = await s.client.namespaceStats(ns);
    expect(list.map((u) => u.name)).toEqual([pod]);
    expect(list[0].memory).toBeGreaterThan(20 * MiB);
    expect(await s.client.namespaceStats(ns, 'mem')).toHaveLength(1);
    await expect(s.client.namespaceStats(ns, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(s.client.podStats(ns, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lb top pods: a table, per container, and json', async () => {
    const t = await s.lb(['top', 'pods', '-n', ns]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^NAME\s+SERVICE\s+NODE\s+CPU\s+MEMORY$/m);
    const row = new RegExp(`^${pod}\\s+mem\\s+${s.node}\\s+\\d+m\\s+(\\d+(\\.\\d)?)MiB$`, 'm').exec(t.stdout);
    expect(row).not.toBeNull();
    expect(Number(row![1])).toBeGreaterThan(20);
    const cs = await s.lb(['top', 'pods', '-n', ns, '--service', 'mem', '--containers']);
    expect(cs.stdout).toMatch(new RegExp(`^${pod}\\s+hog\\s+\\d+m\\s+\\d+(\\.\\d)?MiB\\s+\\d+%$`, 'm'));
    const json = JSON.parse((await s.lb(['top', 'pods', '-n', ns, '-o', 'json'])).stdout) as PodUsage[];
    expect(json.map((u) => [u.name, (u.memory ?? 0) > 20 * MiB])).toEqual([[pod, true]]);
    const empty = await s.lb(['top', 'pods', '-n', other]);
    expect([empty.code, empty.stdout, empty.stderr]).toEqual([0, '', `No pods found in namespace ${other}.\n`]);
    const typo = await s.lb(['top', 'nodez']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/did you mean "nodes?"\?/);
  });

  it('lb top nodes: the node, what its containers use, its capacity and what its pods request', async () => {
    const nodes = await s.client.nodeStats();
    const me = nodes.find((n) => n.name === s.node)!;
    expect(me).toMatchObject({ state: 'ready', pods: { used: 1, allocated: 1 } });
    expect(me.cpu.capacity).toBeGreaterThan(0);
    expect(me.memory.capacity).toBeGreaterThan(me.memory.used!);
    expect(me.memory.used).toBeGreaterThan(20 * MiB);
    const t = await s.lb(['top', 'nodes']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^NAME\s+STATE\s+CPU\s+CPU%\s+MEMORY\s+MEMORY%\s+CPU REQUESTED\s+MEMORY REQUESTED\s+PODS$/m);
    expect(t.stdout).toMatch(new RegExp(`^${s.node}\\s+ready\\s+\\d+m\\s+\\d+%\\s+\\d+(\\.\\d)?MiB\\s+\\d+%\\s+\\S+/\\S+\\s+\\S+/\\S+\\s+1/\\d+$`, 'm'));
    const yaml = await s.lb(['top', 'nodes', '-o', 'yaml']);
    expect(yaml.stdout).toContain(`name: ${s.node}`);
    const json = JSON.parse((await s.lb(['top', 'nodes', '-o', 'json'])).stdout) as NodeUsage[];
    expect(json.find((n) => n.name === s.node)?.pods.capacity).toBe(me.pods.capacity);
  });

  it("the agent's metrics: CPU seconds and memory per container", async () => {
    const text = await (await s.fetch('/metrics', { headers: { authorization: `Bearer ${s.token}` } })).text();
    const labels = `namespace="${ns}",pod="${pod}",container="hog"`;
    const mem = new RegExp(`^lb_container_memory_bytes\\{${labels}\\} (\\d+)$`, 'm').exec(text);
    expect(Number(mem?.[1])).toBeGreaterThan(20 * MiB);
    expect(text).toMatch(new RegExp(`^lb_container_cpu_seconds_total\\{${labels}\\} [0-9.e-]+$`, 'm'));
  });

  it("a token of another namespace cannot read the pod's stats; one of its namespace can", async () => {
    const as = async (namespaces: string[], path: string) => {
      const token = (await s.client.createToken({ role: 'viewer', namespaces })).token;
      return s.fetch(path, { headers: { authorization: `Bearer ${token}` } });
    };
    const refused = await as([other], `/namespace/${ns}/pod/${pod}/stats`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/lacks "namespace.read" on namespace/);
    expect((await as([other], `/namespace/${ns}/stats`)).status).toBe(403);
    const mine = await as([ns], `/namespace/${ns}/pod/${pod}/stats`);
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as PodUsage).name).toBe(pod);
  });
});
