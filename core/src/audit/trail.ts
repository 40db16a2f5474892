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
