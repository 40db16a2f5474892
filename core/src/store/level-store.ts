// State backend on `level` (the embedded default). Every write is synced to disk before its promise
// resolves, so a 2xx answer means the change survives a crash. Transactions run one at a time, each
// gets the next revision, and is announced to watchers in revision order once it is on disk.
//
// Group commit: one synced write costs a disk flush, so transactions do not wait for the previous
// one's flush before they run. A transaction runs against the store as it will be once every earlier
// accepted transaction is written (the disk plus the pending writes, `overlay`); its writes join the
// open group, and the open group is written as one synced batch as soon as no other write is in flight.
// A caller is answered only after the batch holding its writes is synced and announced; a transaction
// whose fn throws adds nothing to the group and fails alone.
import { EventEmitter } from 'node:events';
import { Level } from 'level';
import { KeyIndex, withinOneGroup } from './key-index';
import { Overlay } from './overlay';
import { ReadCache } from './read-cache';
import { Txn } from './txn';
import type { StoreBackend, StoreDump, StoredObject, StoreEvent, StoreOp, StoreReader } from './types';

const REVISION_KEY = '\u0000revision';
/** The schema version of the data (schema.ts); like REVISION_KEY it sorts before every object key. */
const SCHEMA_KEY = '\u0000schema';
/** Keys of the store's own bookkeeping, never objects. */
const INTERNAL = '\u0000';
/** Puts a value already encoded as JSON (the db's encoding), as is. */
const UTF8 = { valueEncoding: 'utf8' } as const;

/** One accepted transaction waiting in a group: its writes, their previous values, its revision. */
interface Pending {
  ops: StoreOp[];
  /** Each put's value as JSON, made once when accepted: what later txns read and what goes to disk. */
  json: (string | undefined)[];
  /** Each key's value before, as JSON: parsed for the announcement, kept as text by the change log. */
  prevs: (string | undefined)[];
  revision: number;
  origin?: string;
}

/** Transactions written together in one synced batch; done settles once it is written and announced. */
interface Group {
  txns: Pending[];
  done: Promise<void>;
  settle: (err?: unknown) => void;
}

export class LevelStore implements StoreBackend {
  readonly kind = 'level' as const;
  private readonly db: Level<string, StoredObject | number>;
  private readonly events = new EventEmitter();
  /** Serialises the transactions' fn (their validation), not their disk writes. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Last revision announced (on disk) and last revision given to an accepted transaction. */
  private rev = 0;
  private nextRev = 0;
  /** Accepted but not yet written: the latest write per key as JSON (reads get fresh copies, as from disk). */
  private readonly overlay = new Overlay<Group>();
  private open_?: Group;
  private inflight?: Group;
  /** Bumped when a batch fails: transactions validated against the lost writes fail too. */
  private epoch = 0;
  /** Disk texts only (never the overlay): dropped for a group's keys once its batch is on disk. */
  private readonly cache = new ReadCache();
  /** Which keys exist under a prefix (disk only, like the cache): a create's "is the name free" needs no disk read. */
  private readonly index = new KeyIndex();

  constructor(readonly path: string) {
    this.db = new Level<string, StoredObject | number>(path, { valueEncoding: 'json' });
    this.events.setMaxListeners(0);
  }

  async open(): Promise<void> {
    await this.db.open();
    this.rev = this.nextRev = ((await this.db.get(REVISION_KEY)) as number | undefined) ?? 0;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    while (this.inflight || this.open_) await (this.inflight ?? this.open_)!.done.catch(() => undefined);
    await this.db.close();
  }

  get revision(): number {
    return this.rev;
  }

