import { Txn } from './txn';
import type { StoredObject, StoreReader } from './types';

const obj = (n: number): StoredObject => ({ meta: { revision: n } });

/** A reader over fixed entries (in the order given: a backend's may come unsorted). */
function reader(entries: [string, StoredObject][]): StoreReader {
  const m = new Map(entries);
  return {
    get: async <T extends StoredObject>(k: string) => m.get(k) as T | undefined,
    entries: async <T extends StoredObject>(p: string) => entries.filter(([k]) => k.startsWith(p)).map(([k, v]) => [k, v as T] as [string, T]),
  };
}

describe('Txn.entries', () => {
  it("merges the transaction's writes under the prefix, in key order, and leaves the others out", async () => {
    const tx = new Txn(reader([['/a/2', obj(2)], ['/a/4', obj(4)], ['/ab/1', obj(9)], ['/b/1', obj(5)]]));
    tx.put('/b/0', obj(50));
    tx.put('/a/3', obj(30));
    tx.del('/a/4');
    tx.put('/a/1', obj(10));
    tx.put('/a/3', obj(31)); // written twice: the last write counts
    tx.put('/ab/0', obj(90));
    expect((await tx.entries('/a/')).map(([k, v]) => [k, v.meta.revision])).toEqual([['/a/1', 10], ['/a/2', 2], ['/a/3', 31]]);
    expect((await tx.entries('/a')).map(([k]) => k)).toEqual(['/a/1', '/a/2', '/a/3', '/ab/0', '/ab/1']);
    expect((await tx.list('/b/')).map((v) => v.meta.revision)).toEqual([50, 5]);
    expect(await tx.entries('/c/')).toEqual([]);
  });

  it('with no write under the prefix: what the reader has, in key order', async () => {
    const tx = new Txn(reader([['/x/2', obj(2)], ['/x/1', obj(1)]]));
    tx.put('/y/1', obj(3));
    expect((await tx.entries('/x/')).map(([k]) => k)).toEqual(['/x/1', '/x/2']);
  });
});
