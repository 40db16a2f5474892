import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyIndex, groupOf } from './key-index';
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
    expect(ix.absent('config/ns/c/deeper')).toBe(false); // a deeper key is in its namespace's group too
  });

  it('groups keys by kind and namespace, or by their last segment when shorter', () => {
    expect(groupOf('pod/ns/web-1')).toBe('pod/ns/');
    expect(groupOf('deployment/ns/web/v2')).toBe('deployment/ns/');
    expect(groupOf('pod/ns/web-')).toBe('pod/ns/');
    expect(groupOf('node/n1')).toBe('node/');
    expect(groupOf('auth/admin-token')).toBe('auth/');
    expect(groupOf('pod/')).toBe('pod/');
  });

  it('tells a scan prefix with nothing under it, and nothing for prefixes wider than a group', async () => {
    const ix = new KeyIndex();
    expect(ix.emptyUnder('pod/ns/web-')).toBe(false); // nothing known
    ix.load('pod/ns/x', async (group) => (group === 'pod/ns/' ? ['pod/ns/api-1', 'pod/ns/api-2'] : []));
    ix.load('node/n1', async () => ['node/n1', 'node/n1/deeper']);
    await new Promise((r) => setImmediate(r));
    expect(ix.emptyUnder('pod/ns/web-')).toBe(true);
    expect(ix.emptyUnder('pod/ns/api-')).toBe(false);
    expect(ix.emptyUnder('pod/ns/api-1')).toBe(false);
    expect(ix.emptyUnder('pod/ns/api-10')).toBe(true);
    expect(ix.emptyUnder('pod/other/')).toBe(false); // another group, not loaded
    expect(ix.emptyUnder('pod/')).toBe(false); // spans groups: never answered
    expect(ix.emptyUnder('node/')).toBe(false);
    expect(ix.absent('node/n2')).toBe(true);
    expect(ix.absent('node/n1/deeper')).toBe(false); // its own group (node/n1/), not loaded
    ix.changed([{ key: 'pod/ns/web-1', present: true }, { key: 'pod/ns/api-1', present: false }, { key: 'pod/ns/api-2', present: false }]);
    expect(ix.emptyUnder('pod/ns/web-')).toBe(false);
    expect(ix.emptyUnder('pod/ns/api-')).toBe(true);
    expect(ix.absent('pod/ns/web-1')).toBe(false);
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

  it('answers the scan of an empty prefix in a known group without LevelDB, and keeps it up to date', async () => {
    const store = new Store(dir);
    await store.open();
    const put = (key: string, n: number) => store.txn(async (tx) => tx.put(key, { meta: { revision: 0 }, n } as never));
    await put('pod/ns/api-1', 1);
    expect(await store.list('pod/ns/web-')).toEqual([]); // from disk: the group's keys load meanwhile
    await new Promise((r) => setTimeout(r, 20));
    const db = (store.backend as unknown as { db: { iterator: (...a: unknown[]) => unknown } }).db;
    const iterator = jest.spyOn(db, 'iterator');
    expect(await store.list('pod/ns/db-')).toEqual([]);
    expect(await store.list('pod/ns/db-')).toEqual([]);
    expect(iterator).not.toHaveBeenCalled();
    await put('pod/ns/db-1', 2);
    await put('pod/ns/db-0', 3);
    expect((await store.list<{ meta: { revision: number }; n: number }>('pod/ns/db-')).map((o) => o.n)).toEqual([3, 2]);
    expect((await store.list<{ meta: { revision: number }; n: number }>('pod/ns/api-')).map((o) => o.n)).toEqual([1]);
    expect(iterator).toHaveBeenCalledTimes(1); // api- holds a key: read from disk
    await store.txn(async (tx) => tx.del('pod/ns/db-1'));
    expect((await store.list<{ meta: { revision: number }; n: number }>('pod/ns/db-')).map((o) => o.n)).toEqual([3]);
    await store.close();
  });
});
