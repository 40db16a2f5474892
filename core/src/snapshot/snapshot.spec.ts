// Snapshots of the level store (a dump at one revision while transactions commit), the file's checks,
// restore into an empty data dir only, the schema version (new, migrate after a snapshot, refuse newer)
// and the retention of scheduled snapshots.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelStore } from '../store/level-store';
import { ensureSchema, SCHEMA_VERSION } from '../store/schema';
import { Store } from '../store/store';
import { parseSnapshot, snapshotLines } from './format';
import { levelStateDir, restoreLevel } from './restore';
import { scheduledName, takeScheduled } from './schedule';

type Obj = { meta: { revision: number }; n: number };
const obj = (n: number): Obj => ({ meta: { revision: 0 }, n });

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-snap-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a dump taken while transactions commit holds exactly the state at its revision', async () => {
  const store = new Store(join(dir, 'a'));
  await store.open();
  const acked = new Map<string, number>(); // key → revision of its acknowledged write
  const write = (i: number) =>
    store.txn(async (tx) => {
      tx.put(`obj/${i % 50}`, obj(i));
      return tx.revision + 1;
    }).then((rev) => acked.set(`obj/${i % 50}@${rev}`, rev));
  // Dumps all along, while 400 writes go in 20 waves of 20; one more right after the 11th wave is sent,
  // so that at least one dump is of a state in the middle however the machine's load groups the commits.
  const dumps = [];
  let writing = true;
  const dumping = (async () => {
    while (writing && dumps.length < 50) {
      dumps.push(await store.backend.dump());
      await new Promise((r) => setImmediate(r));
    }
  })();
  for (let wave = 0; wave < 20; wave++) {
    const sent = Array.from({ length: 20 }, (_, j) => write(wave * 20 + j));
    if (wave === 10) dumps.push(await store.backend.dump());
    await Promise.all(sent);
  }
  writing = false;
  await dumping;
  const final = await store.backend.dump();
  // Every write goes to a key n%50 in revision order: at revision R, key k holds the last write ≤ R.
  const revisionsOf = new Map<string, number[]>();
  for (const [k, rev] of acked) revisionsOf.set(k.split('@')[0], [...(revisionsOf.get(k.split('@')[0]) ?? []), rev]);
  const lastAt = (key: string, r: number) => Math.max(0, ...(revisionsOf.get(key) ?? []).filter((rev) => rev <= r));
  for (const d of [...dumps, final]) {
    for (const [k, text] of d.entries) {
      const o = JSON.parse(text) as Obj;
      expect(o.meta.revision).toBeLessThanOrEqual(d.revision);
      expect(o.meta.revision).toBe(lastAt(k, d.revision));
    }
    const keysAtR = new Set([...acked].filter(([, rev]) => rev <= d.revision).map(([k]) => k.split('@')[0]));
    expect(new Set(d.entries.map(([k]) => k))).toEqual(keysAtR);
  }
  expect(final.revision).toBe(400);
  expect(dumps.some((d) => d.revision > 0 && d.revision < 400)).toBe(true);
  await store.close();
});

test('the file is checked whole; a restore goes into an empty data dir only and brings back the same keys, values and revision', async () => {
  const store = new Store(join(dir, 'src'));
  await store.open();
  await store.backend.setSchemaVersion(SCHEMA_VERSION);
  for (let i = 0; i < 5; i++) await store.txn(async (tx) => tx.put(`secret/default/s${i}`, obj(i)));
  const d = await store.backend.dump();
  await store.close();
  const text = [...snapshotLines(d, { lb: 'test', backend: 'level' })].join('');
  expect(parseSnapshot(text).dump).toEqual(d);
  expect(() => parseSnapshot(text.replace('\\"n\\":3', '\\"n\\":4'))).toThrow(/checksum/);
  expect(() => parseSnapshot(text.split('\n').slice(0, 4).join('\n'))).toThrow(/ends early|checksum/);

  await restoreLevel(join(dir, 'restored'), d);
  const back = new LevelStore(levelStateDir(join(dir, 'restored')));
  await back.open();
  expect(back.revision).toBe(d.revision);
  expect(await back.dump()).toEqual(d);
  await back.close();
  await expect(restoreLevel(join(dir, 'restored'), d)).rejects.toThrow(/already holds a state store/);
});

test('schema: a new store gets the current version; an older one is migrated after the snapshot hook; a newer one is refused with both versions', async () => {
  const fresh = new Store(join(dir, 'fresh'));
  await fresh.open();
  const hook = jest.fn(async () => undefined);
  expect(await ensureSchema(fresh, { where: 'fresh', lb: 't', beforeMigrate: hook })).toEqual({ from: undefined, to: SCHEMA_VERSION });
  expect(hook).not.toHaveBeenCalled();
  await fresh.close();

  const old = new Store(join(dir, 'old'));
  await old.open();
  await old.txn(async (tx) => tx.put('namespace/default', obj(1))); // data, and no schema version: lb 0.1.0
  const order: string[] = [];
  const r = await ensureSchema(old, {
    where: 'old',
    lb: 't',
    current: 2,
    beforeMigrate: async (from, to) => void order.push(`snapshot ${from}->${to}`),
    migrations: [
      { from: 0, to: 1, what: 'a', run: async () => void order.push('0->1') },
      { from: 1, to: 2, what: 'b', run: async (s) => (order.push('1->2'), void (await s.txn(async (tx) => tx.put('namespace/x', obj(2))))) },
    ],
  });
  expect(r).toEqual({ from: 0, to: 2 });
  expect(order).toEqual(['snapshot 0->2', '0->1', '1->2']);
  expect(await old.backend.schemaVersion()).toBe(2);
  await expect(ensureSchema(old, { where: 'the data dir /x', lb: '0.0.9', current: 1, beforeMigrate: hook })).rejects.toThrow(/schema version 2, newer than this lb \(0\.0\.9\) knows \(1\).*Fix: .*lb snapshot restore/);
  expect(hook).not.toHaveBeenCalled();
  await old.close();
});

test('scheduled snapshots keep the newest `keep` files of their own and leave other files alone', async () => {
  const store = new Store(join(dir, 's'));
  await store.open();
  const out = join(dir, 'snaps');
  mkdirSync(out);
  writeFileSync(join(out, 'mine.lbsnap'), 'x');
  const names = [];
  for (let i = 0; i < 4; i++) names.push(await takeScheduled(store, { dir: out, keep: 2, now: new Date(Date.UTC(2026, 0, 1, i)) }));
  expect(readdirSync(out).sort()).toEqual(['mine.lbsnap', scheduledName(new Date(Date.UTC(2026, 0, 1, 2))), scheduledName(new Date(Date.UTC(2026, 0, 1, 3)))].sort());
  await store.close();
});
