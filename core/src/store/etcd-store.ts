// State backend on etcd, shared by several `lb server`s. Same semantics as the level backend:
// - a transaction reads one etcd snapshot and commits with a Txn that compares the revision counter's
//   mod revision, so any other commit in between (from any server) makes it retry fn on a fresh view:
//   commits are serialisable and the global revision grows by exactly 1 per commit;
// - the counter value carries the new revision and the writer's origin, in the same etcd Txn as the data;
// - watchers are fed from one etcd watch on the prefix (with previous values), so every server sees
//   every server's writes in revision order, and a txn resolves only once its own events were delivered
//   here (as the level backend emits synchronously after its commit);
// - a watch that etcd cancels (its next revision was compacted away, e.g. after a long partition from
//   etcd while others wrote and an auto-compaction ran) is caught up from a fresh read: the difference
//   to a mirror of every key's value goes out as ordinary events, then the watch resumes after it.
//   The mirror also supplies previous values etcd no longer has. Its cost is one copy of the state.
import { EventEmitter } from 'node:events';
import type { IEvent, IOperation, IWatchResponse, Namespace, Watcher } from 'etcd3';
import { LbError } from '@lastbackend/sdk';
import { Txn } from './txn';
import type { StoreBackend, StoreDump, StoredObject, StoreEvent, StoreReader } from './types';

/** Holds the global revision and the last writer's origin; sorts before every object key. */
const COUNTER = '\u0000revision';
/** The schema version of the data (schema.ts); keys starting with NUL are bookkeeping, never objects. */
const SCHEMA = '\u0000schema';
const INTERNAL = '\u0000';

interface Counter {
  revision: number;
  origin?: string;
}

export interface EtcdStoreOptions {
  /** Tries of a transaction that keeps losing to concurrent writers before it fails (UNAVAILABLE). */
  maxAttempts?: number;
  /** How long a committed txn waits for its own events to come back through the watch. */
  deliveryTimeoutMs?: number;
  warn?: (msg: string) => void;
}

export class EtcdStore implements StoreBackend {
  readonly kind = 'etcd' as const;
  private readonly events = new EventEmitter();
  private chain: Promise<unknown> = Promise.resolve();
  private rev = 0;
  /** The etcd revision up to which watch events were delivered here. */
  private delivered = 0;
  /** The commit whose events are being delivered (its events may span watch responses). */
  private current = { etcdRev: 0, revision: 0, origin: undefined as string | undefined };
  private waiters: { etcdRev: number; done: () => void }[] = [];
  private watcher?: Watcher;
  private closed = false;
  /** Every key's value (JSON text) as delivered to watchers so far. */
  private readonly mirror = new Map<string, string>();
  /** The etcd revision of the last fresh read: watch events up to it are already in the mirror. */
  private readAt = 0;
  private catchingUp?: Promise<void>;

  /** ns: the etcd client narrowed to this cluster's prefix (client.namespace(prefix)); its owner closes it. */
  constructor(
    private readonly ns: Namespace,
    private readonly opts: EtcdStoreOptions = {},
  ) {
    this.events.setMaxListeners(0);
  }

  async open(): Promise<void> {
    await this.readAll(false);
    await this.startWatch();
  }

  /** Watches everything after the revision delivered so far; a cancelled watch is caught up. */
  private async startWatch(): Promise<void> {
    const watcher = await etcd('watch', () => this.ns.watch().prefix('').withPreviousKV().startRevision(String(this.delivered + 1)).create());
    this.watcher = watcher;
    watcher.on('data', (res: IWatchResponse) => this.onWatch(res));
    // etcd3 reconnects a broken stream by itself; 'error' means etcd cancelled this watch for good.
    watcher.on('error', (e: Error) => {
      if (this.watcher !== watcher || this.closed) return;
      this.watcher = undefined; // etcd dropped it already: a cancel would wait for an answer that never comes
      // etcd does this when the next revision the watch needs was compacted away.
      this.opts.warn?.(`etcd watch cancelled by etcd (${e.message}); catching up from a fresh read`);
      this.catchingUp ??= this.catchUp().finally(() => (this.catchingUp = undefined));
    });
  }

