import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTrail } from './file-trail';
import type { AuditRecord } from './trail';

const rec = (i: number, who = 'admin', time = new Date().toISOString()): AuditRecord => ({
  time,
  who,
  from: '127.0.0.1',
  method: 'POST',
  route: '/namespace/:ns/apply',
  path: `/namespace/n${i}/apply`,
  namespace: `n${i}`,
  status: 200,
  server: 's1',
});

async function all(t: FileTrail, f: Parameters<FileTrail['records']>[0] = {}): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of t.records(f)) out.push(r);
  return out;
}

describe('FileTrail', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'audit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back every record appended before the read, in order, filtered by who and since', async () => {
    const t = new FileTrail(dir, { maxBytes: 1 << 20, maxFiles: 3, maxAge: 3600 });
    await t.open();
    const old = new Date(Date.now() - 7200_000).toISOString();
    t.append(rec(0, 'admin', old));
    for (let i = 1; i <= 5; i++) t.append(rec(i, i % 2 ? 'alice' : 'admin'));
    // Not flushed yet: the read writes what is queued first.
    expect((await all(t)).map((r) => r.namespace)).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
    expect((await all(t, { who: 'alice' })).map((r) => r.namespace)).toEqual(['n1', 'n3', 'n5']);
    expect((await all(t, { since: Date.now() - 60_000 })).map((r) => r.namespace)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    await t.close();
    expect(statSync(join(dir, 'audit.log')).mode & 0o777).toBe(0o600);
  });

  it('rotates by size and keeps at most max_files rotated files: the trail stays bounded', async () => {
    const line = JSON.stringify(rec(100)).length + 1; // the longest (n100…n199)
    const t = new FileTrail(dir, { maxBytes: line * 10 + 5, maxFiles: 3, maxAge: 3600 });
    await t.open();
    for (let i = 0; i < 200; i++) {
      t.append(rec(i));
      if (i % 5 === 4) await t.flush(); // batches of 5 records
    }
    await t.close();
    expect(readdirSync(dir).sort()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2', 'audit.log.3']);
    const total = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    expect(total).toBeLessThanOrEqual((line * 10 + 5) * 4);
    // What is kept is the newest, still in order.
    const t2 = new FileTrail(dir, { maxBytes: line * 10 + 5, maxFiles: 3, maxAge: 3600 });
    await t2.open();
    const kept = (await all(t2)).map((r) => Number(r.namespace!.slice(1)));
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 200 - kept.length + i));
    expect(kept.length).toBe(40);
    await t2.close();
  });

  it('removes files older than max_age', async () => {
    const t = new FileTrail(dir, { maxBytes: 100, maxFiles: 5, maxAge: 3600 });
    await t.open();
    t.append(rec(1));
    await t.flush();
    t.append(rec(2));
    await t.flush(); // rotated: audit.log.1 holds n1
    await t.close();
    const past = (Date.now() - 7200_000) / 1000;
    utimesSync(join(dir, 'audit.log.1'), past, past);
    const t2 = new FileTrail(dir, { maxBytes: 100, maxFiles: 5, maxAge: 3600 });
    await t2.open();
    expect(readdirSync(dir)).toEqual(['audit.log']);
    expect((await all(t2)).map((r) => r.namespace)).toEqual(['n2']);
    await t2.close();
  });

  it('follows: records written after the read began come once each, until the signal aborts; close flushes', async () => {
    const t = new FileTrail(dir, { maxBytes: 1 << 20, maxFiles: 3, maxAge: 3600, flushMs: 10_000 });
    await t.open();
    t.append(rec(1));
    const ctl = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const r of t.records({ who: 'admin' }, { follow: true, signal: ctl.signal })) {
        seen.push(r.namespace!);
        if (seen.length === 3) ctl.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    t.append(rec(2, 'bob'));
    t.append(rec(3));
    t.append(rec(4));
    await t.flush();
    await reading;
    expect(seen).toEqual(['n1', 'n3', 'n4']);
    t.append(rec(5)); // queued for 10 s: close writes it
    await t.close();
    expect(readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).namespace)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
  });
});
