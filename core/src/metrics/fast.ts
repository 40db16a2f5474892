// The metric families. Histograms and counters for hot paths (every API call, store operation, driver
// call) keep one child per label combination, found through nested Maps keyed by the label values
// themselves, so an observation allocates nothing once its child exists. Values that describe state
// (pods by phase, node capacity, driver health) are set when scraped (ValueFamily). Each registers in a
// Registry, which formats them (registry.ts).
import type { Family, Registry, Sample } from './registry';

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
    registry.register(this);
  }

  /** The child for these label values: keep it where the values do not change. */
  labels(a?: string, b?: string, c?: string): HistogramChild {
    return this.children.get(a, b, c);
  }

  get() {
    const values: Sample[] = [];
    for (const { values: lv, child } of this.children.all) {
      const base = labelsOf(this.labelNames, lv);
      this.buckets.forEach((le, i) => values.push({ metricName: `${this.name}_bucket`, labels: { ...base, le }, value: child.counts[i] }));
      values.push({ metricName: `${this.name}_bucket`, labels: { ...base, le: '+Inf' }, value: child.count });
      values.push({ metricName: `${this.name}_sum`, labels: base, value: child.sum });
      values.push({ metricName: `${this.name}_count`, labels: base, value: child.count });
    }
    return { name: this.name, help: this.help, type: this.type, values };
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
    registry.register(this);
  }

  labels(a?: string, b?: string, c?: string): CounterChild {
    return this.children.get(a, b, c);
  }

  get() {
    const values: Sample[] = this.children.all.map(({ values: lv, child }) => ({ labels: labelsOf(this.labelNames, lv), value: child.value }));
    return { name: this.name, help: this.help, type: this.type, values };
  }
}

type Labels = Record<string, string>;

/**
 * Values by label set, written when scraped (a gauge, or a counter read from elsewhere such as a
 * container's CPU time): set, inc and reset take the labels as an object. Without labels it reads 0
 * until set.
 */
export class ValueFamily implements Family {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter',
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.register(this);
  }

  private entry(labels: Labels): { labels: Labels; value: number } {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let e = this.values.get(key);
    if (!e) this.values.set(key, (e = { labels: Object.fromEntries(this.labelNames.filter((n) => n in labels).map((n) => [n, labels[n]])), value: 0 }));
    return e;
  }

  set(labels: Labels | number, value?: number): void {
    if (typeof labels === 'number') this.entry({}).value = labels;
    else this.entry(labels).value = value ?? 0;
  }

  inc(labels: Labels = {}, n = 1): void {
    this.entry(labels).value += n;
  }

  reset(): void {
    this.values.clear();
  }

  get() {
    const values: Sample[] = [...this.values.values()].map((e) => ({ labels: e.labels, value: e.value }));
    if (!values.length && !this.labelNames.length) values.push({ labels: {}, value: 0 });
    return { name: this.name, help: this.help, type: this.type, values };
  }
}

/** Seconds since `start` (a performance.now() reading). */
export const since = (start: number): number => (performance.now() - start) / 1000;
