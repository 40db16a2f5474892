// FifoPool on the real file system and the real mkfifo: FIFOs made ahead, linked into place.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FifoPool, mkfifo } from './fifo';

const isFifo = (p: string) => statSync(p).isFIFO();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FifoPool', () => {
  let tmp = '';
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'lb-fifo-pool-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('makes a distinct FIFO at every path, from the pool and beyond it', async () => {
    const pool = new FifoPool(join(tmp, 'pool'), 4);
    const paths = Array.from({ length: 11 }, (_, i) => join(tmp, `c${i}`));
    // First before the pool's first batch is made, then more than a batch holds.
    for (let i = 0; i < paths.length; i += 2) await pool.make(...paths.slice(i, i + 2));
    expect(paths.every(isFifo)).toBe(true);
    expect(new Set(paths.map((p) => statSync(p).ino)).size).toBe(paths.length);
    // Each is linked once: moved out of the pool, not shared with it.
    expect(paths.every((p) => statSync(p).nlink === 1)).toBe(true);
    await pool.close();
  });

  it('keeps a FIFO that is already at the path', async () => {
    const pool = new FifoPool(join(tmp, 'pool'), 2);
    await sleep(100); // the first batch
    const path = join(tmp, 'kept');
    await mkfifo(path);
    const ino = statSync(path).ino;
    await pool.make(path, join(tmp, 'new'));
    expect(statSync(path).ino).toBe(ino);
    expect(isFifo(join(tmp, 'new'))).toBe(true);
    await pool.close();
  });

  it('gives each pool a directory of its own, removes those of gone processes, and its own when closed', async () => {
    const root = join(tmp, 'pool');
    // A pool directory of a process that has exited.
    const gone = spawnSync('true').pid;
    mkdirSync(join(root, `${gone}-deadbeef`), { recursive: true });
    const a = new FifoPool(root, 2);
    const b = new FifoPool(root, 2);
    expect(existsSync(join(root, `${gone}-deadbeef`))).toBe(false);
    const dirs = readdirSync(root);
    expect(dirs).toHaveLength(2);
    expect(dirs.every((d) => d.startsWith(`${process.pid}-`))).toBe(true);
    await sleep(100);
    await a.make(join(tmp, 'x'));
    await b.make(join(tmp, 'y'));
    expect(statSync(join(tmp, 'x')).ino).not.toBe(statSync(join(tmp, 'y')).ino);
    await a.close();
    expect(readdirSync(root)).toHaveLength(1);
    await b.close();
    expect(readdirSync(root)).toEqual([]);
  });

  it('mkfifo makes several at once and keeps one already there', async () => {
    const there = join(tmp, 'there');
    await mkfifo(there);
    const ino = statSync(there).ino;
    await mkfifo(there, join(tmp, 'a'), join(tmp, 'b'));
    expect(statSync(there).ino).toBe(ino);
    expect([join(tmp, 'a'), join(tmp, 'b')].every(isFifo)).toBe(true);
    await expect(mkfifo(join(tmp, 'no-such-dir', 'c'))).rejects.toThrow();
  });
});
