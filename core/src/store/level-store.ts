// State backend on `level` (the embedded default). Every write is a batch, synced to disk before the
// promise resolves, so a 2xx answer means the change survives a crash. Writes are serialised; each gets
// the next revision, written in the same batch, and is announced to watchers synchronously afterwards.
import { EventEmitter } from 'node:events';
import { Level } from 'level';
import { ReadCache } from './read-cache';
import { Txn } from './txn';
import type { StoreBackend, StoredObject, StoreEvent, StoreOp } from './types';

const REVISION_KEY = '\u0000revision';

export class LevelStore implements StoreBackend {
  private readonly db: Level<string, StoredObject | number>;
  private readonly events = new EventEmitter();
  private chain: Promise<unknown> = Promise.resolve();
  private rev = 0;
  private readonly cache = new ReadCache();

  constructor(readonly path: string) {
    this.db = new Level<string, StoredObject | number>(path, { valueEncoding: 'json' });
    this.events.setMaxListeners(0);
  }

  async open(): Promise<void> {
    await this.db.open();
    this.rev = ((await this.db.get(REVISION_KEY)) as number | undefined) ?? 0;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    await this.db.close();
  }

  get revision(): number {
    return this.rev;
  }

  // Reads go through the read cache (read-cache.ts): each returns objects of its own, parsed from text.
  async get<T extends StoredObject>(key: string): Promise<T | undefined> {
    const hit = this.cache.get(key);
    if (hit) return hit.text === undefined ? undefined : (JSON.parse(hit.text) as T);
    const since = this.cache.generation;
    const text = (await this.db.get(key, { valueEncoding: 'utf8' })) as string | undefined;
    this.cache.keep(key, text, since);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async entries<T extends StoredObject>(prefix: string): Promise<[string, T][]> {
    let scan = this.cache.scan(prefix);
    if (!scan) {
      const since = this.cache.generation;
      const keys: string[] = [];
      const texts: string[] = [];
      for await (const [k, v] of this.db.iterator({ gte: prefix, lt: prefix + '\uffff', valueEncoding: 'utf8' })) {
        keys.push(k);
        texts.push(v as unknown as string);
      }
      this.cache.keepScan(prefix, keys, texts, since);
      scan = { keys, array: `[${texts.join(',')}]` };
    }
    const values = JSON.parse(scan.array) as T[];
    return scan.keys.map((k, i) => [k, values[i]]);
  }

  /**
   * Runs fn with exclusive access and commits its writes atomically (one synced batch).
   * If fn throws, nothing is written.
   */
  txn<R>(fn: (tx: Txn) => Promise<R>, origin?: string): Promise<R> {
    const run = async (): Promise<R> => {
      const tx = new Txn(this, this.rev);
      const result = await fn(tx);
      if (tx.ops.size) await this.commit([...tx.ops.values()], origin);
      return result;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async commit(ops: StoreOp[], origin?: string): Promise<void> {
    const revision = this.rev + 1;
    const prevs = new Map<string, StoredObject | undefined>();
    for (const op of ops) prevs.set(op.key, (await this.db.get(op.key)) as StoredObject | undefined);
    const batch = this.db.batch();
    for (const op of ops) {
      if (op.type === 'put') {
        op.value.meta.revision = revision;
        batch.put(op.key, op.value);
      } else batch.del(op.key);
    }
    batch.put(REVISION_KEY, revision);
    await batch.write({ sync: true });
    this.cache.changed(ops.map((op) => op.key));
    this.rev = revision;
    for (const op of ops) {
      const prev = prevs.get(op.key);
      if (op.type === 'del' && !prev) continue;
      const ev: StoreEvent = { type: op.type, key: op.key, value: op.type === 'put' ? op.value : undefined, prev, revision, origin };
      this.events.emit('change', ev);
    }
  }

  watch(prefix: string, listener: (ev: StoreEvent) => void): () => void {
    const fn = (ev: StoreEvent) => {
      if (ev.key.startsWith(prefix)) listener(ev);
    };
    this.events.on('change', fn);
    return () => this.events.off('change', fn);
  }
}
