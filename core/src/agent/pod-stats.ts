// The CPU and memory of this node's pods, for the API (lb top) and for the agent's /metrics: each pod's
// running containers sampled through the runtime's stats() (ContainerStatsSampler keeps the samples a
// CPU rate needs). A container that is not running has no sample and is left out of its pod.
import { featureUnsupported, type AgentPodStats, type ContainerRuntime, type ContainerUsage } from '@lastbackend/sdk';
import { agentRegistry, containerCpuSeconds, containerMemory, onScrape } from '../metrics/metrics';
import { ContainerStatsSampler } from './container-stats';

export interface PodContainers {
  namespace: string;
  name: string;
  containers: { name: string; id: string }[];
}

/** The agents of this process (one, but in tests), whose containers the agent registry's series show. */
const live = new Set<PodStats>();
onScrape(agentRegistry, async () => {
  // Read first, then swapped in at once: a scrape never shows the series half refreshed.
  const samples = await Promise.all([...live].map((p) => p.metricSamples().catch(() => [])));
  containerCpuSeconds.reset();
  containerMemory.reset();
  for (const { labels, cpuSeconds, memory } of samples.flat()) {
    containerCpuSeconds.inc(labels, cpuSeconds);
    containerMemory.set(labels, memory);
  }
});

interface MetricSample {
  labels: { namespace: string; pod: string; container: string };
  cpuSeconds: number;
  memory: number;
}

export class PodStats {
  private readonly sampler: ContainerStatsSampler;

  constructor(
    private readonly node: string,
    private readonly pods: (which?: readonly { namespace: string; name: string }[]) => PodContainers[],
    private readonly cri: () => ContainerRuntime,
  ) {
    this.sampler = new ContainerStatsSampler((id) => this.runtime().stats!(id));
  }

  /** The agent's /metrics gains its containers' CPU seconds and memory from now on (until stop). */
  start(): void {
    live.add(this);
  }

  stop(): void {
    live.delete(this);
  }

  /** A sample of each running container of the pods asked for (all of this node's when none are named). */
  async stats(which?: readonly { namespace: string; name: string }[]): Promise<AgentPodStats> {
    this.runtime(); // a runtime without stats is refused before anything is sampled
    const pods = this.pods(which);
    const samples = await this.sampler.sample(pods.flatMap((p) => p.containers.map((c) => c.id)));
    let window = 0;
    const out: AgentPodStats['pods'] = pods.map((p) => ({
      namespace: p.namespace,
      name: p.name,
      containers: p.containers.flatMap((c): ContainerUsage[] => {
        const r = samples.get(c.id);
        if (!r?.ok) return [];
        const s = r.sample;
        window = Math.max(window, s.window);
        return [{ name: c.name, cpu: round(s.cpu), memory: s.stats.memory_bytes, cpu_seconds: s.stats.cpu_ns / 1e9, ...(s.stats.memory_limit ? { memory_limit: s.stats.memory_limit } : {}) }];
      }),
    }));
    return { node: this.node, time: new Date().toISOString(), window: Math.round(window * 1000) / 1000, pods: out };
  }

  private runtime(): ContainerRuntime {
    const cri = this.cri();
    if (!cri.features?.stats || !cri.stats) throw featureUnsupported(cri.info().name, 'stats');
    return cri;
  }

  /** Raw samples (no waiting for a rate) of every running container: CPU seconds and memory. */
  async metricSamples(): Promise<MetricSample[]> {
    const cri = this.cri();
    if (!cri.features?.stats || !cri.stats) return [];
    const pods = this.pods();
    const samples = await this.sampler.snapshot(pods.flatMap((p) => p.containers.map((c) => c.id)));
    return pods.flatMap((p) =>
      p.containers.flatMap((c) => {
        const s = samples.get(c.id);
        return s ? [{ labels: { namespace: p.namespace, pod: p.name, container: c.name }, cpuSeconds: s.cpu_ns / 1e9, memory: s.memory_bytes }] : [];
      }),
    );
  }
}

/** Millicores to a tenth. */
const round = (m: number) => Math.round(m * 10) / 10;
