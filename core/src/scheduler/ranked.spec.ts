import type { Node, Pod } from '@lastbackend/sdk';
import { nodeLoads, place, scanPlace, type NodeLoad, type Placement } from './scheduler';
import { seededRandom } from '../util/seeded-random';

// A property test with a fixed seed: on random clusters, the indexed place() chooses what the reference scan
// chooses — the same node, or the same reason — pod after pod, and leaves the same loads behind.

type Rand = () => number;
const pick = <T,>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const GIB = 1024 ** 3;

function randomNode(r: Rand, i: number): Node {
  const state = pick(r, ['ready', 'ready', 'ready', 'ready', 'ready', 'not-ready', 'offline'] as const);
  const labels: Record<string, string> = {};
  if (r() < 0.8) labels.zone = pick(r, ['a', 'b', 'c']);
  if (r() < 0.3) labels.disk = pick(r, ['ssd', 'hdd']);
  if (r() < 0.1) labels.gpu = 'yes';
  return {
    kind: 'Node',
    version: 'v1',
    meta: { name: `n${String(Math.floor(r() * 1000)).padStart(3, '0')}-${i}`, labels, uid: `${i}`, created: '', updated: '', revision: 1 },
    spec: { unschedulable: r() < 0.08 },
    status: {
      state,
      online: state === 'ready' ? r() < 0.97 : state !== 'offline',
      // Equal capacities make ties; some odd ones (none at all, tiny) test the edges.
      capacity: {
        // 4050 and 4000, 8 GiB and a little more: about the same capacity, filed in one class.
        cpu: pick(r, [4000, 4000, 8000, 2000, 0, 500, 3900, 4050]),
        ram: pick(r, [8 * GIB, 8 * GIB, 16 * GIB, 2 * GIB, 0, 8 * GIB + 12345, 8 * GIB + 999_999]),
        pods: pick(r, [110, 110, 5, 2, 0]),
        storage: 0,
      },
      allocated: { cpu: 0, ram: 0, pods: 0 },
      addresses: [],
      os: '',
      arch: '',
      hostname: '',
      version: '',
      drivers: [],
      heartbeat: '',
    },
  };
}

function randomPod(r: Rand, i: number, nodes: Node[], bound: boolean): Pod {
  const selector = (() => {
    const x = r();
    if (x < 0.55) return undefined;
    if (x < 0.6) return { node: r() < 0.8 && nodes.length ? pick(r, nodes).meta.name : 'nowhere' };
    if (x < 0.63) return { labels: {} };
    const labels: Record<string, string> = {};
    if (r() < 0.8) labels.zone = pick(r, ['a', 'b', 'c', 'd']);
    if (r() < 0.3) labels.disk = pick(r, ['ssd', 'hdd']);
    if (r() < 0.1) labels.gpu = 'yes';
    return { labels };
  })();
  return {
    kind: 'Pod',
    version: 'v1',
    meta: {
      name: `p${i}`,
      namespace: pick(r, ['ns', 'ns', 'other']),
      service: `svc${Math.floor(r() * 4)}`,
      deployment: 'v1',
      node: bound && nodes.length ? pick(r, nodes).meta.name : '',
      labels: {},
      uid: `${i}`,
      created: '',
      updated: '',
      revision: 1,
    },
    spec: {
      template: { containers: [], volumes: [], termination: 10 },
      selector,
      destroy: false,
      resources: { cpu: pick(r, [0, 100, 250, 500, 1000, 3000]), ram: pick(r, [0, 64, 128, 512, 2048]) * 1024 ** 2 },
    },
    status: { state: 'pending', running: false, message: '', network: { host_ip: '', pod_ip: '' }, containers: [] },
  };
}

const summary = (loads: Map<string, NodeLoad>) => [...loads.values()].map((l) => [l.node.meta.name, l.cpu, l.ram, l.pods, [...l.services].sort()]);

