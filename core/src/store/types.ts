// What every state backend stores and announces, and the contract a backend keeps.
import type { Txn } from './txn';

export interface StoredObject {
  meta: { revision: number };
}

export type StoreOp = { type: 'put'; key: string; value: StoredObject } | { type: 'del'; key: string };

export interface StoreEvent {
  type: 'put' | 'del';
  key: string;
  value?: StoredObject;
  prev?: StoredObject;
  revision: number;
  /** Who wrote it, when the writer said (e.g. "controller"), so a writer can skip its own changes. */
  origin?: string;
  /** value and prev as the JSON texts stored, when the backend has them: what the change log keeps. */
  text?: { value?: string; prev?: string };
}

/** The reads a transaction makes through its backend. */
export interface StoreReader {
  get<T extends StoredObject>(key: string): Promise<T | undefined>;
  entries<T extends StoredObject>(prefix: string): Promise<[string, T][]>;
}

/**
 * A state backend. Its promises:
 * - txn(fn) runs fn against a consistent view that includes fn's own writes, and commits all of its
 *   writes or none; fn may be run again when a concurrent writer got there first (fn must tolerate that);
 * - every commit takes the next global revision (+1), written into each stored object's meta.revision;
 * - watchers get every commit's changes in revision order, with the previous value and the origin, and a
 *   txn resolves only after its own changes were delivered to this process's watchers.
 */
/** Every key's JSON text at one revision, and the store's schema version (undefined: none written yet). */
export interface StoreDump {
  revision: number;
  schema: number | undefined;
  entries: [string, string][];
}

export interface StoreBackend extends StoreReader {
  /** Which backend it is (named in snapshots). */
  readonly kind: 'level' | 'etcd';
  /** The revision of the last commit this process has announced. */
  readonly revision: number;
  open(): Promise<void>;
  close(): Promise<void>;
  txn<R>(fn: (tx: Txn) => Promise<R>, origin?: string): Promise<R>;
  watch(prefix: string, listener: (ev: StoreEvent) => void): () => void;
  /**
   * Calls listener when the backend missed changes and caught up from a fresh read (the changes it then
   * announces are the difference, not the history); absent: it never does.
   */
  watchResets?(listener: (revision: number) => void): () => void;
  /**
   * The whole state at one revision, from committed (synced) writes only, read without holding up
   * writers; the schema version is read in the same view (snapshot/).
   */
  dump(): Promise<StoreDump>;
  /** Records the schema version (schema.ts); undefined from schemaVersion() before any was written. */
  schemaVersion(): Promise<number | undefined>;
  setSchemaVersion(version: number): Promise<void>;
}
