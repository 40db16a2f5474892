// The buffer of one transaction: reads go to the backend, writes stay here until the backend commits.
import type { StoredObject, StoreOp, StoreReader } from './types';

/** Reads and buffered writes inside one transaction; sees its own writes. */
export class Txn {
  readonly ops = new Map<string, StoreOp>();
  /** reader: the consistent view the transaction reads; revision: the last commit that view includes. */
  constructor(
    private readonly reader: StoreReader,
    readonly revision = 0,
  ) {}

  async get<T extends StoredObject>(key: string): Promise<T | undefined> {
    const op = this.ops.get(key);
    if (op) return op.type === 'put' ? (op.value as T) : undefined;
    return this.reader.get<T>(key);
  }

  async list<T extends StoredObject>(prefix: string): Promise<T[]> {
    return (await this.entries<T>(prefix)).map(([, v]) => v);
  }

  /** Keys and values under prefix, in key order, with this transaction's writes. */
  async entries<T extends StoredObject>(prefix: string): Promise<[string, T][]> {
    const base = new Map(await this.reader.entries<T>(prefix));
    for (const [k, op] of this.ops) {
      if (!k.startsWith(prefix)) continue;
      if (op.type === 'put') base.set(k, op.value as T);
      else base.delete(k);
    }
    return [...base.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  }

  put(key: string, value: StoredObject): void {
    this.ops.set(key, { type: 'put', key, value });
  }

  del(key: string): void {
    this.ops.set(key, { type: 'del', key });
  }
}
