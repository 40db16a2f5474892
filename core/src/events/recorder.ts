// The one writer of events (keys.event): every component of a server records through it. record() is
// synchronous and never throws or waits: repeats fold in memory, and a background flush (every flushMs,
// one transaction per chunk) folds them into the stored events, so the deploy path never awaits an
// event write. Retention: events last seen more than ttl seconds ago are dropped, and the oldest beyond
// max; checked every pruneMs and whenever this server's writes may have passed max.
// Between flushes at most maxPending distinct events about pods and tasks wait: a big apply places
// thousands at once, and beyond the bound they are dropped (and said). Events about services, jobs and
// nodes, one or a few per object (NewVersion, NodeOffline), are never dropped for them: they have a bound
// of their own, max.
import type { LbEvent } from '@lastbackend/sdk';
import { PREFIX } from '../store/keys';
import type { Store } from '../store/store';
import { eventKey, expired, fold, identity, type EventInput } from './fold';

export type { EventInput } from './fold';

/** Where components report events (the recorder; a test's array). */
export interface EventSink {
  record(e: EventInput): void;
}

/** Records nothing: for a process or a test that keeps no events. */
export const NO_EVENTS: EventSink = { record: () => undefined };

export interface EventRecorderOptions {
  /** Seconds an event is kept after it was last seen. */
  ttl: number;
  /** Events kept at most (the oldest dropped first). */
  max: number;
  flushMs?: number;
  pruneMs?: number;
  /** Distinct events about pods and tasks held between flushes; beyond, new ones are dropped (and said). */
  maxPending?: number;
  warn?: (msg: string) => void;
}

/** Store writes per transaction (etcd refuses big ones: --max-txn-ops is 128 by default). */
const CHUNK = 100;
/** The store origin of event writes (so watchers may tell them apart). */
export const EVENTS_ORIGIN = 'events';

/** The kinds of object there are many of for each service or job: their events are the ones a burst drops. */
const REPLICA_KINDS: ReadonlySet<string> = new Set(['Pod', 'Task']);

interface Pending {
  e: EventInput;
  count: number;
  first: number;
  last: number;
}

export class EventRecorder implements EventSink {
  private pending = new Map<string, Pending>();
  /** Of pending, those about pods and tasks. */
  private pendingReplicas = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private closed = false;
  private dropped = 0;
  /** Events stored, as of the last prune plus those this server created since; unknown before the first. */
  private known?: number;

  constructor(
    private readonly store: Store,
    private readonly opts: EventRecorderOptions,
  ) {}

  /** Starts the periodic retention check. */
  start(): void {
    const every = this.opts.pruneMs ?? Math.min(60_000, Math.max(1000, this.opts.ttl * 100));
    this.pruneTimer = setInterval(() => void this.serial(() => this.prune()), every);
    this.pruneTimer.unref();
  }

  record(e: EventInput): void {
    if (this.closed) return;
    const at = e.at ?? Date.now();
    const count = Math.max(1, e.count ?? 1);
    const id = identity(e);
    const p = this.pending.get(id);
    if (p) {
      p.count += count;
      p.first = Math.min(p.first, at);
      p.last = Math.max(p.last, at);
    } else {
      const replica = REPLICA_KINDS.has(e.object.kind);
      if (replica ? this.pendingReplicas >= (this.opts.maxPending ?? 1000) : this.pending.size - this.pendingReplicas >= this.opts.max) {
        this.dropped += count;
        return;
      }
      if (replica) this.pendingReplicas++;
      this.pending.set(id, { e, count, first: at, last: at });
    }
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.opts.flushMs ?? 250);
      this.timer.unref();
    }
  }

  /** Writes what is pending; resolves when it is stored (or failed, which is said). */
  flush(): Promise<void> {
    return this.serial(() => this.write());
  }

  /** Writes what is pending; records nothing more. */
  async close(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.flush();
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** Drops expired events and the oldest beyond max; answers how many. */
  async prune(now = Date.now()): Promise<number> {
    const entries = await this.store.entries<LbEvent>(PREFIX.events);
    const drop = expired(entries, now, this.opts.ttl, this.opts.max);
    for (let i = 0; i < drop.length; i += CHUNK) {
      const chunk = drop.slice(i, i + CHUNK);
      await this.store.txn(async (tx) => chunk.forEach((k) => tx.del(k)), EVENTS_ORIGIN);
    }
    this.known = entries.length - drop.length;
    return drop.length;
  }

  /** One write or prune at a time; a failure is said, never thrown at a caller. */
  private serial(fn: () => Promise<unknown>): Promise<void> {
    const p = this.chain.then(fn).then(
      () => undefined,
      (e: Error) => {
        this.opts.warn?.(`events: ${e.message}`);
      },
    );
    this.chain = p;
    return p;
  }

  private async write(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.pendingReplicas = 0;
    if (this.dropped) {
      this.opts.warn?.(`events: ${this.dropped} event(s) dropped: more than ${this.opts.maxPending ?? 1000} distinct ones about pods and tasks waited for one write`);
      this.dropped = 0;
    }
    if (!batch.length) return;
    let created = 0;
    for (let i = 0; i < batch.length; i += CHUNK) {
      const chunk = batch.slice(i, i + CHUNK);
      try {
        created += await this.store.txn(async (tx) => {
          let made = 0;
          for (const b of chunk) {
            const key = eventKey(b.e);
            const prev = await tx.get<LbEvent>(key);
            if (!prev) made++;
            tx.put(key, fold(prev, { ...b.e, count: b.count }, b.first, b.last));
          }
          return made;
        }, EVENTS_ORIGIN);
      } catch (e) {
        this.opts.warn?.(`events: ${chunk.length} event(s) not written: ${(e as Error).message}`);
      }
    }
    if (this.known !== undefined) this.known += created;
    if (this.known === undefined || this.known > this.opts.max) await this.prune();
  }
}
