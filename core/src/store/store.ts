// The state store the rest of the code uses. It delegates to a backend: `level` in the data dir (the
// embedded default; `new Store(dir)`) or etcd shared by several servers (`new Store(new EtcdStore(...))`).
// Both keep the same semantics (see StoreBackend), so callers do not know which one runs.
// Every operation through here is timed, by operation and outcome (lb_store_operation_duration_seconds).
import { since, type HistogramChild } from '../metrics/fast';
import { storeOperations } from '../metrics/metrics';
import { LevelStore } from './level-store';
import { Txn } from './txn';
import type { StoreBackend, StoredObject, StoreEvent } from './types';

export { Txn } from './txn';
export type { StoreBackend, StoredObject, StoreEvent, StoreOp } from './types';

export class Store {
  readonly backend: StoreBackend;

  /** A path opens a level store there; anything else is used as the backend. */
  constructor(where: string | StoreBackend) {
    this.backend = typeof where === 'string' ? new LevelStore(where) : where;
  }

  open(): Promise<void> {
    return this.backend.open();
  }

  close(): Promise<void> {
    return this.backend.close();
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
