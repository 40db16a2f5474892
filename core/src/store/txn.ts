// The buffer of one transaction: reads go to the backend, writes stay here until the backend commits.
import type { StoredObject, StoreOp, StoreReader } from './types';

/** Reads and buffered writes inside one transaction; sees its own writes. */
export class Txn {
  readonly ops = new Map<string, StoreOp>();
  constructor(private readonly reader: StoreReader) {}

  async get<T extends StoredObject>(key: string): Promise<T | undefined> {
    const op = this.ops.get(key);
    if (op) return op.type === 'put' ? (op.value as T) : undefined;
    return this.reader.get<T>(key);
  }

  async list<T extends StoredObject>(prefix: string): Promise<T[]> {
    const base = new Map(await this.reader.entries<T>(prefix));
    for (const [k, op] of this.ops) {
      if (!k.startsWith(prefix)) continue;
      if (op.type === 'put') base.set(k, op.value as T);
      else base.delete(k);
    }
    return [...base.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  }

  put(key: string, value: StoredObject): void {
    this.ops.set(key, { type: 'put', key, value });
  }

  del(key: string): void {
    this.ops.set(key, { type: 'del', key });
  }
}
