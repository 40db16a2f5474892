import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelStore } from './level-store';
import { ReadCache } from './read-cache';
import { seededRandom } from '../util/seeded-random';

describe('ReadCache', () => {
  it('does not keep a read that began before a commit', () => {
    const c = new ReadCache();
    const since = c.generation;
    c.changed([{ key: '/a', text: '{"new":1}' }]);
    c.keep('/a', '{"old":1}', since);
    c.keepScan('/', ['/a'], ['{"old":1}'], since);
    expect(c.get('/a')).toEqual({ text: '{"new":1}' }); // the commit's text, not the stale read
    expect(c.scan('/')).toBeUndefined();
  });

  it('keeps a read that began before a commit of other keys only', () => {
    const c = new ReadCache();
    const since = c.generation;
    c.changed([{ key: '/b/1', text: '5' }]);
    c.changed([{ key: '/c/1', text: '6' }]);
    c.keep('/a/1', '1', since);
    c.keep('/b/1', '2', since);
    c.keepScan('/a/', ['/a/1'], ['1'], since);
    c.keepScan('/b/', ['/b/1'], ['2'], since);
    expect(c.get('/a/1')).toEqual({ text: '1' });
    expect(c.get('/b/1')).toEqual({ text: '5' });
    expect(c.scan('/a/')).toBeDefined();
    expect(c.scan('/b/')).toBeUndefined();
    // Longer ago than the commits remembered: not kept.
    for (let i = 0; i < 300; i++) c.changed([{ key: `/x/${i}`, text: '0' }]);
    c.keep('/a/2', '3', since);
    expect(c.get('/a/2')).toBeUndefined();
  });

  it('brings the kept keys and scans a commit touched up to date, in key order', () => {
    const c = new ReadCache();
    c.keep('/a/1', '1', 0);
    c.keep('/b/1', '2', 0);
    c.keepScan('/a/', ['/a/1', '/a/3'], ['1', '3'], 0);
    c.keepScan('/b/', ['/b/1'], ['2'], 0);
    c.changed([
      { key: '/a/2', text: '2' },
      { key: '/a/1', text: '11' },
      { key: '/a/3', text: undefined },
      { key: '/a/0', text: '0' },
      { key: '/a/0', text: '00' }, // the later write of a commit wins
    ]);
    expect(c.get('/a/1')).toEqual({ text: '11' });
    expect(c.get('/a/2')).toEqual({ text: '2' }); // taken in as written
    expect(c.get('/a/3')).toEqual({ text: undefined }); // deleted: known absent
    expect(c.scan('/a/')).toEqual({ keys: ['/a/0', '/a/1', '/a/2'], texts: ['00', '11', '2'] });
    expect(c.scan('/b/')).toEqual({ keys: ['/b/1'], texts: ['2'] });
    c.changed([{ key: '/b/1', text: undefined }]);
    expect(c.scan('/b/')).toEqual({ keys: [], texts: [] });
    expect(c.get('/b/1')).toEqual({ text: undefined });
  });
});

describe('LevelStore reads through its cache', () => {
  let dir: string;
  let s: LevelStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-read-cache-'));
    s = new LevelStore(dir);
    await s.open();
  });
  afterEach(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  type V = { meta: { revision: number }; v: number };
  it('hands out objects of their own and sees every commit', async () => {
    await s.txn(async (tx) => tx.put('/x/a', { meta: { revision: 0 }, v: 1 } as never));
    const a = await s.get<V>('/x/a');
    a!.v = 99; // a caller changing what it read changes nothing stored
    expect((await s.get<V>('/x/a'))?.v).toBe(1);
    const [[, e]] = await s.entries<V>('/x/');
    e.v = 98;
    expect((await s.entries<V>('/x/'))[0][1].v).toBe(1);
    await s.txn(async (tx) => {
      tx.put('/x/a', { meta: { revision: 0 }, v: 2 } as never);
      tx.put('/x/b', { meta: { revision: 0 }, v: 3 } as never);
    });
    expect((await s.get<V>('/x/a'))?.v).toBe(2);
    expect((await s.entries<V>('/x/')).map(([k, v]) => [k, v.v])).toEqual([['/x/a', 2], ['/x/b', 3]]);
    await s.txn(async (tx) => tx.del('/x/a'));
    expect(await s.get('/x/a')).toBeUndefined();
    expect((await s.entries('/x/')).map(([k]) => k)).toEqual(['/x/b']);
  });
});

describe('LevelStore cache against a model', () => {
  it('reads what a plain map of the writes holds, through random commits, reads and a reopen', async () => {
    const seed = Number(process.env.LB_SEED ?? Date.now() % 100_000);
    const rnd = seededRandom(seed);
    const dir = mkdtempSync(join(tmpdir(), 'lb-read-cache-model-'));
    let s = new LevelStore(dir);
    await s.open();
    const model = new Map<string, number>();
    const keys = ['/p/a/1', '/p/a/2', '/p/a/3', '/p/ab/1', '/p/b/1', '/p/b/2', '/q/1'];
    const prefixes = ['/', '/p/', '/p/a', '/p/a/', '/p/b/', '/q/', '/z/'];
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const expected = (prefix: string) => [...model].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1));
    type V = { meta: { revision: number }; v: number };
    try {
      for (let round = 0; round < 300; round++) {
        // A few transactions at once (one group), then reads of every prefix and some keys.
        const txns = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () =>
          Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ({ key: pick(keys), v: rnd() < 0.3 ? undefined : round * 10 + Math.floor(rnd() * 10) })),
        );
        await Promise.all(
          txns.map((ops) =>
            s.txn(async (tx) => {
              for (const o of ops) (o.v === undefined ? tx.del(o.key) : tx.put(o.key, { meta: { revision: 0 }, v: o.v } as never));
            }),
          ),
        );
        for (const ops of txns) for (const o of ops) (o.v === undefined ? model.delete(o.key) : model.set(o.key, o.v));
        const prefix = pick(prefixes);
        const got = (await s.entries<V>(prefix)).map(([k, v]) => [k, v.v]);
        expect({ seed, round, prefix, got }).toEqual({ seed, round, prefix, got: expected(prefix) });
        const key = pick(keys);
        expect({ seed, round, key, v: (await s.get<V>(key))?.v }).toEqual({ seed, round, key, v: model.get(key) });
        if (round % 100 === 99) {
          await s.close();
          s = new LevelStore(dir);
          await s.open();
        }
      }
      for (const prefix of prefixes) expect((await s.entries<V>(prefix)).map(([k, v]) => [k, v.v])).toEqual(expected(prefix));
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
