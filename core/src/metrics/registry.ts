// A process's metric families and their Prometheus text exposition (format 0.0.4). Each family hands its
// samples over when scraped (fast.ts); nothing is formatted on the hot path.

export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  /** The sample's own name where it differs from the family's (a histogram's _bucket, _sum, _count). */
  metricName?: string;
}

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram' | 'counter' | 'gauge';
  get(): { name: string; help: string; type: string; values: Sample[] };
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const formatValue = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

function sampleLine(name: string, s: Sample): string {
  const labels = Object.entries(s.labels);
  const set = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(String(v))}"`).join(',')}}` : '';
  return `${s.metricName ?? name}${set} ${formatValue(s.value)}\n`;
}

export class Registry {
  private readonly families: Family[] = [];

  register(f: Family): void {
    if (this.families.some((x) => x.name === f.name)) throw new Error(`metric ${f.name} is registered twice`);
    this.families.push(f);
  }

  /** The text exposition of every family, in the order they registered. */
  metrics(): string {
    let out = '';
    for (const f of this.families) {
      out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
      for (const s of f.get().values) out += sampleLine(f.name, s);
    }
    return out;
  }
}
