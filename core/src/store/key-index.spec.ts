import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyIndex } from './key-index';
import { Store } from './store';

describe('KeyIndex', () => {
  it('knows nothing until a prefix is loaded, and applies commits that landed during the load', async () => {
    const ix = new KeyIndex();
    expect(ix.absent('config/ns/a')).toBe(false);
    let finish!: (keys: string[]) => void;
    ix.load('config/ns/', () => new Promise((r) => (finish = r)));
    ix.changed([{ key: 'config/ns/b', present: true }, { key: 'config/ns/a', present: false }]);
    expect(ix.absent('config/ns/b')).toBe(false); // still loading: unknown
    finish(['config/ns/a', 'config/ns/c', 'config/ns/c/deeper']);
    await new Promise((r) => setImmediate(r));
    expect(ix.absent('config/ns/a')).toBe(true); // deleted after the scan began
    expect(ix.absent('config/ns/b')).toBe(false); // created after the scan began
    expect(ix.absent('config/ns/c')).toBe(false);
    expect(ix.absent('config/ns/d')).toBe(true);
    expect(ix.absent('config/other/d')).toBe(false);
    ix.changed([{ key: 'config/ns/d', present: true }, { key: 'config/ns/c', present: false }]);
    expect(ix.absent('config/ns/d')).toBe(false);
    expect(ix.absent('config/ns/c')).toBe(true);
  });
});

describe('level store with the key index', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-keyix-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, deletes and re-creates under a prefix read as absent; reads and events stay right', async () => {
    const store = new Store(dir);
    await store.open();
    const prevs: (number | undefined)[] = [];
    store.watch('config/', (ev) => prevs.push((ev.prev as { n?: number } | undefined)?.n));
    const create = (name: string, n: number) =>
      store.txn(async (tx) => {
        if (await tx.get(`config/ns/${name}`)) throw new Error(`exists ${name}`);
        tx.put(`config/ns/${name}`, { meta: { revision: 0 }, n } as never);
      });
    await create('a', 1);
    await new Promise((r) => setTimeout(r, 20)); // the index load of config/ns/ ends
    await Promise.all(Array.from({ length: 50 }, (_, i) => create(`x${i}`, i)));
    await expect(create('x7', 0)).rejects.toThrow('exists x7');
    await store.txn(async (tx) => tx.del('config/ns/x7'));
    expect(await store.get('config/ns/x7')).toBeUndefined();
    await create('x7', 70);
    await store.txn(async (tx) => tx.put('config/ns/x7', { meta: { revision: 0 }, n: 71 } as never));
    expect(await store.get<{ meta: { revision: number }; n: number }>('config/ns/x7')).toMatchObject({ n: 71 });
    expect(await store.list('config/ns/')).toHaveLength(51);
    // Previous values in events: none for creates, the old value for the delete and the update.
    expect(prevs.slice(-3)).toEqual([7, undefined, 70]);
    await store.close();
    const again = new Store(dir);
    await again.open();
    expect(await again.list('config/ns/')).toHaveLength(51);
    await again.close();
  });
});
