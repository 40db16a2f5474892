// The audit trail: one record per audited API call (api/audit.ts decides which), kept append-only in
// the data dir (file-trail.ts) or, with the etcd backend, in etcd (etcd-trail.ts). Writers never make a
// request wait or fail: records are queued and flushed in the background, and on close.
import type { AuditRecord } from '@lastbackend/sdk';

export type { AuditRecord } from '@lastbackend/sdk';

export interface AuditFilter {
  /** Only records from this time on (ms since the epoch). */
  since?: number;
  /** Only records of this caller. */
  who?: string;
}

export interface AuditTrail {
  /** Queues a record; it is written soon, and before close() resolves. Never throws. */
  append(r: AuditRecord): void;
  /**
   * The records that match, oldest first (everything appended before the call included); with follow,
   * then every new one until the signal aborts, each once.
   */
  records(filter: AuditFilter, opts?: { follow?: boolean; signal?: AbortSignal }): AsyncGenerator<AuditRecord>;
  /** Writes what is queued. */
  flush(): Promise<void>;
  /** Flushes and stops. */
  close(): Promise<void>;
}

export const matches = (r: AuditRecord, f: AuditFilter): boolean =>
  (f.since === undefined || Date.parse(r.time) >= f.since) && (f.who === undefined || r.who === f.who);

/** Records pushed by a writer, pulled by one reader: the follow part of records(). */
export class RecordQueue {
  private readonly items: AuditRecord[] = [];
  private wake?: () => void;
  private stopped = false;

  constructor(signal?: AbortSignal) {
    signal?.addEventListener('abort', () => this.stop(), { once: true });
    if (signal?.aborted) this.stopped = true;
  }

  push(r: AuditRecord): void {
    this.items.push(r);
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async *drain(): AsyncGenerator<AuditRecord> {
    while (!this.stopped) {
      if (!this.items.length) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      yield this.items.shift()!;
    }
  }
}

/**
 * Items queued without waiting and written in batches by one writer at a time: after flushMs, on flush(),
 * or in a caller's turn (exclusive). `writeBatch` gets what was queued; what it hands back (a batch it
 * could not write) is queued again in front, and tried again after retryMs unless the queue is closed.
 */
export class BatchQueue<T> {
  private pending: T[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly writeBatch: (batch: T[]) => Promise<T[] | void>,
    private readonly flushMs = 100,
    private readonly retryMs = 1000,
  ) {}

  /** Queues an item; once closed it is written at once. Returns how many are queued. */
  push(item: T): number {
    this.pending.push(item);
    if (this.closed) void this.flush().catch(() => undefined);
    else this.schedule(this.flushMs);
    return this.pending.length;
  }

  /** Drops the oldest queued items beyond max; returns how many were dropped. */
  trim(max: number): number {
    const over = this.pending.length - max;
    if (over > 0) this.pending.splice(0, over);
    return Math.max(0, over);
  }

  /** Runs fn when every write queued before it is done; one at a time. */
  exclusive<R>(fn: () => Promise<R>): Promise<R> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  flush(): Promise<void> {
    return this.exclusive(() => this.writeQueued());
  }

  /** Writes what is queued now: only inside exclusive(). */
  async writeQueued(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (!batch.length) return;
    this.pending = [];
    const failed = await this.writeBatch(batch);
    if (failed?.length) {
      this.pending = [...failed, ...this.pending];
      if (!this.closed) this.schedule(this.retryMs);
    }
  }

  /** Writes what is queued and stops the timer; later pushes are written at once. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private schedule(ms: number): void {
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), ms);
  }
}
