import type { Node, Pod } from '@lastbackend/sdk';
import { fits, nodeLoads, place, unfit } from './scheduler';

const node = (name: string, o: { labels?: Record<string, string>; cpu?: number; ram?: number; state?: Node['status']['state'] } = {}): Node => ({
  kind: 'Node',
  version: 'v1',
  meta: { name, labels: o.labels ?? {}, uid: name, created: '', updated: '', revision: 1 },
  spec: { unschedulable: false },
  status: {
    state: o.state ?? 'ready',
    online: (o.state ?? 'ready') !== 'offline',
    capacity: { cpu: o.cpu ?? 4000, ram: o.ram ?? 8 * 1024 ** 3, pods: 110, storage: 0 },
    allocated: { cpu: 0, ram: 0, pods: 0 },
    addresses: [],
    os: '',
    arch: '',
    hostname: '',
    version: '',
    drivers: [],
    heartbeat: new Date().toISOString(),
  },
});

const pod = (name: string, o: { svc?: string; node?: string; cpu?: number; ram?: number; selector?: Pod['spec']['selector'] } = {}): Pod => ({
  kind: 'Pod',
  version: 'v1',
  meta: { name, namespace: 'ns', service: o.svc ?? 'web', deployment: 'v1', node: o.node ?? '', labels: {}, uid: name, created: '', updated: '', revision: 1 },
  spec: { template: { containers: [], volumes: [], termination: 10 }, selector: o.selector, destroy: false, resources: { cpu: o.cpu ?? 0, ram: o.ram ?? 0 } },
  status: { state: 'pending', running: false, message: '', network: { host_ip: '', pod_ip: '' }, containers: [] },
});

describe('scheduler', () => {
  it('spreads the replicas of one service across nodes', () => {
    const loads = nodeLoads([node('a'), node('b'), node('c')], []);
    const placed = ['p1', 'p2', 'p3'].map((n) => place(pod(n), loads));
    expect(placed.map((p) => ('node' in p ? p.node : '')).sort()).toEqual(['a', 'b', 'c']);
  });

  it('prefers the least allocated node', () => {
    const loads = nodeLoads([node('a'), node('b')], [pod('x', { svc: 'other', node: 'a', cpu: 3000, ram: 6 * 1024 ** 3 })]);
    expect(place(pod('p'), loads)).toEqual({ node: 'b' });
  });

  it('places the same with the other services\' pods given as per-node sums (base) as with the pods themselves', () => {
    const nodes = ['a', 'b', 'c', 'd'].map((n, i) => node(n, { cpu: 4000 + i * 500 }));
    const others = Array.from({ length: 40 }, (_, i) => pod(`o${i}`, { svc: `s${i % 7}`, node: 'abcd'[i % 3], cpu: 10 + i, ram: 1024 * i }));
    const mine = [pod('w0', { node: 'b', cpu: 20 }), pod('w1', { node: 'b', cpu: 20 })];
    const base = new Map<string, { cpu: number; ram: number; pods: number }>();
    for (const o of others) {
      const t = base.get(o.meta.node) ?? { cpu: 0, ram: 0, pods: 0 };
      base.set(o.meta.node, { cpu: t.cpu + o.spec.resources.cpu, ram: t.ram + o.spec.resources.ram, pods: t.pods + 1 });
    }
    const full = nodeLoads(nodes, [...others, ...mine]);
    const summed = nodeLoads(nodes, mine, base);
    const order = (l: typeof full) => Array.from({ length: 20 }, (_, i) => place(pod(`n${i}`, { cpu: 20 }), l));
    expect(order(summed)).toEqual(order(full));
  });

  it('honours node selector and labels', () => {
    const loads = nodeLoads([node('a', { labels: { zone: 'x' } }), node('b', { labels: { zone: 'y' } })], []);
    expect(place(pod('p', { selector: { labels: { zone: 'y' } } }), loads)).toEqual({ node: 'b' });
    expect(place(pod('q', { selector: { node: 'a' } }), loads)).toEqual({ node: 'a' });
  });

  it('explains why a pod cannot be placed', () => {
    const loads = nodeLoads([node('a', { cpu: 1000 }), node('b', { state: 'offline' }), node('c', { labels: {} })], []);
    const r = place(pod('p', { cpu: 2000, selector: { labels: { gpu: 'yes' } } }), loads);
    expect(r).toEqual({ reason: expect.stringContaining('unschedulable') });
    const reason = 'reason' in r ? r.reason : '';
    expect(reason).toContain('node b is offline');
    expect(reason).toContain('node a lacks label gpu=yes');
    expect(place(pod('p', { cpu: 2000 }), nodeLoads([node('a', { cpu: 1000 })], []))).toEqual({ reason: expect.stringContaining('cpu free, needs 2000m') });
  });

  it('counts resources of pods placed in the same pass', () => {
    const loads = nodeLoads([node('a', { ram: 1024 ** 3 })], []);
    expect(place(pod('p1', { ram: 700 * 1024 ** 2 }), loads)).toEqual({ node: 'a' });
    expect('reason' in place(pod('p2', { ram: 700 * 1024 ** 2 }), loads)).toBe(true);
  });

  it('says so when there are no nodes', () => {
    expect(place(pod('p'), new Map())).toEqual({ reason: 'unschedulable: no nodes in the cluster' });
  });

  it('the fast check agrees with the explained one on every combination', () => {
    const nodes = [node('a'), node('b', { labels: { zone: 'x' } }), node('c', { state: 'offline' }), node('d', { cpu: 500, ram: 256 * 1024 ** 2 })];
    const pods = [pod('p'), pod('q', { cpu: 1000 }), pod('r', { ram: 512 * 1024 ** 2 }), pod('s', { selector: { labels: { zone: 'x' } } }), pod('t', { selector: { node: 'a' } })];
    const loads = nodeLoads(nodes, [pod('busy', { node: 'a', cpu: 3500 })]);
    for (const l of loads.values()) for (const p of pods) expect({ node: l.node.meta.name, pod: p.meta.name, fits: fits(l, p) }).toEqual({ node: l.node.meta.name, pod: p.meta.name, fits: !unfit(l, p) });
  });
});
