// The shipper against a fake API that refuses lines of a pod not bound to the node (as the real one
// does, naming each line): those lines are dropped, the others are stored, and nothing is retried forever.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbError, type ContainerRuntime, type LbClient, type LogLine, type ShippedLogLine } from '@lastbackend/sdk';
import { createLogger } from '../kernel/logger';
import { LogShipper, refusedLines } from './log-shipper';

describe('refusedLines', () => {
  const forbidden = (...fields: string[]) => new LbError('FORBIDDEN', 'x', { fields: fields.map((field) => ({ field, reason: 'r' })) });
  it('reads the refused indexes when every named field is a line of the shipment', () => {
    expect([...refusedLines(forbidden('lines.1', 'lines.3.service'), 5)]).toEqual([1, 3]);
  });
  it('is empty for other errors, unnamed refusals and indexes outside the shipment', () => {
    expect(refusedLines(new LbError('UNAVAILABLE', 'down'), 5).size).toBe(0);
    expect(refusedLines(new LbError('FORBIDDEN', 'no fields'), 5).size).toBe(0);
    expect(refusedLines(forbidden('lines.7'), 5).size).toBe(0);
    expect(refusedLines(forbidden('lines.1', 'node'), 5).size).toBe(0);
  });
});

describe('LogShipper with lines the API refuses', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-shipper-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('drops the refused lines and ships the rest', async () => {
    const lines = (pod: string): LogLine[] => [1, 2, 3].map((i) => ({ stream: 'stdout', time: `2030-01-01T00:00:0${i}.000000000Z`, line: `${pod} ${i}` }));
    const cri = {
      async *logs(id: string, o: { signal?: AbortSignal }) {
        yield* lines(id);
        await new Promise((r) => o.signal?.addEventListener('abort', r));
      },
    } as unknown as ContainerRuntime;
    const stored: ShippedLogLine[] = [];
    let calls = 0;
    const client = {
      async shipLogs(_node: string, batch: ShippedLogLine[]) {
        calls++;
        const bad = batch.flatMap((l, i) => (l.pod === 'gone' ? [{ field: `lines.${i}`, reason: `pod "gone" is not bound to node "n1"` }] : []));
        if (bad.length) throw new LbError('FORBIDDEN', 'refused', { fields: bad });
        stored.push(...batch);
        return { stored: batch.length };
      },
    } as unknown as LbClient;
    const shipper = new LogShipper(client, () => cri, 'n1', dir, createLogger('silent'));
    const target = (pod: string) => ({ id: pod, namespace: 'default', service: 'web', pod, container: 'web' });
    shipper.sync([target('mine'), target('gone')]);
    const until = Date.now() + 5000;
    while (stored.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    await shipper.stop();
    expect(stored.map((l) => l.line)).toEqual(['mine 1', 'mine 2', 'mine 3']);
    expect(calls).toBe(2); // one refused, one stored: the refused lines are not sent again
  });
});
