import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type StoreEvent } from './store';

describe('Store', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-store-'));
    store = new Store(dir);
    await store.open();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits a transaction atomically with one revision and announces it', async () => {
    const seen: StoreEvent[] = [];
    const stop = store.watch('a/', (e) => seen.push(e));
    await store.txn(async (tx) => {
      tx.put('a/1', { meta: { revision: 0 } });
      tx.put('a/2', { meta: { revision: 0 } });
      tx.put('b/1', { meta: { revision: 0 } });
    });
    stop();
    expect(store.revision).toBe(1);
    expect(seen.map((e) => [e.key, e.revision])).toEqual([
      ['a/1', 1],
      ['a/2', 1],
    ]);
    expect((await store.get('a/2'))?.meta.revision).toBe(1);
  });

  it('writes nothing when the transaction throws', async () => {
    await expect(
      store.txn(async (tx) => {
        tx.put('a/1', { meta: { revision: 0 } });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.get('a/1')).toBeUndefined();
    expect(store.revision).toBe(0);
  });

  it('sees its own writes and lists by prefix only', async () => {
    await store.txn(async (tx) => tx.put('ab/1', { meta: { revision: 0 } }));
    const listed = await store.txn(async (tx) => {
      tx.put('a/2', { meta: { revision: 0 } });
      return tx.list('a/');
    });
    expect(listed).toHaveLength(1);
  });

  it('keeps data and revision across reopen', async () => {
    await store.txn(async (tx) => tx.put('a/1', { meta: { revision: 0 } }));
    await store.close();
    store = new Store(dir);
    await store.open();
    expect(store.revision).toBe(1);
    expect(await store.get('a/1')).toEqual({ meta: { revision: 1 } });
  });
});
