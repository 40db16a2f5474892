import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLine } from '@lastbackend/sdk';
import { LineSplitter, readLogs, rfc3339Now } from './logs';

const line = (l: string, time = '2026-01-01T00:00:00.000000Z', stream: LogLine['stream'] = 'stdout'): string =>
  `${JSON.stringify({ stream, time, line: l })}\n`;

const collect = async (it: AsyncIterable<LogLine>): Promise<string[]> => {
  const out: string[] = [];
  for await (const l of it) out.push(l.line);
  return out;
};

describe('LineSplitter', () => {
  it('emits whole lines and keeps a partial one until flushed', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push('a\nb');
    s.push('c\n\nd');
    expect(lines).toEqual(['a', 'bc', '']);
    s.flush();
    expect(lines).toEqual(['a', 'bc', '', 'd']);
  });
});

describe('readLogs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-ctd-logs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads, tails and filters by time', async () => {
    const file = join(dir, 'log.jsonl');
    writeFileSync(file, line('old', '2020-01-01T00:00:00.000000Z') + line('a') + line('b') + '{"cut');
    const alive = async () => true;
    expect(await collect(readLogs(file, {}, alive))).toEqual(['old', 'a', 'b']);
    expect(await collect(readLogs(file, { tail: 1 }, alive))).toEqual(['b']);
    expect(await collect(readLogs(file, { since: Date.parse('2025-01-01') / 1000 }, alive))).toEqual(['a', 'b']);
    expect(await collect(readLogs(join(dir, 'none'), {}, alive))).toEqual([]);
  });

  it('follows a file the container has not written yet (its first line makes it), and ends when the file goes', async () => {
    const file = join(dir, 'log.jsonl');
    const seen: string[] = [];
    const done = (async () => {
      for await (const l of readLogs(file, { follow: true }, async () => true)) seen.push(l.line);
    })();
    await new Promise((r) => setTimeout(r, 250));
    writeFileSync(file, line('first'));
    const deadline = Date.now() + 3000;
    while (!seen.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['first']);
    rmSync(file);
    await done; // removed with its container: the follow ends by itself
    expect(seen).toEqual(['first']);
  });

  it('follows appended lines until aborted', async () => {
    const file = join(dir, 'log.jsonl');
    writeFileSync(file, line('first'));
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const l of readLogs(file, { follow: true, signal: ac.signal }, async () => true)) seen.push(l.line);
    })();
    await new Promise((r) => setTimeout(r, 150));
    appendFileSync(file, line('second'));
    const deadline = Date.now() + 3000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await done;
    expect(seen).toEqual(['first', 'second']);
  });

  it('stamps RFC 3339 times with microseconds', () => {
    expect(rfc3339Now()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Number.isNaN(Date.parse(rfc3339Now()))).toBe(false);
  });
});
