// The metric families' logic: the allocation-free histogram and counter as Prometheus formats them,
// driver calls timed at the kernel's seam, the cluster gauges from a snapshot, and what the server and
// an agent expose.
import { Registry } from 'prom-client';
import type { Node, Pod } from '@lastbackend/sdk';
import { setClusterGauges } from './cluster-gauges';
import { FastCounter, FastHistogram } from './fast';
import { measured } from './measured-driver';
import { agentExposition, driverCalls, nodeAllocated, nodeCapacity, podsByPhase, serverExposition } from './metrics';

describe('FastHistogram and FastCounter', () => {
  it('count into cumulative buckets per label values and format as Prometheus text', async () => {
    const reg = new Registry();
    const h = new FastHistogram('t_duration_seconds', 'test', ['op'], [0.1, 1], reg);
    const c = new FastCounter('t_things_total', 'test things', [], reg);
    h.labels('get').observe(0.05);
    h.labels('get').observe(0.5);
    h.labels('get').observe(5);
    h.labels('put').observe(0.2);
    c.labels().inc();
    c.labels().inc(2);
    expect(h.labels('get')).toBe(h.labels('get'));
    const text = await reg.metrics();
    expect(text).toContain('# TYPE t_duration_seconds histogram');
    expect(text).toContain('t_duration_seconds_bucket{op="get",le="0.1"} 1');
    expect(text).toContain('t_duration_seconds_bucket{op="get",le="1"} 2');
    expect(text).toContain('t_duration_seconds_bucket{op="get",le="+Inf"} 3');
    expect(text).toContain('t_duration_seconds_sum{op="get"} 5.55');
    expect(text).toContain('t_duration_seconds_count{op="get"} 3');
    expect(text).toContain('t_duration_seconds_bucket{op="put",le="0.1"} 0');
    expect(text).toContain('t_duration_seconds_count{op="put"} 1');
    expect(text).toContain('# TYPE t_things_total counter');
    expect(text).toMatch(/^t_things_total 3$/m);
  });

  it('keeps label combinations apart, whatever their order of arrival', () => {
    const reg = new Registry();
    const h = new FastHistogram('t3', 'three labels', ['a', 'b', 'c'], [1], reg);
    h.labels('x', 'y', 'z').observe(1);
    h.labels('x', 'z', 'y').observe(1);
    h.labels('x', 'y', 'z').observe(1);
    expect(h.labels('x', 'y', 'z').count).toBe(2);
    expect(h.labels('x', 'z', 'y').count).toBe(1);
  });
});

describe('driver calls, timed where the kernel hands a driver out', () => {
  const count = (kind: string, method: string, outcome: string) => driverCalls.labels(kind, method, outcome).count;

  it('counts each method by outcome, keeps `this`, and wraps an instance once', async () => {
    class Fake {
      #secret = 7;
      async ok(): Promise<number> {
        return this.#secret;
      }
      async fails(): Promise<void> {
        throw new Error('boom');
      }
      sync(): string {
        return 'now';
      }
      throws(): void {
        throw new Error('sync boom');
      }
      readonly field = 3;
    }
    const raw = new Fake();
    const d = measured('unit-test', raw);
    expect(measured('unit-test', raw)).toBe(d);
    const before = { ok: count('unit-test', 'ok', 'ok'), fails: count('unit-test', 'fails', 'error'), sync: count('unit-test', 'sync', 'ok'), throws: count('unit-test', 'throws', 'error') };
    await expect(d.ok()).resolves.toBe(7);
    await expect(d.fails()).rejects.toThrow('boom');
    expect(d.sync()).toBe('now');
    expect(() => d.throws()).toThrow('sync boom');
    expect(d.field).toBe(3);
    await new Promise((r) => setImmediate(r));
    expect(count('unit-test', 'ok', 'ok') - before.ok).toBe(1);
    expect(count('unit-test', 'fails', 'error') - before.fails).toBe(1);
    expect(count('unit-test', 'sync', 'ok') - before.sync).toBe(1);
    expect(count('unit-test', 'throws', 'error') - before.throws).toBe(1);
  });
});

describe('cluster gauges', () => {
  const node = (name: string, cpu: number): Node => ({ meta: { name }, status: { capacity: { cpu, ram: 1024, pods: 10 } } }) as unknown as Node;
  const pod = (nodeName: string, state: string, cpu: number, destroy = false): Pod =>
    ({ meta: { namespace: 'ns', service: 'web', node: nodeName }, spec: { destroy, resources: { cpu, ram: 100 } }, status: { state } }) as unknown as Pod;

  it('count pods by phase (every phase present) and each node capacity and allocation; a node gone is dropped', async () => {
    setClusterGauges({ nodes: [node('a', 2000), node('b', 1000)], pods: [pod('a', 'ready', 100), pod('a', 'ready', 200), pod('b', 'pending', 50), pod('', 'pending', 10)] });
    type Read = { get(): Promise<{ values: { labels: object; value: number }[] }> };
    const value = async (g: Read, labels: Record<string, string>) =>
      (await g.get()).values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))?.value;
    expect(await value(podsByPhase, { phase: 'ready' })).toBe(2);
    expect(await value(podsByPhase, { phase: 'pending' })).toBe(2);
    expect(await value(podsByPhase, { phase: 'error' })).toBe(0);
    expect(await value(nodeCapacity, { node: 'a', resource: 'cpu_millicores' })).toBe(2000);
    expect(await value(nodeAllocated, { node: 'a', resource: 'cpu_millicores' })).toBe(300);
    expect(await value(nodeAllocated, { node: 'a', resource: 'pods' })).toBe(2);
    expect(await value(nodeAllocated, { node: 'b', resource: 'memory_bytes' })).toBe(100);
    setClusterGauges({ nodes: [node('a', 2000)], pods: [] });
    expect(await value(nodeCapacity, { node: 'b', resource: 'pods' })).toBeUndefined();
    expect(await value(podsByPhase, { phase: 'ready' })).toBe(0);
  });
});

describe('exposition', () => {
  const SERVER = ['lb_http_request_duration_seconds', 'lb_deploy_duration_seconds', 'lb_pods', 'lb_scheduler_placements_total', 'lb_scheduler_placement_duration_seconds', 'lb_reconcile_duration_seconds', 'lb_reconcile_queue_depth', 'lb_store_operation_duration_seconds', 'lb_node_capacity', 'lb_node_allocated'];
  const AGENT = ['lb_driver_call_duration_seconds', 'lb_driver_up', 'lb_container_restarts_total', 'lb_agent_pods', 'lb_container_cpu_seconds_total', 'lb_container_memory_bytes'];

  it("the server's families (with its local agent's when it runs one), an agent's own", async () => {
    const families = (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const embedded = families(await serverExposition(true));
    const controlPlane = families(await serverExposition(false));
    const agent = families(await agentExposition());
    for (const f of [...SERVER, ...AGENT]) expect(embedded).toContain(f);
    for (const f of SERVER) expect(controlPlane).toContain(f);
    for (const f of AGENT) expect(controlPlane).not.toContain(f);
    expect([...agent].sort()).toEqual([...AGENT].sort());
  });
});
