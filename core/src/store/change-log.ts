// The bounded change log that lets a watch resume: the last `capacity` changes this process has seen,
// in revision order. A watcher that saw everything up to revision r gets exactly the changes after r,
// then the live ones; one whose r is older than the log keeps (r < floor) must list again (resync).
// It lives in memory: after a restart the log starts at the store's revision, and older revisions
// resync. Under etcd every server feeds its own log from etcd's watch, so any server can resume any
// client; a watch that etcd cancelled and the backend caught up from a fresh read is a gap, and the log
// starts again after it (reset). It keeps each change's value and previous value as the JSON texts the
// backend stored (level's read cache holds the same strings) and parses them only for a watch that
// resumes: as objects, 10,000 changes of pods held ~20,000 parsed pods, most of a server's live heap
// after a burst.
import type { StoredObject, StoreEvent } from './types';

export type ChangeListener = (ev: StoreEvent) => void;

/** A subscription from a revision: stop ends it; gone says the revision is older than the log keeps. */
export type Subscription = { stop: () => void } | { gone: true; floor: number; revision: number };

export const DEFAULT_CHANGE_LOG = 10_000;

/** A change as the log keeps it: its value and previous value as JSON texts. */
interface Kept {
  type: StoreEvent['type'];
  key: string;
  revision: number;
  origin?: string;
  value?: string;
  prev?: string;
}

const texts = (o: StoredObject | undefined): string | undefined => (o === undefined ? undefined : JSON.stringify(o));
const parsed = (t: string | undefined): StoredObject | undefined => (t === undefined ? undefined : (JSON.parse(t) as StoredObject));

function keep(ev: StoreEvent): Kept {
  const kept: Kept = { type: ev.type, key: ev.key, revision: ev.revision, value: ev.text ? ev.text.value : texts(ev.value), prev: ev.text ? ev.text.prev : texts(ev.prev) };
  if (ev.origin !== undefined) kept.origin = ev.origin;
  return kept;
}

function replayed(k: Kept): StoreEvent {
  return { type: k.type, key: k.key, revision: k.revision, value: parsed(k.value), prev: parsed(k.prev), text: { value: k.value, prev: k.prev }, ...(k.origin === undefined ? {} : { origin: k.origin }) };
}

export class ChangeLog {
  /**
   * Kept changes are entries[head..]. The slots before head are emptied as changes drop out (their texts
   * are old versions nothing else holds: up to `capacity` of them would otherwise stay until the cut),
   * and cut off now and then (amortised).
   */
  private entries: (Kept | undefined)[] = [];
  private head = 0;
  private readonly live = new Set<{ prefix: string; from: number; listener: ChangeListener }>();
  private latest: number;

  /** floor: the revision the log starts after (the store's revision when it opened). */
  constructor(
    private floorRev: number,
    readonly capacity = DEFAULT_CHANGE_LOG,
  ) {
    this.latest = floorRev;
  }

  /** The oldest revision a watcher may resume from: it gets every change after it. */
  get floor(): number {
    return this.floorRev;
  }

  /** The newest revision the log has seen. */
  get revision(): number {
    return this.latest;
  }

  /** Keeps a change and hands it to the live subscribers. A backend announces changes in revision order. */
  record(ev: StoreEvent): void {
    this.latest = Math.max(this.latest, ev.revision);
    this.entries.push(keep(ev));
    if (this.entries.length - this.head > this.capacity) this.trim();
    for (const s of [...this.live]) if (ev.revision > s.from && ev.key.startsWith(s.prefix)) s.listener(ev);
  }

  /** Whole commits go: a watcher may resume after any kept revision and misses none of its changes. */
  private trim(): void {
    let drop = this.entries.length - this.capacity;
    // Round up to the end of the commit the cut falls in.
    while (drop < this.entries.length && this.entries[drop]!.revision === this.entries[drop - 1]!.revision) drop++;
    this.floorRev = this.entries[drop - 1]!.revision;
    this.entries.fill(undefined, this.head, drop);
    this.head = drop;
    if (this.head > this.capacity) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** A gap (the backend caught up after missing changes): nothing before revision is known any more. */
  reset(revision: number): void {
    this.entries = [];
    this.head = 0;
    this.floorRev = Math.max(this.floorRev, revision);
    this.latest = Math.max(this.latest, revision);
  }

  /**
   * Calls listener with every change under prefix after revision `from`: first those the log keeps,
   * then each new one as it is recorded, until stop(). Both happen in one turn, so none is missed or
   * repeated. A `from` older than the floor is gone: the caller lists again.
   */
  subscribe(prefix: string, from: number, listener: ChangeListener): Subscription {
    if (from < this.floorRev) return { gone: true, floor: this.floorRev, revision: this.latest };
    for (let i = this.head; i < this.entries.length; i++) {
      const k = this.entries[i]!;
      if (k.revision > from && k.key.startsWith(prefix)) listener(replayed(k));
    }
    const s = { prefix, from, listener };
    this.live.add(s);
    return { stop: () => this.live.delete(s) };
  }
}
