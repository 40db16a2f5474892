import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { etcdClient } from '../ha/etcd-client';
import { startLocalEtcd, type LocalEtcd } from '../ha/local-etcd';
import { EtcdStore } from './etcd-store';
import { Store, type StoreEvent, type StoreOptions } from './store';
import { createServer, connect, type Socket } from 'node:net';

interface Backend {
  name: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A fresh, empty location for one test. */
  fresh(): string;
  /** A store on that location (a second call opens a second one on the same data, as another server would). */
  make(where: string, opts?: StoreOptions): Store;
  cleanup(where: string): void;
}

let etcd: LocalEtcd | undefined;
let client: Etcd3 | undefined;

const level: Backend = {
  name: 'level',
  setup: async () => undefined,
  teardown: async () => undefined,
  fresh: () => mkdtempSync(join(tmpdir(), 'lb-store-')),
  make: (dir, opts) => new Store(dir, opts),
  cleanup: (dir) => rmSync(dir, { recursive: true, force: true }),
};

const etcdBackend: Backend = {
  name: 'etcd',
  setup: async () => {
    etcd = await startLocalEtcd();
    client = etcdClient({ endpoints: [etcd.endpoint], prefix: '/', lease_ttl: 5 });
  },
  teardown: async () => {
    client?.close();
    await etcd?.stop();
  },
  fresh: () => `/lb-spec-${randomBytes(4).toString('hex')}/`,
  make: (prefix, opts) => new Store(new EtcdStore(client!.namespace(prefix)), opts),
  cleanup: () => undefined,
};

