// Group commit in the level backend (level-store.ts): transactions that arrive while a synced write is in
// flight run in call order against the state including the earlier ones, are written together, and each
// is answered after its batch is on disk; a throwing one fails alone; watch events stay in commit order.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type StoreEvent } from './store';

type Counter = { meta: { revision: number }; n: number };

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-group-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('concurrent txns: each answer, the final state and the order of watch events', async () => {
  const store = new Store(dir);
  await store.open();
  const events: StoreEvent[] = [];
  store.watch('', (ev) => events.push(ev));
  const N = 300;
  const answers = await Promise.allSettled(
    Array.from({ length: N }, (_, i) =>
      store.txn(async (tx) => {
        // Read-modify-write on a shared counter: it conflicts with every other txn on the same key.
        const key = `/count/${i % 7}`;
        const cur = (await tx.get<Counter>(key))?.n ?? 0;
        tx.put(key, { meta: { revision: 0 }, n: cur + 1 } as Counter);
        // Create-if-absent: the first txn for each key wins, the later ones throw.
        if (i % 10 === 3) {
          const once = `/once/${i % 4}`;
          if (await tx.get(once)) throw new Error(`exists ${once}`);
          tx.put(once, { meta: { revision: 0 }, n: i } as Counter);
        }
        if (i % 13 === 5) throw new Error(`boom ${i}`); // its counter write must not land
        return cur + 1;
      }),
    ),
  );
  // Expected outcome of running the txns one after another in call order.
  const counts = new Map<string, number>();
  const onces = new Map<string, number>();
  const expectedKeys: string[][] = [];
  answers.forEach((a, i) => {
    const key = `/count/${i % 7}`;
    const once = `/once/${i % 4}`;
    const fails = i % 13 === 5 || (i % 10 === 3 && onces.has(once));
    if (fails) {
      expect(a.status).toBe('rejected');
      return;
    }
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    expect(a).toEqual({ status: 'fulfilled', value: n });
    const keys = [key];
    if (i % 10 === 3) (onces.set(once, i), keys.push(once));
    expectedKeys.push(keys);
  });
  for (const [key, n] of counts) expect((await store.get<Counter>(key))?.n).toBe(n);
  for (const [key, i] of onces) expect((await store.get<Counter>(key))?.n).toBe(i);
  // One revision per committed txn, in call order, each event with its value, previous value and revision.
  expect(store.revision).toBe(expectedKeys.length);
  expect(events.map((e) => e.key)).toEqual(expectedKeys.flat());
  let at = 0;
  expectedKeys.forEach((keys, t) => {
    for (const _ of keys) {
      const ev = events[at++];
      expect(ev.revision).toBe(t + 1);
      expect(ev.value?.meta.revision).toBe(t + 1);
      if (ev.key.startsWith('/count/')) expect((ev.value as Counter).n).toBe(((ev.prev as Counter | undefined)?.n ?? 0) + 1);
    }
  });
  // It is all on disk: a reopened store reads the same.
  await store.close();
  const again = new Store(dir);
  await again.open();
  expect(again.revision).toBe(expectedKeys.length);
  for (const [key, n] of counts) expect((await again.get<Counter>(key))?.n).toBe(n);
  await again.close();
});

test('a txn is answered only after its change is announced; a read-only one after what it saw', async () => {
  const store = new Store(dir);
  await store.open();
  const writes = Array.from({ length: 20 }, (_, i) =>
    store.txn(async (tx) => tx.put(`/k/${i}`, { meta: { revision: 0 } })).then(() => {
      // Answered: its revision is announced and the change readable outside any txn.
      expect(store.revision).toBeGreaterThanOrEqual(i + 1);
    }),
  );
  const snap = await store.snapshot('/k/');
  expect(snap.entries).toHaveLength(20);
  expect(snap.revision).toBe(20);
  expect(store.revision).toBeGreaterThanOrEqual(20);
  await Promise.all(writes);
  expect(await store.list('/k/')).toHaveLength(20);
  await store.close();
});

