// What `lb top` reads: the CPU and memory of pods (GET /namespace/{ns}/stats, GET .../pod/{pod}/stats) and
// of nodes (GET /cluster/stats). The samples come from each node's agent (through the node gateway: its
// pods' running containers, from the runtime's stats); capacity and allocation from the stored nodes.
// In a list, a node that cannot be asked leaves its pods (or itself) without numbers and with the reason.
import { type AgentPodStats, type Node, type NodeUsage, type Pod, type PodUsage } from '@lastbackend/sdk';
import type { ClusterState } from '../cluster/cluster';
import type { NodeGateway } from './node-gateway';

type AgentPod = AgentPodStats['pods'][number];

/** A pod's use from its node's sample (absent: `why` there is none). */
export function podUsage(pod: Pod, sample: { stats: AgentPodStats; pod?: AgentPod } | undefined, why?: string): PodUsage {
  const base: PodUsage = {
    namespace: pod.meta.namespace,
    name: pod.meta.name,
    ...(pod.meta.service ? { service: pod.meta.service } : {}),
    ...(pod.meta.node ? { node: pod.meta.node } : {}),
    containers: [],
  };
  if (!sample) return { ...base, message: why ?? 'no sample' };
  const containers = sample.pod?.containers ?? [];
  const out: PodUsage = { ...base, time: sample.stats.time, window: sample.stats.window, containers };
  if (!containers.length) return { ...out, message: sample.pod ? 'no running container' : `not running on node ${sample.stats.node}` };
  return { ...out, cpu: sum(containers.map((c) => c.cpu)), memory: sum(containers.map((c) => c.memory)) };
}

/** A node's use: the sum of its containers beside its capacity and allocation (absent sample: `why`). */
export function nodeUsage(node: Node, stats: AgentPodStats | undefined, why?: string): NodeUsage {
  const { capacity, allocated } = node.status;
  const cs = stats?.pods.flatMap((p) => p.containers) ?? [];
  const used = (v: number) => (stats ? { used: v } : {});
  return {
    name: node.meta.name,
    state: node.status.state,
    ...(stats ? { time: stats.time } : {}),
    cpu: { ...used(round(sum(cs.map((c) => c.cpu)))), capacity: capacity.cpu, allocated: allocated.cpu },
    memory: { ...used(sum(cs.map((c) => c.memory))), capacity: capacity.ram, allocated: allocated.ram },
    pods: { ...used(stats?.pods.filter((p) => p.containers.length).length ?? 0), capacity: capacity.pods, allocated: allocated.pods },
    ...(stats ? {} : { message: why ?? 'no sample' }),
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const round = (m: number) => Math.round(m * 10) / 10;
const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class ResourceUsage {
  constructor(
    private readonly cluster: ClusterState,
    private readonly gateway: NodeGateway,
  ) {}

  /** One pod: its node's agent must answer (its error is the answer's otherwise). */
  async pod(ns: string, name: string): Promise<PodUsage> {
    const pod = await this.cluster.pod(ns, name);
    if (!pod.meta.node) return podUsage(pod, undefined, 'not placed on a node yet');
    const stats = await (await this.gateway.agent(pod.meta.node)).stats([{ namespace: ns, name }]);
    return podUsage(pod, { stats, pod: stats.pods.find((p) => p.namespace === ns && p.name === name) });
  }

  /** The namespace's pods (of one service), each node asked once, in parallel. */
  async pods(ns: string, service?: string): Promise<PodUsage[]> {
    const pods = (await this.cluster.pods(ns, service ? { service } : {})).filter((p) => !p.spec.destroy);
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) if (p.meta.node) byNode.set(p.meta.node, [...(byNode.get(p.meta.node) ?? []), p]);
    const answers = new Map<string, { stats?: AgentPodStats; error?: string }>();
    await Promise.all(
      [...byNode].map(async ([node, on]) => {
        try {
          const stats = await (await this.gateway.agent(node)).stats(on.map((p) => ({ namespace: ns, name: p.meta.name })));
          answers.set(node, { stats });
        } catch (e) {
          answers.set(node, { error: `node ${node}: ${reason(e)}` });
        }
      }),
    );
    return pods
      .map((p) => {
        if (!p.meta.node) return podUsage(p, undefined, 'not placed on a node yet');
        const a = answers.get(p.meta.node)!;
        return a.stats ? podUsage(p, { stats: a.stats, pod: a.stats.pods.find((x) => x.name === p.meta.name && x.namespace === ns) }) : podUsage(p, undefined, a.error);
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Every node; an offline one is not asked. */
  async nodes(): Promise<NodeUsage[]> {
    const nodes = await this.cluster.nodes();
    const out = await Promise.all(
      nodes.map(async (n) => {
        if (!n.status.online) return nodeUsage(n, undefined, `node is ${n.status.state}`);
        try {
          return nodeUsage(n, await (await this.gateway.agent(n.meta.name)).stats());
        } catch (e) {
          return nodeUsage(n, undefined, reason(e));
        }
      }),
    );
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }
}

