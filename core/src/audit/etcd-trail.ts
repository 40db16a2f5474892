// The audit trail in etcd (the etcd backend): one key per record under <prefix>audit/, beside the
// state (<prefix>state/, which the store watches and mirrors: the trail stays out of it). A key is the
// write time, the writing server and its own sequence number, so servers sharing one etcd never write
// the same key and a range read returns records in time order. Every record is put with a lease of
// max_age (one lease per tenth of it), so etcd drops old records by itself: the trail stays bounded.
import type { Lease, Namespace } from 'etcd3';
import { BatchQueue, matches, RecordQueue, type AuditFilter, type AuditRecord, type AuditTrail } from './trail';

export interface EtcdTrailOptions {
  /** Seconds a record is kept. */
  maxAge: number;
  /** Names this server in its keys (no "/"). */
  server: string;
  flushMs?: number;
  /** Records kept in memory while etcd cannot be reached; beyond it the oldest are dropped (and said). */
  maxPending?: number;
  warn?: (msg: string) => void;
}

const PAGE = 500;
const timeKey = (ms: number) => String(ms).padStart(15, '0');

export class EtcdTrail implements AuditTrail {
  private readonly queue: BatchQueue<{ key: string; r: AuditRecord }>;
  private seq = 0;
  private lease?: { lease: Lease; id: string; until: number };
  private readonly followers = new Set<RecordQueue>();

  /** ns: this cluster's audit namespace (client.namespace(prefix).namespace('audit/')). */
  constructor(
    private readonly ns: Namespace,
    private readonly opts: EtcdTrailOptions,
  ) {
    this.queue = new BatchQueue((batch) => this.write(batch), opts.flushMs ?? 100);
  }

  append(r: AuditRecord): void {
    const key = `${timeKey(Date.now())}/${this.opts.server.replace(/\//g, '_')}/${String(++this.seq).padStart(12, '0')}`;
    this.queue.push({ key, r });
    const dropped = this.queue.trim(this.opts.maxPending ?? 100_000);
    if (dropped) this.opts.warn?.(`audit: etcd unreachable, ${dropped} record(s) dropped (the oldest held here)`);
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** The lease of records written now: granted anew every tenth of max_age, so none outlives it by more. */
  private async leaseId(): Promise<string> {
    if (this.lease && Date.now() < this.lease.until) return this.lease.id;
    const bucket = Math.max(1, Math.floor(this.opts.maxAge / 10));
    const lease = this.ns.lease(this.opts.maxAge + bucket, { autoKeepAlive: false });
    const id = await lease.grant();
    this.lease?.lease.release();
    this.lease = { lease, id, until: Date.now() + bucket * 1000 };
    return id;
  }

  /** Puts a batch; one etcd cannot take is handed back, to be tried again (a put that did land is written again under the same key: no duplicate). */
  private async write(batch: { key: string; r: AuditRecord }[]): Promise<{ key: string; r: AuditRecord }[] | void> {
    try {
      const id = await this.leaseId();
      await Promise.all(batch.map(({ key, r }) => this.ns.put(key).value(JSON.stringify(r)).lease(id).exec()));
    } catch (e) {
      this.opts.warn?.(`audit: cannot write ${batch.length} record(s) to etcd: ${(e as Error).message}${this.queue.isClosed ? ' (shutting down: they are lost)' : ''}`);
      return batch;
    }
  }

  async *records(filter: AuditFilter, opts: { follow?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<AuditRecord> {
    await this.flush();
    const queue = new RecordQueue(opts.signal);
    this.followers.add(queue);
    let watcher: import('etcd3').Watcher | undefined;
    try {
      // Every page at the first one's revision; the watch starts right after it.
      let start = filter.since === undefined ? '' : timeKey(filter.since);
      let revision: string | undefined;
      for (;;) {
        const q = this.ns.getAll().inRange({ start: start || '\u0000', end: '\u00ff' }).limit(PAGE);
        if (revision) q.revision(revision);
        const res = await q.exec();
        revision ??= res.header.revision;
        for (const kv of res.kvs) {
          const r = parse(kv.value.toString());
          if (r && matches(r, filter)) yield r;
        }
        if (!res.more || !res.kvs.length) break;
        start = res.kvs[res.kvs.length - 1].key.toString() + '\u0000';
      }
      if (!opts.follow || opts.signal?.aborted) return;
      watcher = await this.ns.watch().prefix('').startRevision(String(Number(revision) + 1)).create();
      watcher.on('put', (kv) => {
        const r = parse(kv.value.toString());
        if (r && matches(r, filter)) queue.push(r);
      });
      yield* queue.drain();
    } finally {
      this.followers.delete(queue);
      queue.stop();
      await watcher?.cancel().catch(() => undefined);
    }
  }

  /** Writes what is queued (one try: etcd down at shutdown is said, not waited for) and ends followers. */
  async close(): Promise<void> {
    await this.queue.close();
    for (const q of this.followers) q.stop();
    this.lease?.lease.release();
  }
}

function parse(text: string): AuditRecord | undefined {
  try {
    return JSON.parse(text) as AuditRecord;
  } catch {
    return undefined;
  }
}
