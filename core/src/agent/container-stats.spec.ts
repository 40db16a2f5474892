import { LbError, type ContainerStats } from '@lastbackend/sdk';
import { ContainerStatsSampler, cpuMillicores } from './container-stats';

const sample = (time: number, cpuNs: number, memory = 1000): ContainerStats => ({ time, cpu_ns: cpuNs, memory_bytes: memory, memory_limit: 0 });

describe('cpuMillicores', () => {
  it('is the CPU time used over the wall time between two samples, in thousandths of a core', () => {
    expect(cpuMillicores(sample(0, 0), sample(1000, 1e9))).toBe(1000); // one core for a second
    expect(cpuMillicores(sample(0, 0), sample(2000, 5e8))).toBe(250);
    expect(cpuMillicores(sample(1000, 3e9), sample(1500, 4e9))).toBe(2000); // two cores
    expect(cpuMillicores(sample(0, 7), sample(1000, 7))).toBe(0);
  });
  it('cannot compare samples out of order, at the same time, or across a restart (CPU time went down)', () => {
    expect(cpuMillicores(sample(1000, 0), sample(1000, 1e9))).toBeUndefined();
    expect(cpuMillicores(sample(2000, 0), sample(1000, 1e9))).toBeUndefined();
    expect(cpuMillicores(sample(0, 5e9), sample(1000, 1e9))).toBeUndefined();
  });
});

describe('ContainerStatsSampler', () => {
  /** A runtime whose containers use `rate` millicores each, on a clock the test moves. */
  function fake(rates: Record<string, number>) {
    let now = 10_000;
    const started = 0;
    const calls: string[] = [];
    const restarted = new Map<string, number>();
    const stats = async (id: string) => {
      calls.push(id);
      if (!(id in rates)) throw new LbError('NOT_FOUND', `container ${id} not found`);
      if (rates[id] < 0) throw new LbError('FAILED_PRECONDITION', `container ${id} is not running`);
      const since = restarted.get(id) ?? started;
      return sample(now, ((now - since) / 1000) * rates[id] * 1e6, 4096);
    };
    const waits: number[] = [];
    const sampler = new ContainerStatsSampler(stats, {
      minWindowMs: 1000,
      maxAgeMs: 60_000,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    return { sampler, calls, waits, advance: (ms: number) => (now += ms), restart: (id: string) => restarted.set(id, now - 100) };
  }

  it('the first time, samples twice a window apart (one wait for all containers) and reports the rate between', async () => {
    const f = fake({ a: 250, b: 1500 });
    const r = await f.sampler.sample(['a', 'b']);
    expect(f.waits).toEqual([1000]);
    expect(f.calls.sort()).toEqual(['a', 'a', 'b', 'b']);
    expect(r.get('a')).toEqual({ ok: true, sample: expect.objectContaining({ cpu: 250, window: 1 }) });
    expect(r.get('b')).toEqual({ ok: true, sample: expect.objectContaining({ cpu: 1500, window: 1 }) });
    const a = r.get('a');
    expect(a?.ok && a.sample.stats.memory_bytes).toBe(4096);
  });

  it('later, the rate since the last sample at once, without waiting', async () => {
    const f = fake({ a: 300 });
    await f.sampler.sample(['a']);
    f.advance(10_000);
    const r = await f.sampler.sample(['a']);
    expect(f.waits).toEqual([1000]);
    expect(r.get('a')).toEqual({ ok: true, sample: expect.objectContaining({ cpu: 300, window: 10 }) });
  });

  it('samples again when the last sample is too recent, too old, or from before a restart', async () => {
    const f = fake({ a: 300 });
    await f.sampler.sample(['a']);
    f.advance(10); // too recent: a rate over 10 ms is noise
    await f.sampler.sample(['a']);
    expect(f.waits).toEqual([1000, 1000]);
    f.advance(61_000); // too old: a stale average
    await f.sampler.sample(['a']);
    expect(f.waits).toEqual([1000, 1000, 1000]);
    f.advance(5000);
    f.restart('a');
    const r = await f.sampler.sample(['a']);
    expect(f.waits).toEqual([1000, 1000, 1000, 1000]);
    expect(r.get('a')).toEqual({ ok: true, sample: expect.objectContaining({ cpu: 300 }) });
  });

  it('a missing or stopped container has no sample but the reason; the others are sampled', async () => {
    const f = fake({ a: 100, stopped: -1 });
    const r = await f.sampler.sample(['a', 'gone', 'stopped']);
    expect(r.get('a')?.ok).toBe(true);
    expect(r.get('gone')).toEqual({ ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) });
    expect(r.get('stopped')).toEqual({ ok: false, error: expect.objectContaining({ code: 'FAILED_PRECONDITION' }) });
  });

  it('a snapshot (metrics) neither waits nor spoils the next rate: it becomes the base only when there is none', async () => {
    const f = fake({ a: 500 });
    expect((await f.sampler.snapshot(['a'])).get('a')?.cpu_ns).toBe(5e9); // 10 s at half a core
    f.advance(2000);
    const r = await f.sampler.sample(['a']);
    expect(f.waits).toEqual([]);
    expect(r.get('a')).toEqual({ ok: true, sample: expect.objectContaining({ cpu: 500, window: 2 }) });
  });

  it('calls the runtime at most `concurrency` times at once', async () => {
    let running = 0;
    let most = 0;
    const sampler = new ContainerStatsSampler(
      async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return sample(Date.now(), 0);
      },
      { concurrency: 3 },
    );
    const r = await sampler.snapshot(Array.from({ length: 10 }, (_, i) => `c${i}`));
    expect(r.size).toBe(10);
    expect(most).toBe(3);
  });
});
