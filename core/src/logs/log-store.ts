// The log collector's store: every container's lines, from every node, in a level database of its own
// (logs are many and short-lived; they stay out of the state store and its revisions). A line's key is
// its container and time to the nanosecond, so a line shipped twice (an agent resuming from its cursor)
// is stored once. Lines older than the retention are pruned.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Level } from 'level';
import type { ShippedLogLine } from '@lastbackend/sdk';

export type CollectedLine = ShippedLogLine;

/** RFC 3339 with exactly nine fraction digits, so keys sort in time order. */
export function normalizeTime(t: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return new Date(Date.parse(t) || 0).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
  const iso = m[3] === 'Z' ? m[1] : new Date(Date.parse(`${m[1]}${m[3]}`)).toISOString().slice(0, 19);
  return `${iso}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}Z`;
}

const SEP = '\u0000';
// The line's own hash keeps two different lines with the same timestamp apart.
const keyOf = (l: CollectedLine) =>
  [l.namespace, l.service, l.pod, l.container, normalizeTime(l.time), l.stream, createHash('sha1').update(l.line).digest('hex').slice(0, 12)].join(SEP);

export class LogStore {
  private readonly db: Level<string, CollectedLine>;
  private readonly events = new EventEmitter();
  private timer?: NodeJS.Timeout;

  constructor(
    path: string,
    private readonly retentionSeconds: number,
  ) {
    this.db = new Level<string, CollectedLine>(path, { valueEncoding: 'json' });
    this.events.setMaxListeners(0);
  }

  async open(): Promise<void> {
    await this.db.open();
    this.timer = setInterval(() => void this.prune().catch(() => undefined), 60_000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.db.close();
  }

  /** Stores lines (synced); lines already stored are not stored again nor announced. */
  async append(lines: CollectedLine[]): Promise<number> {
    const fresh: CollectedLine[] = [];
    const batch = this.db.batch();
    const seen = new Set<string>();
    for (const l of lines) {
      const key = keyOf(l);
      if (seen.has(key) || (await this.db.get(key)) !== undefined) continue;
      seen.add(key);
      batch.put(key, l);
      fresh.push(l);
    }
    if (!fresh.length) {
      await batch.close();
      return 0;
    }
    await batch.write({ sync: true });
    fresh.sort((a, b) => (normalizeTime(a.time) < normalizeTime(b.time) ? -1 : 1));
    for (const l of fresh) this.events.emit('line', l);
    return fresh.length;
  }

  /** Lines of a service (optionally one pod), in time order; `since` in unix seconds; the last `tail`. */
  async query(q: { namespace: string; service: string; pod?: string; since?: number; tail?: number }): Promise<CollectedLine[]> {
    const prefix = [q.namespace, q.service, ...(q.pod ? [q.pod] : [])].join(SEP) + SEP;
    const since = q.since !== undefined ? normalizeTime(new Date(q.since * 1000).toISOString()) : undefined;
    const out: CollectedLine[] = [];
    for await (const l of this.db.values({ gte: prefix, lt: prefix + '\uffff' })) {
      if (since && normalizeTime(l.time) < since) continue;
      out.push(l);
    }
    out.sort((a, b) => {
      const x = normalizeTime(a.time);
      const y = normalizeTime(b.time);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    return q.tail !== undefined ? out.slice(Math.max(0, out.length - q.tail)) : out;
  }

  /** Calls listener for every new line until the returned function is called. */
  watch(listener: (l: CollectedLine) => void): () => void {
    this.events.on('line', listener);
    return () => this.events.off('line', listener);
  }

  /** Drops lines older than the retention. */
  async prune(now = Date.now()): Promise<number> {
    const cutoff = normalizeTime(new Date(now - this.retentionSeconds * 1000).toISOString());
    const batch = this.db.batch();
    let n = 0;
    for await (const [k, l] of this.db.iterator()) {
      if (normalizeTime(l.time) < cutoff) {
        batch.del(k);
        n++;
      }
    }
    if (n) await batch.write();
    else await batch.close();
    return n;
  }
}