  private async catchUp(): Promise<void> {
    for (let delay = 100; !this.closed; delay = Math.min(delay * 2, 5000)) {
      try {
        await this.readAll(true);
        await this.startWatch();
        return;
      } catch (e) {
        this.opts.warn?.(`etcd watch: catching up failed (${(e as Error).message}); trying again in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /**
   * Reads every key at one revision into the mirror. With emit, each difference to the mirror goes to
   * watchers as a put or del at the counter's revision, as if the missed writes came as one.
   */
  private async readAll(emit: boolean): Promise<void> {
    const res = await etcd('list', () => this.ns.getAll().prefix('').exec());
    const counter = res.kvs.find((kv) => kv.key.toString() === COUNTER);
    const c: Counter = counter ? parseCounter(counter.value) : { revision: 0 };
    this.rev = Math.max(this.rev, c.revision);
    const at = { revision: this.rev, ...(c.origin === undefined ? {} : { origin: c.origin }) };
    // A gap: change logs (change-log.ts) cannot say what happened in it, so they start again after it.
    if (emit) this.events.emit('reset', this.rev);
    const seen = new Set<string>();
    for (const kv of res.kvs) {
      const key = kv.key.toString();
      if (key.startsWith(INTERNAL)) continue;
      seen.add(key);
      const text = kv.value.toString();
      const old = this.mirror.get(key);
      if (old === text) continue;
      this.mirror.set(key, text);
      if (emit) this.emitParsed(key, { type: 'put', value: text, prev: old, ...at });
    }
    for (const [key, old] of this.mirror) {
      if (seen.has(key)) continue;
      this.mirror.delete(key);
      if (emit) this.emitParsed(key, { type: 'del', prev: old, ...at });
    }
    this.readAt = Number(res.header.revision);
    this.delivered = Math.max(this.delivered, this.readAt);
    this.wakeWaiters();
  }

  /** One event from JSON texts; a value that is not JSON is someone else's key under the prefix. */
  private emitParsed(key: string, e: { type: 'put' | 'del'; value?: string; prev?: string; revision: number; origin?: string }): void {
    try {
      const ev: StoreEvent = {
        type: e.type,
        key,
        value: e.value === undefined ? undefined : (JSON.parse(e.value) as StoredObject),
        prev: e.prev === undefined ? undefined : (JSON.parse(e.prev) as StoredObject),
        revision: e.revision,
        ...(e.origin === undefined ? {} : { origin: e.origin }),
        text: { value: e.value, prev: e.prev },
      };
      this.events.emit('change', ev);
    } catch (err) {
      this.opts.warn?.(`etcd watch: skipped ${key}: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.catchingUp;
    await this.chain.catch(() => undefined);
    await this.watcher?.cancel().catch(() => undefined);
    for (const w of this.waiters.splice(0)) w.done();
  }

  get revision(): number {
    return this.rev;
  }

  get<T extends StoredObject>(key: string): Promise<T | undefined> {
    return this.reader().get<T>(key);
  }

  entries<T extends StoredObject>(prefix: string): Promise<[string, T][]> {
    return this.reader().entries<T>(prefix);
  }

  /** Reads at one etcd revision (a consistent snapshot), or the newest when none is given. */
  private reader(at?: string): StoreReader {
    return {
      get: async <T extends StoredObject>(key: string) => {
        const q = this.ns.get(key);
        if (at) q.revision(at);
        const res = await etcd('read', () => q.exec());
        return res.kvs[0] ? (JSON.parse(res.kvs[0].value.toString()) as T) : undefined;
      },
      entries: async <T extends StoredObject>(prefix: string) => {
        const q = this.ns.getAll().prefix(prefix);
        if (at) q.revision(at);
        const res = await etcd('list', () => q.exec());
        return res.kvs
          .filter((kv) => !kv.key.toString().startsWith(INTERNAL))
          .map((kv): [string, T] => [kv.key.toString(), JSON.parse(kv.value.toString()) as T]);
      },
    };
  }

  /** Runs txns of this process one at a time (as level does), each retried on conflicts with other servers. */
  txn<R>(fn: (tx: Txn) => Promise<R>, origin?: string): Promise<R> {
    const run = () => this.attempts(fn, origin);
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async attempts<R>(fn: (tx: Txn) => Promise<R>, origin?: string): Promise<R> {
    const max = this.opts.maxAttempts ?? 100;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new LbError('UNAVAILABLE', 'the state store is closed');
      const head = await etcd('read the revision', () => this.ns.get(COUNTER).exec());
      const counter = head.kvs[0];
      const base = counter ? parseCounter(counter.value).revision : 0;
      const tx = new Txn(this.reader(head.header.revision), base);
      const result = await fn(tx);
      if (!tx.ops.size) return result;

      const revision = base + 1;
      const next: Counter = origin === undefined ? { revision } : { revision, origin };
      // The counter goes first, so its event precedes the data's in the watch.
      const ops: IOperation[] = [this.ns.put(COUNTER).value(JSON.stringify(next))];
      for (const op of tx.ops.values()) {
        if (op.type === 'put') {
          op.value.meta.revision = revision;
          ops.push(this.ns.put(op.key).value(JSON.stringify(op.value)));
        } else ops.push(this.ns.delete().key(op.key));
      }
      const guard = counter ? this.ns.if(COUNTER, 'Mod', '==', counter.mod_revision) : this.ns.if(COUNTER, 'Create', '==', 0);
      const res = await etcd('commit', () => guard.then(...ops).commit());
      if (res.succeeded) {
        await this.deliveredUpTo(Number(res.header.revision));
        return result;
      }
      if (attempt >= max) throw new LbError('UNAVAILABLE', `state store: gave up after ${max} conflicting attempts`, { fix: 'retry the request' });
      await new Promise((r) => setTimeout(r, Math.min(200, 2 * attempt) * Math.random()));
    }
  }

  /** Resolves once the watch delivered etcd revision etcdRev here (bounded: a lagging watch does not block writers). */
  private deliveredUpTo(etcdRev: number): Promise<void> {
    if (this.delivered >= etcdRev || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.opts.warn?.(`etcd watch lags: revision ${etcdRev} not seen after ${this.opts.deliveryTimeoutMs ?? 10_000} ms`);
        done();
      }, this.opts.deliveryTimeoutMs ?? 10_000);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ etcdRev, done });
    });
  }

  private onWatch(res: IWatchResponse): void {
    for (const ev of res.events) this.onEvent(ev);
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const ready = this.waiters.filter((w) => w.etcdRev <= this.delivered);
    if (ready.length) this.waiters = this.waiters.filter((w) => w.etcdRev > this.delivered);
    for (const w of ready) w.done();
  }

  private onEvent(ev: IEvent): void {
    const etcdRev = Number(ev.kv.mod_revision);
    const key = ev.kv.key.toString();
    if (key === COUNTER) {
      if (ev.type === 'Put') {
        const c = parseCounter(ev.kv.value);
        this.current = { etcdRev, revision: c.revision, origin: c.origin };
        this.rev = Math.max(this.rev, c.revision);
      }
    } else if (key.startsWith(INTERNAL)) {
      // the schema version: not an object
    } else if (etcdRev > this.readAt) {
      // Not already caught up by a fresh read. A write made outside lb carries no counter: it keeps
      // the current revision.
      const { revision, origin } = this.current.etcdRev === etcdRev ? this.current : { revision: this.rev, origin: undefined };
      const prev = this.mirror.get(key) ?? ev.prev_kv?.value.toString();
      const value = ev.type === 'Put' ? ev.kv.value.toString() : undefined;
      if (value === undefined) this.mirror.delete(key);
      else this.mirror.set(key, value);
      this.emitParsed(key, { type: value === undefined ? 'del' : 'put', value, prev, revision, ...(origin === undefined ? {} : { origin }) });
    }
    this.delivered = Math.max(this.delivered, etcdRev);
  }

  /** One range read: etcd answers it at a single revision, so the counter and the objects agree. */
  async dump(): Promise<StoreDump> {
    const res = await etcd('read the whole state', () => this.ns.getAll().prefix('').exec());
    let revision = 0;
    let schema: number | undefined;
    const entries: [string, string][] = [];
    for (const kv of res.kvs) {
      const key = kv.key.toString();
      if (key === COUNTER) revision = parseCounter(kv.value).revision;
      else if (key === SCHEMA) schema = Number(kv.value.toString());
      else if (!key.startsWith(INTERNAL)) entries.push([key, kv.value.toString()]);
    }
    return { revision, schema, entries };
  }

  async schemaVersion(): Promise<number | undefined> {
    const v = await etcd('read the schema version', () => this.ns.get(SCHEMA).string());
    return v === null ? undefined : Number(v);
  }

  async setSchemaVersion(version: number): Promise<void> {
    await etcd('write the schema version', () => this.ns.put(SCHEMA).value(String(version)).exec());
  }

  /** Calls listener with the revision a catch-up after a cancelled watch brought (see the top). */
  watchResets(listener: (revision: number) => void): () => void {
    this.events.on('reset', listener);
    return () => this.events.off('reset', listener);
  }

  watch(prefix: string, listener: (ev: StoreEvent) => void): () => void {
    const fn = (ev: StoreEvent) => {
      if (ev.key.startsWith(prefix)) listener(ev);
    };
    this.events.on('change', fn);
    return () => this.events.off('change', fn);
  }
}

function parseCounter(value: Buffer): Counter {
  return JSON.parse(value.toString()) as Counter;
}

/** etcd failures become UNAVAILABLE, so the API answers 503 and clients may try another server. */
async function etcd<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const msg = (e as Error).message;
    // Limits of the etcd server are not outages: say which flag to raise.
    if (/too many operations in txn/i.test(msg))
      throw new LbError('FAILED_PRECONDITION', `state store (etcd): cannot ${what}: ${msg}`, { fix: 'start etcd with a larger --max-txn-ops (e.g. 1024)' });
    if (/request is too large/i.test(msg))
      throw new LbError('FAILED_PRECONDITION', `state store (etcd): cannot ${what}: ${msg}`, { fix: 'start etcd with a larger --max-request-bytes' });
    throw new LbError('UNAVAILABLE', `state store (etcd): cannot ${what}: ${msg}`, { fix: 'check that etcd is up and reachable' });
  }
}
