// Histograms and counters for hot paths (every API call, store operation, driver call). prom-client's
// own observe() builds a label object and a hash string per call; these keep one child per label
// combination, found through nested Maps keyed by the label values themselves, so an observation
// allocates nothing once its child exists. They register in a prom-client Registry like its metrics
// (name + get()), which formats them.
import type { Registry } from 'prom-client';

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface Family {
  name: string;
  help: string;
  type: 'histogram' | 'counter';
  get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: 'sum' }>;
}

/** Child lookup by label values (positional, as declared; at most three), without building a key. */
class Children<C> {
  private readonly root = new Map<string, unknown>();
  readonly all: { values: readonly string[]; child: C }[] = [];

  constructor(
    private readonly arity: number,
    private readonly make: () => C,
  ) {
    if (arity > 3) throw new Error('at most three labels');
  }

  get(a = '', b = '', c = ''): C {
    let m = this.root;
    if (this.arity > 1) m = step(m, a);
    if (this.arity > 2) m = step(m, b);
    const last = this.arity === 3 ? c : this.arity === 2 ? b : a;
    let child = m.get(last) as C | undefined;
    if (!child) {
      child = this.make();
      m.set(last, child);
      this.all.push({ values: [a, b, c].slice(0, this.arity), child });
    }
    return child;
  }
}

function step(m: Map<string, unknown>, k: string): Map<string, unknown> {
  let next = m.get(k) as Map<string, unknown> | undefined;
  if (!next) m.set(k, (next = new Map()));
  return next;
}

const labelsOf = (names: readonly string[], values: readonly string[]): Record<string, string> => Object.fromEntries(names.map((n, i) => [n, values[i]]));

export class HistogramChild {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly buckets: readonly number[]) {
    this.counts = new Float64Array(buckets.length);
  }
  /** Seconds (or whatever unit the family's buckets are in). */
  observe(v: number): void {
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) if (v <= b[i]) this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

export class FastHistogram implements Family {
  readonly type = 'histogram' as const;
  private readonly children: Children<HistogramChild>;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    this.children = new Children(labelNames.length, () => new HistogramChild(buckets));
    registry.registerMetric(this as never);
  }

  /** The child for these label values: keep it where the values do not change. */
  labels(a?: string, b?: string, c?: string): HistogramChild {
    return this.children.get(a, b, c);
  }

  async get() {
    const values: Sample[] = [];
    for (const { values: lv, child } of this.children.all) {
      const base = labelsOf(this.labelNames, lv);
      this.buckets.forEach((le, i) => values.push({ metricName: `${this.name}_bucket`, labels: { ...base, le }, value: child.counts[i] }));
      values.push({ metricName: `${this.name}_bucket`, labels: { ...base, le: '+Inf' }, value: child.count });
      values.push({ metricName: `${this.name}_sum`, labels: base, value: child.sum });
      values.push({ metricName: `${this.name}_count`, labels: base, value: child.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' as const };
  }
}

export class CounterChild {
  value = 0;
  inc(n = 1): void {
    this.value += n;
  }
}

export class FastCounter implements Family {
  readonly type = 'counter' as const;
  private readonly children: Children<CounterChild>;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    this.children = new Children(labelNames.length, () => new CounterChild());
    registry.registerMetric(this as never);
  }

  labels(a?: string, b?: string, c?: string): CounterChild {
    return this.children.get(a, b, c);
  }

  async get() {
    const values: Sample[] = this.children.all.map(({ values: lv, child }) => ({ labels: labelsOf(this.labelNames, lv), value: child.value }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' as const };
  }
}

/** Seconds since `start` (a performance.now() reading). */
export const since = (start: number): number => (performance.now() - start) / 1000;
