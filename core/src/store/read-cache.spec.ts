import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelStore } from './level-store';
import { ReadCache } from './read-cache';

describe('ReadCache', () => {
  it('does not keep a read that began before a commit', () => {
    const c = new ReadCache();
    const since = c.generation;
    c.changed(['/a']);
    c.keep('/a', '{"old":1}', since);
    c.keepScan('/', ['/a'], ['{"old":1}'], since);
    expect(c.get('/a')).toBeUndefined();
    expect(c.scan('/')).toBeUndefined();
  });

  it('keeps a read that began before a commit of other keys only', () => {
    const c = new ReadCache();
    const since = c.generation;
    c.changed(['/b/1']);
    c.changed(['/c/1']);
    c.keep('/a/1', '1', since);
    c.keep('/b/1', '2', since);
    c.keepScan('/a/', ['/a/1'], ['1'], since);
    c.keepScan('/b/', ['/b/1'], ['2'], since);
    expect(c.get('/a/1')).toEqual({ text: '1' });
    expect(c.get('/b/1')).toBeUndefined();
    expect(c.scan('/a/')).toBeDefined();
    expect(c.scan('/b/')).toBeUndefined();
    // Longer ago than the commits remembered: not kept.
    for (let i = 0; i < 300; i++) c.changed([`/x/${i}`]);
    c.keep('/a/2', '3', since);
    expect(c.get('/a/2')).toBeUndefined();
  });

  it('drops the keys and the scans a commit touched', () => {
    const c = new ReadCache();
    c.keep('/a/1', '1', 0);
    c.keep('/b/1', '2', 0);
    c.keepScan('/a/', ['/a/1'], ['1'], 0);
    c.keepScan('/b/', ['/b/1'], ['2'], 0);
    c.changed(['/a/2']);
    expect(c.get('/a/1')).toEqual({ text: '1' });
    expect(c.scan('/a/')).toBeUndefined();
    expect(c.scan('/b/')).toBeDefined();
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