describe('indexed placement agrees with the reference scan', () => {
  it('on 300 random clusters (seed 18)', () => {
    const r = seededRandom(18);
    let placed = 0;
    let refused = 0;
    for (let c = 0; c < 300; c++) {
      const nodes = Array.from({ length: Math.floor(r() * 40) }, (_, i) => randomNode(r, i));
      const bound = Array.from({ length: Math.floor(r() * 30) }, (_, i) => randomPod(r, 10_000 + i, nodes, true));
      const fast = nodeLoads(nodes, bound);
      const slow = nodeLoads(nodes, bound);
      const pods = Array.from({ length: 10 + Math.floor(r() * 120) }, (_, i) => randomPod(r, i, nodes, false));
      pods.forEach((p, i) => {
        const want: Placement = scanPlace(p, slow);
        const got: Placement = place(p, fast);
        if ('node' in want) placed++;
        else refused++;
        expect({ cluster: c, pod: i, got }).toEqual({ cluster: c, pod: i, got: want });
      });
      expect(summary(fast)).toEqual(summary(slow));
    }
    // Both outcomes were exercised, many times.
    expect(placed).toBeGreaterThan(2000);
    expect(refused).toBeGreaterThan(500);
  });

  it('when a service has more replicas than there are nodes (every node pays the spread penalty)', () => {
    const r = seededRandom(7);
    const nodes = Array.from({ length: 12 }, (_, i) => randomNode(r, i)).map((n) => ({ ...n, spec: { unschedulable: false }, status: { ...n.status, state: 'ready' as const, online: true, capacity: { cpu: 64000, ram: 256 * GIB, pods: 500, storage: 0 } } }));
    const fast = nodeLoads(nodes, []);
    const slow = nodeLoads(nodes, []);
    for (let i = 0; i < 400; i++) {
      const p = randomPod(r, i, nodes, false);
      p.meta.namespace = 'ns';
      p.meta.service = i % 3 ? 'web' : 'db';
      expect(place(p, fast)).toEqual(scanPlace(p, slow));
    }
    expect(summary(fast)).toEqual(summary(slow));
  });

  it('with more distinct selectors than the index keeps orders for, and pods asking for negative resources', () => {
    const r = seededRandom(99);
    const nodes = Array.from({ length: 30 }, (_, i) => randomNode(r, i));
    nodes.forEach((n, i) => (n.meta.labels[`k${i % 50}`] = `v${i % 7}`));
    const fast = nodeLoads(nodes, []);
    const slow = nodeLoads(nodes, []);
    for (let i = 0; i < 600; i++) {
      const p = randomPod(r, i, nodes, false);
      if (r() < 0.5) p.spec.selector = { labels: { [`k${Math.floor(r() * 50)}`]: `v${Math.floor(r() * 7)}` } };
      if (r() < 0.05) p.spec.resources.cpu = -100;
      expect(place(p, fast)).toEqual(scanPlace(p, slow));
    }
    expect(summary(fast)).toEqual(summary(slow));
  });

  it('breaks a tie with a node further down the order by name, as the scan does', () => {
    // b: empty, 10 headroom, one replica of web already: scores 10 - 100 = -90. a: ten times over its
    // capacity (bound pods are counted as they are), no replica: headroom and score -90 too. a wins on its name.
    const r = seededRandom(1);
    const mk = (name: string, cap: number): Node => {
      const n = randomNode(r, 0);
      return { ...n, meta: { ...n.meta, name }, spec: { unschedulable: false }, status: { ...n.status, state: 'ready', online: true, capacity: { cpu: cap, ram: cap, pods: 10, storage: 0 } } };
    };
    const zero = (name: string, o: { node?: string; svc?: string; cpu?: number; ram?: number; selector?: Pod['spec']['selector'] }): Pod => {
      const p = randomPod(r, 0, [], false);
      return { ...p, meta: { ...p.meta, name, namespace: 'ns', service: o.svc ?? 'web', node: o.node ?? '' }, spec: { ...p.spec, selector: o.selector, resources: { cpu: o.cpu ?? 0, ram: o.ram ?? 0 } } };
    };
    const loads = nodeLoads([mk('b', 1000), mk('a', 1000)], [zero('x', { node: 'b' }), zero('y', { node: 'a', svc: 'other', cpu: 10_000, ram: 10_000 })]);
    // The first placements of a map are scans: these, refused, make the next one go through the index.
    for (let i = 0; i < 10; i++) place(zero(`q${i}`, { selector: { node: 'nowhere' } }), loads);
    expect(place(zero('p', {}), loads)).toEqual({ node: 'a' });
  });

  it('bounds a class of about the same capacity by its largest node', () => {
    // a (4050m, 100m used) scores 3.642 for a 1000m pod, b (4000m, 90m used) 3.6375, though b has more headroom.
    const r = seededRandom(2);
    const mk = (name: string, cpu: number): Node => {
      const n = randomNode(r, 0);
      return { ...n, meta: { ...n.meta, name }, spec: { unschedulable: false }, status: { ...n.status, state: 'ready', online: true, capacity: { cpu, ram: 0, pods: 10, storage: 0 } } };
    };
    const pod = (name: string, o: { node?: string; svc?: string; cpu?: number; selector?: Pod['spec']['selector'] }): Pod => {
      const p = randomPod(r, 0, [], false);
      return { ...p, meta: { ...p.meta, name, namespace: 'ns', service: o.svc ?? 'web', node: o.node ?? '' }, spec: { ...p.spec, selector: o.selector, resources: { cpu: o.cpu ?? 0, ram: 0 } } };
    };
    const loads = nodeLoads([mk('b', 4000), mk('a', 4050)], [pod('x', { node: 'a', svc: 'x', cpu: 100 }), pod('y', { node: 'b', svc: 'y', cpu: 90 })]);
    for (let i = 0; i < 10; i++) place(pod(`q${i}`, { selector: { node: 'nowhere' } }), loads);
    expect(place(pod('p', { cpu: 1000 }), loads)).toEqual({ node: 'a' });
  });
});