  // Reads go through the read cache (read-cache.ts): each returns objects of its own, parsed from text.
  async get<T extends StoredObject>(key: string): Promise<T | undefined> {
    const text = await this.text(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /** A key's JSON text on disk: from the cache, the key index (absent), or LevelDB. */
  private async text(key: string): Promise<string | undefined> {
    const hit = this.cache.get(key);
    if (hit) return hit.text;
    if (this.index.absent(key)) return undefined;
    const since = this.cache.generation;
    const text = (await this.db.get(key, UTF8)) as string | undefined;
    this.cache.keep(key, text, since);
    // Looked for and not there (a create checking its name): the next such look in its group needs no disk.
    if (text === undefined) this.loadIndex(key);
    return text;
  }

  /** Starts loading the key index of the group that holds a key or prefix (key-index.ts). */
  private loadIndex(keyOrPrefix: string): void {
    this.index.load(keyOrPrefix, async (group) => {
      const keys: string[] = [];
      for await (const k of this.db.keys({ gte: group, lt: group + '\uffff' })) keys.push(k);
      return keys;
    });
  }

  async entries<T extends StoredObject>(prefix: string): Promise<[string, T][]> {
    let scan = this.cache.scan(prefix);
    if (!scan && this.index.emptyUnder(prefix)) {
      // Nothing there (a new service's pods): kept like a scan, so the commits that add keys update it.
      this.cache.keepScan(prefix, [], [], this.cache.generation);
      return [];
    }
    if (!scan) {
      if (withinOneGroup(prefix)) this.loadIndex(prefix);
      const since = this.cache.generation;
      const keys: string[] = [];
      const texts: string[] = [];
      for await (const [k, v] of this.db.iterator({ gte: prefix, lt: prefix + '\uffff', valueEncoding: 'utf8' })) {
        keys.push(k);
        texts.push(v as unknown as string);
      }
      this.cache.keepScan(prefix, keys, texts, since);
      scan = { keys, texts };
    }
    // One parse for the whole scan.
    const values = JSON.parse(`[${scan.texts.join(',')}]`) as T[];
    return scan.keys.map((k, i) => [k, values[i]]);
  }

  /**
   * What a transaction reads: the disk with the accepted, not yet written writes over it. seen keeps the
   * text of each key it read: still that key's value when the transaction is accepted (transactions run
   * one at a time), so its previous value needs no second read.
   */
  private viewFor(seen: Map<string, string | undefined>): StoreReader {
    return {
      get: async <T extends StoredObject>(key: string): Promise<T | undefined> => {
        const o = this.overlay.get(key);
        const text = o ? o.json : await this.text(key);
        seen.set(key, text);
        return text === undefined ? undefined : (JSON.parse(text) as T);
      },
      entries: <T extends StoredObject>(prefix: string) => this.viewEntries<T>(prefix),
    };
  }

  private async viewEntries<T extends StoredObject>(prefix: string): Promise<[string, T][]> {
    // Taken before reading the disk: a batch written meanwhile leaves the overlay but may miss the read.
    const pending = this.overlay.under(prefix);
    const disk = await this.entries<T>(prefix);
    if (!pending.length) return disk;
    const m = new Map(disk);
    for (const [k, json] of pending) {
      if (json === undefined) m.delete(k);
      else m.set(k, JSON.parse(json) as T);
    }
    return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  }

  /**
   * Runs fn with exclusive access against every earlier accepted write and commits its writes
   * atomically; resolves once they are synced to disk and announced. If fn throws, nothing is written.
   */
  txn<R>(fn: (tx: Txn) => Promise<R>, origin?: string): Promise<R> {
    let wait: Promise<void> | undefined;
    const run = async (): Promise<R> => {
      const epoch = this.epoch;
      const seen = new Map<string, string | undefined>();
      const tx = new Txn(this.viewFor(seen), this.nextRev);
      const result = await fn(tx);
      if (epoch !== this.epoch) throw new Error('store write failed before this transaction was written');
      wait = (tx.ops.size ? await this.accept([...tx.ops.values()], seen, origin) : (this.open_ ?? this.inflight))?.done;
      return result;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    // Answered after its batch (or, read-only, the last batch its view included) is on disk.
    return p.then(async (r) => (await wait, r));
  }

  /** Adds a validated transaction to the open group, which it returns. */
  private async accept(ops: StoreOp[], seen: ReadonlyMap<string, string | undefined>, origin?: string): Promise<Group> {
    const epoch = this.epoch;
    const prevs = await this.before(ops.map((op) => op.key), seen);
    if (epoch !== this.epoch) throw new Error('store write failed before this transaction was written');
    const revision = ++this.nextRev;
    const group = (this.open_ ??= newGroup());
    const json = ops.map((op) => {
      if (op.type !== 'put') return undefined;
      op.value.meta.revision = revision;
      return JSON.stringify(op.value);
    });
    ops.forEach((op, i) => this.overlay.set(op.key, json[i], group));
    group.txns.push({ ops, json, revision, prevs, origin });
    if (!this.inflight) void this.flush();
    return group;
  }

  /** The texts of keys before the transaction being accepted: as it read them, else overlay, else the disk in one read. */
  private async before(keys: string[], seen: ReadonlyMap<string, string | undefined>): Promise<(string | undefined)[]> {
    const out: (string | undefined)[] = [];
    const missing: number[] = [];
    keys.forEach((k, i) => {
      const o = this.overlay.get(k);
      if (seen.has(k)) out[i] = seen.get(k);
      else if (o) out[i] = o.json;
      else if (this.index.absent(k)) out[i] = undefined;
      else missing.push(i);
    });
    if (missing.length) {
      const got = await this.db.getMany(missing.map((i) => keys[i]), UTF8);
      missing.forEach((i, j) => (out[i] = got[j] as unknown as string | undefined));
    }
    return out;
  }

  /** Writes the open group as one synced batch, announces it, then the next group if one formed meanwhile. */
  private async flush(): Promise<void> {
    while (this.open_ && !this.inflight) {
      const group = (this.inflight = this.open_);
      this.open_ = undefined;
      const last = group.txns[group.txns.length - 1].revision;
      try {
        const batch = this.db.batch();
        for (const t of group.txns) t.ops.forEach((op, i) => (op.type === 'put' ? batch.put(op.key, t.json[i] as unknown as StoredObject, UTF8) : batch.del(op.key)));
        batch.put(REVISION_KEY, last);
        await batch.write({ sync: true });
      } catch (err) {
        // Nothing of this group is on disk, and the open group was validated against it: both fail.
        this.epoch++;
        const lost = [group, ...(this.open_ ? [this.open_] : [])];
        this.open_ = this.inflight = undefined;
        this.overlay.clear();
        this.nextRev = this.rev;
        for (const g of lost) g.settle(err);
        return;
      }
      // On disk now: the cache takes the texts written before anyone can read again (no await between
      // here and the announcements). A failed batch never reaches this, so the cache (disk texts only)
      // never holds a write that was rolled back.
      const writes = group.txns.flatMap((t) => t.ops.map((op, i) => ({ key: op.key, text: t.json[i] })));
      this.cache.changed(writes);
      this.index.changed(writes.map((w) => ({ key: w.key, present: w.text !== undefined })));
      this.overlay.written(group);
      this.inflight = undefined;
      this.rev = last;
      for (const t of group.txns) this.announce(t);
      group.settle();
    }
  }

  private announce(t: Pending): void {
    t.ops.forEach((op, i) => {
      const prevText = t.prevs[i];
      if (op.type === 'del' && prevText === undefined) return;
      const prev = prevText === undefined ? undefined : (JSON.parse(prevText) as StoredObject);
      const value = op.type === 'put' ? op.value : undefined;
      const ev: StoreEvent = { type: op.type, key: op.key, value, prev, revision: t.revision, origin: t.origin, text: { value: t.json[i], prev: prevText } };
      this.events.emit('change', ev);
    });
  }

  watch(prefix: string, listener: (ev: StoreEvent) => void): () => void {
    const fn = (ev: StoreEvent) => {
      if (ev.key.startsWith(prefix)) listener(ev);
    };
    this.events.on('change', fn);
    return () => this.events.off('change', fn);
  }

  /**
   * One LevelDB iterator reads from an implicit snapshot taken when it is made, and a group's batch
   * (its objects and REVISION_KEY) is applied atomically, after its sync: what the iterator sees is
   * exactly one revision's state, synced writes only. The overlay (accepted, not yet written) and the
   * read cache are not consulted, and no transaction waits for the dump.
   */
  async dump(): Promise<StoreDump> {
    let revision = 0;
    let schema: number | undefined;
    const entries: [string, string][] = [];
    for await (const [k, v] of this.db.iterator({ valueEncoding: 'utf8' })) {
      const text = v as unknown as string;
      if (k === REVISION_KEY) revision = Number(text);
      else if (k === SCHEMA_KEY) schema = Number(text);
      else if (!k.startsWith(INTERNAL)) entries.push([k, text]);
    }
    return { revision, schema, entries };
  }

  async schemaVersion(): Promise<number | undefined> {
    return (await this.db.get(SCHEMA_KEY)) as number | undefined;
  }

  async setSchemaVersion(version: number): Promise<void> {
    await this.db.put(SCHEMA_KEY, version, { sync: true });
  }

  /**
   * Writes a dump into this store, which must be empty (a new data dir): objects, revision and schema in
   * one synced batch, so a crash leaves all of it or nothing.
   */
  async load(d: StoreDump): Promise<void> {
    for await (const k of this.db.keys({ limit: 1 })) throw new Error(`the state store in ${this.path} is not empty (has ${JSON.stringify(k)})`);
    const batch = this.db.batch();
    for (const [k, text] of d.entries) batch.put(k, text as unknown as StoredObject, UTF8);
    batch.put(REVISION_KEY, d.revision);
    if (d.schema !== undefined) batch.put(SCHEMA_KEY, d.schema);
    await batch.write({ sync: true });
    this.rev = this.nextRev = d.revision;
  }
}

function newGroup(): Group {
  let settle!: (err?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
  done.catch(() => undefined); // a failed group is reported to its callers, not as unhandled
  return { txns: [], done, settle };
}
