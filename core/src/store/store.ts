// The state store the rest of the code uses. It delegates to a backend: `level` in the data dir (the
// embedded default; `new Store(dir)`) or etcd shared by several servers (`new Store(new EtcdStore(...))`).
// Both keep the same semantics (see StoreBackend), so callers do not know which one runs.
// Every operation through here is timed, by operation and outcome (lb_store_operation_duration_seconds).
import { since, type HistogramChild } from '../metrics/fast';
import { storeOperations } from '../metrics/metrics';
import { ChangeLog, DEFAULT_CHANGE_LOG, type ChangeListener, type Subscription } from './change-log';
import { LevelStore } from './level-store';
import { Txn } from './txn';
import type { StoreBackend, StoredObject, StoreEvent } from './types';

export { Txn } from './txn';
export type { StoreBackend, StoredObject, StoreEvent, StoreOp } from './types';
export type { Subscription } from './change-log';

export interface StoreOptions {
  /** Changes kept for watches to resume from (change-log.ts); default 10 000. */
  changeLog?: number;
}

export class Store {
  readonly backend: StoreBackend;
  private log?: ChangeLog;
  private unfeed: (() => void)[] = [];

  /** A path opens a level store there; anything else is used as the backend. */
  constructor(
    where: string | StoreBackend,
    private readonly opts: StoreOptions = {},
  ) {
    this.backend = typeof where === 'string' ? new LevelStore(where) : where;
  }

  async open(): Promise<void> {
    await this.backend.open();
    const log = new ChangeLog(this.backend.revision, this.opts.changeLog ?? DEFAULT_CHANGE_LOG);
    this.unfeed = [this.backend.watch('', (ev) => log.record(ev)), ...(this.backend.watchResets ? [this.backend.watchResets((rev) => log.reset(rev))] : [])];
    this.log = log;
  }

  async close(): Promise<void> {
    for (const stop of this.unfeed.splice(0)) stop();
    await this.backend.close();
  }

  /** The revision of the last commit announced to this process's watchers. */
  get revision(): number {
    return this.backend.revision;
  }

  get<T extends StoredObject>(key: string): Promise<T | undefined> {
    return timed(OPS.get, performance.now(), this.backend.get<T>(key));
  }

  entries<T extends StoredObject>(prefix: string): Promise<[string, T][]> {
    return timed(OPS.entries, performance.now(), this.backend.entries<T>(prefix));
  }

  async list<T extends StoredObject>(prefix: string): Promise<T[]> {
    return (await this.entries<T>(prefix)).map(([, v]) => v);
  }

  /**
   * Runs fn and commits its writes atomically; if fn throws, nothing is written. fn sees its own writes
   * and may run more than once (etcd retries it when another writer committed first).
   */
  txn<R>(fn: (tx: Txn) => Promise<R>, origin?: string): Promise<R> {
    return timed(OPS.txn, performance.now(), this.backend.txn(fn, origin));
  }

  /** Keys and values under prefix and the revision they are at, read in one consistent view. */
  snapshot<T extends StoredObject>(prefix: string): Promise<{ revision: number; entries: [string, T][] }> {
    return this.backend.txn(async (tx) => ({ revision: tx.revision, entries: await tx.entries<T>(prefix) }));
  }

  /** The oldest revision changesSince can start from. */
  get changeFloor(): number {
    if (!this.log) throw new Error('the store is not open');
    return this.log.floor;
  }

  /**
   * Every change under prefix after revision `from`, from the change log, then live ones, until
   * stop(); or gone, when `from` is older than the log keeps (the caller lists again).
   */
  changesSince(prefix: string, from: number, listener: ChangeListener): Subscription {
    if (!this.log) throw new Error('the store is not open');
    return this.log.subscribe(prefix, from, listener);
  }

  /** Calls listener for every change under prefix until the returned function is called. */
  watch(prefix: string, listener: (ev: StoreEvent) => void): () => void {
    return this.backend.watch(prefix, listener);
  }
}

const op = (name: string) => ({ ok: storeOperations.labels(name, 'ok'), error: storeOperations.labels(name, 'error') });
const OPS = { get: op('get'), entries: op('entries'), txn: op('txn') };

/** The operation's promise, its latency and outcome recorded when it settles. */
function timed<R>(o: { ok: HistogramChild; error: HistogramChild }, start: number, p: Promise<R>): Promise<R> {
  p.then(
    () => o.ok.observe(since(start)),
    () => o.error.observe(since(start)),
  );
  return p;
}
