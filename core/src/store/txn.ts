// The buffer of one transaction: reads go to the backend, writes stay here until the backend commits.
import type { StoredObject, StoreOp, StoreReader } from './types';
import { lowerBound } from '../util/lower-bound';

const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);

/** Reads and buffered writes inside one transaction; sees its own writes. */
export class Txn {
  readonly ops = new Map<string, StoreOp>();
  /**
   * The keys of ops, sorted: a list finds the writes under its prefix without going over all of them (a
   * controller transaction over 256 services writes thousands of keys and lists hundreds of times).
   */
  private readonly opKeys: string[] = [];
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
    const read = await this.reader.entries<T>(prefix);
    const first = lowerBound(this.opKeys, prefix);
    if (first === this.opKeys.length || !this.opKeys[first]!.startsWith(prefix)) return read.sort(byKey); // the reader's own array; already in order as a rule (cheap to sort then)
    const base = new Map(read);
    for (let i = first; i < this.opKeys.length && this.opKeys[i]!.startsWith(prefix); i++) {
      const op = this.ops.get(this.opKeys[i]!)!;
      if (op.type === 'put') base.set(op.key, op.value as T);
      else base.delete(op.key);
    }
    return [...base.entries()].sort(byKey);
  }

  put(key: string, value: StoredObject): void {
    this.write({ type: 'put', key, value });
  }

  del(key: string): void {
    this.write({ type: 'del', key });
  }

  private write(op: StoreOp): void {
    if (!this.ops.has(op.key)) this.opKeys.splice(lowerBound(this.opKeys, op.key), 0, op.key);
    this.ops.set(op.key, op);
  }
}