test('a batch that fails to write fails its txns and those run against them; later ones commit', async () => {
  const store = new Store(dir);
  await store.open();
  await store.txn(async (tx) => tx.put('/k/base', { meta: { revision: 0 } }));
  // The next batch's write fails once (as a full disk would).
  const db = (store.backend as unknown as { db: { batch: () => { write: (o: object) => Promise<void> } } }).db;
  const batch = db.batch.bind(db);
  let failed = false;
  db.batch = () => {
    const b = batch();
    const write = b.write.bind(b);
    b.write = async (o) => (failed ? write(o) : ((failed = true), Promise.reject(new Error('disk full'))));
    return b;
  };
  const events: StoreEvent[] = [];
  store.watch('', (ev) => events.push(ev));
  const first = Array.from({ length: 5 }, (_, i) => store.txn(async (tx) => tx.put(`/k/${i}`, { meta: { revision: 0 } })));
  const results = await Promise.allSettled(first);
  expect(results[0].status).toBe('rejected'); // the batch that failed
  const later = await store.txn(async (tx) => (tx.put('/k/later', { meta: { revision: 0 } }), (await tx.list('/k/')).length));
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  expect(later).toBe(2 + ok); // base, later, and only the txns that were answered ok
  expect(store.revision).toBe(2 + ok);
  expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 1 + ok }, (_, i) => i + 2));
  await store.close();
  const again = new Store(dir);
  await again.open();
  expect((await again.list('/k/')).length).toBe(2 + ok);
  expect(again.revision).toBe(2 + ok);
  await again.close();
});

test('reads (read cache) never see a write of a failing batch, and see each written one at once', async () => {
  const store = new Store(dir);
  await store.open();
  await store.txn(async (tx) => tx.put('/r/a', { meta: { revision: 0 }, n: 1 } as Counter));
  // Warm the cache for the key and the prefix.
  expect((await store.get<Counter>('/r/a'))?.n).toBe(1);
  expect(await store.list('/r/')).toHaveLength(1);
  const db = (store.backend as unknown as { db: { batch: () => { write: (o: object) => Promise<void> } } }).db;
  const batch = db.batch.bind(db);
  let release!: (fail: boolean) => void;
  const gate = new Promise<boolean>((r) => (release = r));
  db.batch = () => {
    const b = batch();
    const write = b.write.bind(b);
    b.write = async (o) => ((await gate) ? Promise.reject(new Error('disk full')) : write(o));
    return b;
  };
  const failing = store.txn(async (tx) => (tx.put('/r/a', { meta: { revision: 0 }, n: 2 } as Counter), tx.put('/r/b', { meta: { revision: 0 }, n: 3 } as Counter)));
  await new Promise((r) => setImmediate(r));
  // Accepted, not written: reads outside txns (cached or not) see only the disk.
  expect((await store.get<Counter>('/r/a'))?.n).toBe(1);
  expect(await store.get('/r/b')).toBeUndefined();
  expect((await store.list<Counter>('/r/')).map((o) => o.n)).toEqual([1]);
  release(true);
  await expect(failing).rejects.toThrow('disk full');
  expect((await store.get<Counter>('/r/a'))?.n).toBe(1);
  expect(await store.get('/r/b')).toBeUndefined();
  expect((await store.list<Counter>('/r/')).map((o) => o.n)).toEqual([1]);
  db.batch = batch;
  // A written batch replaces what the cache held as soon as the txn is answered.
  await store.txn(async (tx) => (tx.put('/r/a', { meta: { revision: 0 }, n: 4 } as Counter), tx.put('/r/b', { meta: { revision: 0 }, n: 5 } as Counter)));
  expect((await store.get<Counter>('/r/a'))?.n).toBe(4);
  expect((await store.list<Counter>('/r/')).map((o) => o.n)).toEqual([4, 5]);
  await store.close();
});

test('every acknowledged create survives SIGKILL', async () => {
  // A child process makes creates concurrently and prints each key once its txn resolved.
  const child = spawn(process.execPath, ['-e', CHILD, join(__dirname, 'store.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: string[] = [];
  let buf = '';
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      acked.push(...lines.filter(Boolean));
      if (acked.length >= 2000) resolve();
    }),
  );
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const store = new Store(dir);
  await store.open();
  const stored = new Set((await store.entries('/crash/')).map(([k]) => k));
  expect(acked.filter((k) => !stored.has(k))).toEqual([]);
  await store.close();
}, 60_000);

// Loads the TypeScript store with a minimal transpile hook, then creates keys from 20 concurrent writers forever.
const CHILD = `
const ts = require('typescript'), fs = require('fs');
require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, f);
const { Store } = require(process.argv[1]);
(async () => {
  const s = new Store(process.argv[2]); await s.open(); let n = 0;
  await Promise.all(Array.from({ length: 20 }, async () => { for (;;) { const k = '/crash/' + n++; await s.txn(async (tx) => tx.put(k, { meta: { revision: 0 } })); process.stdout.write(k + '\\n'); } }));
})();
`;
