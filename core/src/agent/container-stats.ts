// Samples of this node's containers from the runtime's stats(), and CPU as a rate. A runtime's sample
// holds the CPU time used since the container started; a rate needs two samples. The sampler keeps the
// last sample of each container as the base of the next rate: a caller asking again after a while gets
// the average since then at once; one asking for a container without a usable base (first time, a
// restart, a base too old or too recent) waits for a second sample a short window later.
import { isLbError, type ContainerStats } from '@lastbackend/sdk';

export interface StatsSamplerOptions {
  /** The shortest window a rate is averaged over (ms). */
  minWindowMs?: number;
  /** A base older than this is not used (the rate would be a stale average), ms. */
  maxAgeMs?: number;
  /** Runtime calls at once. */
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** One container's use: CPU in millicores over `window` seconds, memory in bytes. */
export interface ContainerSample {
  stats: ContainerStats;
  /** Millicores. */
  cpu: number;
  /** Seconds the rate is averaged over. */
  window: number;
}

/** What sample() found for one container: its use, or why there is none. */
export type SampleResult = { ok: true; sample: ContainerSample } | { ok: false; error: Error };

/**
 * Millicores used between two samples of one container; undefined when they cannot be compared (the
 * later one is not later, or its CPU time went down: the container restarted in between).
 */
export function cpuMillicores(prev: Pick<ContainerStats, 'time' | 'cpu_ns'>, cur: Pick<ContainerStats, 'time' | 'cpu_ns'>): number | undefined {
  const ms = cur.time - prev.time;
  const ns = cur.cpu_ns - prev.cpu_ns;
  if (!(ms > 0) || ns < 0) return undefined;
  // ns of CPU per ms of wall time is 1e6 per core; a core is 1000 millicores.
  return ns / ms / 1000;
}

export class ContainerStatsSampler {
  private readonly base = new Map<string, ContainerStats>();
  private readonly minWindowMs: number;
  private readonly maxAgeMs: number;
  private readonly concurrency: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly stats: (id: string) => Promise<ContainerStats>,
    opts: StatsSamplerOptions = {},
  ) {
    this.minWindowMs = opts.minWindowMs ?? 1000;
    this.maxAgeMs = opts.maxAgeMs ?? 120_000;
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Each container's use, by id; at most one short wait (minWindowMs) for those without a usable base. */
  async sample(ids: readonly string[]): Promise<Map<string, SampleResult>> {
    const out = new Map<string, SampleResult>();
    const first = await this.read(ids);
    const again: string[] = [];
    for (const [id, r] of first) {
      if (!r.ok) {
        out.set(id, r);
        continue;
      }
      const rate = this.rateFromBase(id, r.stats);
      if (rate) out.set(id, { ok: true, sample: rate });
      else again.push(id);
    }
    if (again.length) {
      await this.sleep(this.minWindowMs);
      for (const [id, r] of await this.read(again)) {
        if (!r.ok) {
          out.set(id, r);
          continue;
        }
        const prev = (first.get(id) as { ok: true; stats: ContainerStats }).stats;
        const cpu = cpuMillicores(prev, r.stats);
        // A restart between the two samples: its CPU time since it started, over its short life.
        out.set(id, { ok: true, sample: { stats: r.stats, cpu: cpu ?? 0, window: Math.max(0, (r.stats.time - prev.time) / 1000) } });
        this.base.set(id, r.stats);
      }
    }
    this.prune();
    return out;
  }

  /** Raw samples (no rate, no wait), by id; each becomes the base of the next rate if there is none usable. */
  async snapshot(ids: readonly string[]): Promise<Map<string, ContainerStats>> {
    const out = new Map<string, ContainerStats>();
    for (const [id, r] of await this.read(ids)) {
      if (!r.ok) continue;
      out.set(id, r.stats);
      const b = this.base.get(id);
      if (!b || r.stats.time - b.time > this.maxAgeMs || r.stats.cpu_ns < b.cpu_ns) this.base.set(id, r.stats);
    }
    this.prune();
    return out;
  }

  /** The rate since the base, when the base is usable; the sample becomes the next base then. */
  private rateFromBase(id: string, cur: ContainerStats): ContainerSample | undefined {
    const b = this.base.get(id);
    if (!b) return undefined;
    const ms = cur.time - b.time;
    const cpu = ms >= this.minWindowMs && ms <= this.maxAgeMs ? cpuMillicores(b, cur) : undefined;
    if (cpu === undefined) return undefined;
    this.base.set(id, cur);
    return { stats: cur, cpu, window: ms / 1000 };
  }

  /** Bases of containers nobody asked about for a while (removed, or moved away) are dropped. */
  private prune(): void {
    // By the runtime's clock (the newest sample), which the samples' times are on.
    let now = 0;
    for (const s of this.base.values()) now = Math.max(now, s.time);
    for (const [id, s] of this.base) if (now - s.time > 2 * this.maxAgeMs) this.base.delete(id);
  }

  /** One sample of each, at most `concurrency` runtime calls at once. */
  private async read(ids: readonly string[]): Promise<Map<string, { ok: true; stats: ContainerStats } | { ok: false; error: Error }>> {
    const out = new Map<string, { ok: true; stats: ContainerStats } | { ok: false; error: Error }>();
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        try {
          out.set(id, { ok: true, stats: await this.stats(id) });
        } catch (e) {
          out.set(id, { ok: false, error: isLbError(e) ? e : new Error((e as Error).message) });
          if (isLbError(e) && e.code === 'NOT_FOUND') this.base.delete(id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, ids.length) }, worker));
    return out;
  }
}
