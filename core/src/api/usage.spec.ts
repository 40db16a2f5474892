import { LbError, type AgentPodStats, type Node, type Pod } from '@lastbackend/sdk';
import type { ClusterState } from '../cluster/cluster';
import type { NodeAgentHandle, NodeGateway } from './node-gateway';
import { ResourceUsage } from './usage';

const pod = (name: string, node?: string): Pod =>
  ({ kind: 'Pod', meta: { name, namespace: 'ns', service: 'web', ...(node ? { node } : {}) }, spec: { template: { containers: [{ name: 'c' }] } }, status: {} }) as unknown as Pod;
const node = (name: string, state: Node['status']['state']): Node =>
  ({
    kind: 'Node',
    meta: { name },
    spec: {},
    status: { state, online: state !== 'offline', capacity: { cpu: 2000, ram: 4096, pods: 10, storage: 0 }, allocated: { cpu: 500, ram: 1024, pods: 2 } },
  }) as unknown as Node;

describe('resource use', () => {
  const asked: string[] = [];
  const sample = (n: string, pods: { namespace: string; name: string }[] = [{ namespace: 'ns', name: 'a' }, { namespace: 'ns', name: 'idle' }]): AgentPodStats => ({
    node: n,
    time: '2026-01-01T00:00:00.000Z',
    window: 1,
    pods: pods.map((p) => ({ ...p, containers: p.name === 'idle' ? [] : [{ name: 'c', cpu: 100, memory: 1000, cpu_seconds: 1 }, { name: 'd', cpu: 50.5, memory: 24, cpu_seconds: 1 }] })),
  });
  const agents: Record<string, NodeAgentHandle['stats']> = {
    n1: async (pods) => (asked.push(`n1:${pods?.map((p) => p.name).join(',') ?? '*'}`), sample('n1', pods)),
    n2: async () => {
      throw new LbError('UNAVAILABLE', 'node agent of "n2" at https://10.0.0.2:2969 is not reachable: ECONNREFUSED');
    },
  };
  const gateway = { agent: async (n: string) => ({ stats: agents[n] }) as unknown as NodeAgentHandle } as unknown as NodeGateway;
  const cluster = {
    pods: async () => [pod('b', 'n2'), pod('a', 'n1'), pod('pending'), pod('idle', 'n1')],
    pod: async (_: string, name: string) => pod(name, name === 'pending' ? undefined : 'n1'),
    nodes: async () => [node('n1', 'ready'), node('n2', 'ready'), node('n3', 'offline')],
  } as unknown as ClusterState;
  const usage = new ResourceUsage(cluster, gateway);

  it("a namespace's pods: each node asked once for its own; a pod without a sample says why", async () => {
    const list = await usage.pods('ns');
    expect(asked).toEqual(['n1:a,idle']);
    expect(list.map((u) => [u.name, u.cpu, u.memory, u.message])).toEqual([
      ['a', 150.5, 1024, undefined],
      ['b', undefined, undefined, 'node n2: node agent of "n2" at https://10.0.0.2:2969 is not reachable: ECONNREFUSED'],
      ['idle', undefined, undefined, 'no running container'],
      ['pending', undefined, undefined, 'not placed on a node yet'],
    ]);
    expect(list[0]).toMatchObject({ namespace: 'ns', service: 'web', node: 'n1', time: '2026-01-01T00:00:00.000Z', window: 1 });
  });

  it('one pod: its node answers, or the error is the answer', async () => {
    expect(await usage.pod('ns', 'a')).toMatchObject({ name: 'a', cpu: 150.5, memory: 1024, containers: [{ name: 'c' }, { name: 'd' }] });
    expect(await usage.pod('ns', 'pending')).toMatchObject({ name: 'pending', message: 'not placed on a node yet', containers: [] });
  });

  it("nodes: the sum of their containers beside capacity and allocation; an offline node is not asked", async () => {
    asked.length = 0;
    const nodes = await usage.nodes();
    expect(asked).toEqual(['n1:*']);
    expect(nodes[0]).toEqual({
      name: 'n1',
      state: 'ready',
      time: '2026-01-01T00:00:00.000Z',
      cpu: { used: 150.5, capacity: 2000, allocated: 500 },
      memory: { used: 1024, capacity: 4096, allocated: 1024 },
      pods: { used: 1, capacity: 10, allocated: 2 },
    });
    expect(nodes[1]).toMatchObject({ name: 'n2', cpu: { capacity: 2000, allocated: 500 }, message: expect.stringContaining('ECONNREFUSED') });
    expect(nodes[1].cpu.used).toBeUndefined();
    expect(nodes[2]).toMatchObject({ name: 'n3', state: 'offline', message: 'node is offline' });
  });
});