describe.each([level, etcdBackend])('Store on $name', (b) => {
  let where: string;
  let store: Store;
  beforeAll(() => b.setup(), 30_000);
  afterAll(() => b.teardown());
  beforeEach(async () => {
    where = b.fresh();
    store = b.make(where);
    await store.open();
  });
  afterEach(async () => {
    await store.close();
    b.cleanup(where);
  });

  it('commits a transaction atomically with one revision and announces it', async () => {
    const seen: StoreEvent[] = [];
    const stop = store.watch('a/', (e) => seen.push(e));
    await store.txn(async (tx) => {
      tx.put('a/1', { meta: { revision: 0 } });
      tx.put('a/2', { meta: { revision: 0 } });
      tx.put('b/1', { meta: { revision: 0 } });
    }, 'me');
    stop();
    expect(store.revision).toBe(1);
    expect(seen.map((e) => [e.key, e.revision, e.origin])).toEqual([
      ['a/1', 1, 'me'],
      ['a/2', 1, 'me'],
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

  it('announces deletes with the previous value, and no event for deleting what is not there', async () => {
    await store.txn(async (tx) => tx.put('a/1', { meta: { revision: 0 } }));
    const seen: StoreEvent[] = [];
    const stop = store.watch('a/', (e) => seen.push(e));
    await store.txn(async (tx) => {
      tx.del('a/1');
      tx.del('a/none');
    });
    stop();
    expect(seen).toEqual([{ type: 'del', key: 'a/1', value: undefined, prev: { meta: { revision: 1 } }, revision: 2, text: { prev: '{"meta":{"revision":1}}' } }]);
    expect(await store.list('a/')).toEqual([]);
  });

  it('delivers its own events before the txn resolves, and serialises txns', async () => {
    let seen = 0;
    const stop = store.watch('c/', () => seen++);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.txn(async (tx) => {
          const n = (await tx.get<{ meta: { revision: number }; n: number }>('c/n'))?.n ?? 0;
          tx.put('c/n', { meta: { revision: 0 }, n: n + 1 } as never);
          return i;
        }),
      ),
    );
    expect(seen).toBe(10);
    stop();
    expect((await store.get<{ meta: { revision: number }; n: number }>('c/n'))?.n).toBe(10);
    expect(store.revision).toBe(10);
  });

  it('keeps a bounded change log: a watcher resuming after a kept revision gets every later change once, an older one is gone', async () => {
    await store.close();
    store = b.make(where, { changeLog: 4 });
    await store.open();
    const o = { meta: { revision: 0 } };
    for (let i = 1; i <= 3; i++) await store.txn(async (tx) => tx.put(`w/${i}`, { ...o }));
    await store.txn(async (tx) => {
      tx.put('w/a', { ...o });
      tx.put('w/b', { ...o });
      tx.put('x/1', { ...o });
    });
    // 6 changes in a log of 4: whole commits go, so revision 2 is the oldest to resume from.
    expect(store.changeFloor).toBe(2);
    const got: string[] = [];
    const sub = store.changesSince('w/', 2, (e) => got.push(`${e.revision}:${e.type}:${e.key}`));
    expect(got).toEqual(['3:put:w/3', '4:put:w/a', '4:put:w/b']);
    await store.txn(async (tx) => tx.del('w/1'));
    expect(got).toEqual(['3:put:w/3', '4:put:w/a', '4:put:w/b', '5:del:w/1']);
    if ('stop' in sub) sub.stop();
    await store.txn(async (tx) => tx.del('w/2'));
    expect(got).toHaveLength(4);
    expect(store.changesSince('w/', 2, () => undefined)).toEqual({ gone: true, floor: 4, revision: 6 });
    const snap = await store.snapshot('w/');
    expect(snap.revision).toBe(6);
    expect(snap.entries.map(([k, v]) => [k, v.meta.revision])).toEqual([
      ['w/3', 3],
      ['w/a', 4],
      ['w/b', 4],
    ]);
  });

  it('starts its change log at the revision it opened at: older revisions are gone after a restart', async () => {
    await store.txn(async (tx) => tx.put('a/1', { meta: { revision: 0 } }));
    await store.close();
    store = b.make(where);
    await store.open();
    expect(store.changeFloor).toBe(1);
    expect(store.changesSince('a/', 0, () => undefined)).toMatchObject({ gone: true, floor: 1 });
    expect('stop' in store.changesSince('a/', 1, () => undefined)).toBe(true);
  });

  it('keeps data and revision across reopen', async () => {
    await store.txn(async (tx) => tx.put('a/1', { meta: { revision: 0 } }));
    await store.close();
    store = b.make(where);
    await store.open();
    expect(store.revision).toBe(1);
    expect(await store.get('a/1')).toEqual({ meta: { revision: 1 } });
  });
});

describe('Store on etcd, shared by two servers', () => {
  let a: Store;
  let b: Store;
  beforeAll(() => etcdBackend.setup(), 30_000);
  afterAll(() => etcdBackend.teardown());
  beforeEach(async () => {
    const prefix = etcdBackend.fresh();
    a = etcdBackend.make(prefix);
    b = etcdBackend.make(prefix);
    await a.open();
    await b.open();
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it("each sees the other's writes, in revision order, with origin and previous value", async () => {
    const seenByB: StoreEvent[] = [];
    const stop = b.watch('x/', (e) => seenByB.push(e));
    await a.txn(async (tx) => tx.put('x/1', { meta: { revision: 0 } }), 'ctl');
    await a.txn(async (tx) => tx.put('x/1', { meta: { revision: 0 } }));
    const deadline = Date.now() + 5000;
    while (seenByB.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop();
    expect(seenByB.map((e) => [e.type, e.revision, e.origin, e.prev?.meta.revision])).toEqual([
      ['put', 1, 'ctl', undefined],
      ['put', 2, undefined, 1],
    ]);
    expect(b.revision).toBe(2);
    expect(await b.get('x/1')).toEqual({ meta: { revision: 2 } });
  });

  it('fails a txn while etcd is down, and after it is back both servers go on from where they were', async () => {
    const seenByB: number[] = [];
    const stop = b.watch('z/', (e) => seenByB.push(e.revision));
    await a.txn(async (tx) => tx.put('z/1', { meta: { revision: 0 } }));
    const down = etcd!.restart(1500);
    await new Promise((r) => setTimeout(r, 300));
    await expect(a.txn(async (tx) => tx.put('z/2', { meta: { revision: 0 } }))).rejects.toThrow(/etcd/);
    await down;
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      const ok = await a.txn(async (tx) => tx.put('z/2', { meta: { revision: 0 } })).then(() => true, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    while (seenByB.length < 2 && Date.now() - t0 < 8000) await new Promise((r) => setTimeout(r, 50));
    stop();
    expect(seenByB).toEqual([1, 2]);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(a.revision).toBe(2);
  }, 30_000);

  // It also cancels streams of the shared client; the next test then checks that those did not count as
  // host failures (they used to open the client's circuit breaker for a second).
  it('a server cut off from etcd while another writes and compacts catches up with every change, then follows again', async () => {
    const proxy = await tcpProxy(Number(new URL(etcd!.endpoint).port));
    const cutClient = etcdClient({ endpoints: [proxy.url], prefix: '/', lease_ttl: 5 });
    const warnings: string[] = [];
    const prefix = etcdBackend.fresh();
    const cut = new Store(new EtcdStore(cutClient.namespace(prefix), { warn: (m) => warnings.push(m) }));
    const other = etcdBackend.make(prefix);
    await cut.open();
    await other.open();
    const until = async (ok: () => boolean, what: string) => {
      for (const deadline = Date.now() + 15_000; !ok(); await new Promise((r) => setTimeout(r, 50))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; warnings: ${warnings.join(' | ')}`);
      }
    };
    type N = { meta: { revision: number }; n: number };
    const obj = (n: number): N => ({ meta: { revision: 0 }, n });
    const seen: StoreEvent[] = [];
    try {
      cut.watch('k/', (e) => seen.push(e));
      await other.txn(async (tx) => {
        tx.put('k/1', obj(1));
        tx.put('k/2', obj(2));
      });
      await until(() => seen.length === 2, 'the first writes');
      proxy.cut();
      await other.txn(async (tx) => {
        tx.del('k/1');
        tx.put('k/2', obj(22));
        tx.put('k/3', obj(3));
      });
      await other.txn(async (tx) => tx.put('z/1', obj(9))); // not watched
      // History up to now is gone (the last write's revision is kept): the cut-off server cannot
      // resume its watch where it stopped.
      const head = (await client!.get('-').exec()).header.revision;
      await client!.kv.compact({ revision: head, physical: true });
      seen.length = 0;
      proxy.restore();
      await until(() => seen.length === 3, 'the missed changes');
      const n = (o?: unknown) => (o as N | undefined)?.n;
      expect(seen.map((e) => [e.type, e.key, n(e.value), n(e.prev), e.revision]).sort()).toEqual([
        ['del', 'k/1', undefined, 1, 3],
        ['put', 'k/2', 22, 2, 3],
        ['put', 'k/3', 3, undefined, 3],
      ]);
      expect(warnings.join('\n')).toMatch(/cancelled by etcd.*catching up/);
      expect(cut.revision).toBe(3);
      // Its change log cannot say what happened in the gap: watchers from before it list again.
      expect(cut.changeFloor).toBe(3);
      expect(cut.changesSince('k/', 2, () => undefined)).toMatchObject({ gone: true, floor: 3 });
      // It follows the other server again, and its own writes go through.
      await other.txn(async (tx) => tx.put('k/4', obj(4)));
      await until(() => seen.length === 4, 'a write after the catch-up');
      expect(seen[3]).toMatchObject({ type: 'put', key: 'k/4', revision: 4, prev: undefined });
      await cut.txn(async (tx) => tx.put('k/5', obj(5)));
      expect(cut.revision).toBe(5);
      expect(seen[4]).toMatchObject({ type: 'put', key: 'k/5', revision: 5 });
    } finally {
      await cut.close();
      await other.close();
      cutClient.close();
      await proxy.close();
    }
  }, 60_000);

  it('concurrent read-modify-write txns from both lose no update and take one revision each', async () => {
    type Counter = { meta: { revision: number }; n: number };
    const bump = (s: Store) =>
      s.txn(async (tx) => {
        const n = (await tx.get<Counter>('y/n'))?.n ?? 0;
        tx.put('y/n', { meta: { revision: 0 }, n: n + 1 } as Counter);
      });
    const revs: number[] = [];
    const stop = a.watch('y/', (e) => revs.push(e.revision));
    await Promise.all(Array.from({ length: 15 }, () => [bump(a), bump(b)]).flat());
    const deadline = Date.now() + 5000;
    while (revs.length < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop();
    expect((await a.get<Counter>('y/n'))?.n).toBe(30);
    expect(revs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});

/** A loopback TCP proxy to a port that the test can cut (every connection dropped and refused) and restore. */
async function tcpProxy(target: number): Promise<{ url: string; cut(): void; restore(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore: () => void (down = false),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
