import type { Node, Pod, Volume } from '@lastbackend/sdk';
import { drainReport, evictedToStop, pinnedReason, podsToEvict } from './drain';

const pod = (name: string, o: { node?: string; state?: Pod['status']['state']; destroy?: boolean; evict?: string; volume?: string; selectorNode?: string; task?: boolean; message?: string; created?: string } = {}): Pod => ({
  kind: 'Pod',
  version: 'v1',
  meta: { name, namespace: 'ns', service: o.task ? '' : 'web', deployment: o.task ? '' : 'v1', node: o.node ?? 'n1', created: o.created ?? '2026-01-01T00:00:00Z', updated: '', labels: {}, description: '', ...(o.task ? { task: 't', job: 'j' } : {}) } as Pod['meta'],
  spec: {
    template: { containers: [], volumes: o.volume ? [{ name: 'd', volume: { name: o.volume } }] : [], termination: 0 } as unknown as Pod['spec']['template'],
    ...(o.selectorNode ? { selector: { node: o.selectorNode, labels: {} } } : {}),
    destroy: !!o.destroy,
    ...(o.evict ? { evict: o.evict } : {}),
    resources: { cpu: 0, ram: 0 },
  },
  status: { state: o.state ?? 'ready', running: true, message: o.message ?? '', network: { host_ip: '', pod_ip: '' }, containers: [] },
});
const vol = (name: string, node: string) => ({ meta: { name, namespace: 'ns' }, status: { node } }) as unknown as Volume;
const node = { meta: { name: 'n1' }, spec: { unschedulable: true } } as unknown as Node;

describe('drain', () => {
  const volumes = new Map([['ns/data', vol('data', 'n1')], ['ns/elsewhere', vol('elsewhere', 'n2')]]);

  it('pins a pod whose volume lives on the node or whose selector names it', () => {
    expect(pinnedReason('n1', pod('a', { volume: 'data' }), volumes)).toBe('volume "data" is pinned to node n1');
    expect(pinnedReason('n1', pod('a', { selectorNode: 'n1' }), volumes)).toBe('its selector names node n1');
    expect(pinnedReason('n1', pod('a', { volume: 'elsewhere' }), volumes)).toBeUndefined();
  });

  it("evicts a service's pods of the node, once: not tasks', pinned, stopping or other nodes' pods", () => {
    const ps = [pod('a'), pod('b', { evict: 'node n1 is draining' }), pod('c', { destroy: true }), pod('d', { task: true }), pod('e', { volume: 'data' }), pod('f', { node: 'n2' })];
    expect(podsToEvict('n1', ps, volumes).map((p) => p.meta.name)).toEqual(['a']);
  });

  it('reports each pod still on the node and what holds it; done when none is left', () => {
    const ps = [
      pod('a', { evict: 'x' }),
      pod('b', { destroy: true }),
      pod('c', { task: true }),
      pod('d', { volume: 'data' }),
      pod('repl', { node: '', state: 'pending', message: 'unschedulable: node n1 is cordoned; node n2 is full (1/1 pods)' }),
    ];
    const r = drainReport(node, ps, volumes);
    expect(r.done).toBe(false);
    expect(r.pods.map((p) => [p.name, p.state, p.permanent, p.reason])).toEqual([
      ['a', 'blocked', false, 'no other node fits: node n1 is cordoned; node n2 is full (1/1 pods)'],
      ['b', 'stopping', false, 'replaced; its containers are being stopped'],
      ['c', 'waiting', false, "a task's pod: left to finish on this node"],
      ['d', 'blocked', true, 'volume "data" is pinned to node n1'],
    ]);
    expect(drainReport(node, [pod('a', { evict: 'x' })], volumes).pods[0]).toMatchObject({ state: 'moving', reason: 'its replacement is starting elsewhere' });
    expect(drainReport(node, [pod('x', { node: 'n2' })], volumes)).toEqual({ node: 'n1', cordoned: true, done: true, pods: [] });
  });

  it('stops an evicted pod only when the pods that stay are ready enough without it, not-ready ones first', () => {
    const old = [pod('o1', { created: '1' }), pod('o2', { created: '2', state: 'not-ready' })];
    const staying = (ready: number, pending: number) => [...Array.from({ length: ready }, (_, i) => pod(`r${i}`, { node: 'n2' })), ...Array.from({ length: pending }, (_, i) => pod(`p${i}`, { node: 'n2', state: 'provisioning' }))];
    expect(evictedToStop(3, staying(1, 2), old)).toEqual([]);
    expect(evictedToStop(3, staying(2, 1), old).map((p) => p.meta.name)).toEqual(['o2']);
    expect(evictedToStop(3, staying(3, 0), old).map((p) => p.meta.name)).toEqual(['o2', 'o1']);
    // A version scaled to zero keeps none; an unplaced replacement is not ready.
    expect(evictedToStop(0, [], old)).toHaveLength(2);
    expect(evictedToStop(1, [pod('u', { node: '', state: 'ready' })], [old[0]])).toEqual([]);
  });
});
