import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerRuntime, LbClient, LogLine, ShippedLogLine } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { LOG_SHIPMENT_BYTES, LogShipper, shipmentEnd } from './log-shipper';

describe('shipmentEnd', () => {
  it('cuts by count and by bytes, in order; an item over the byte budget goes alone', () => {
    const sizes = [1, 1, 1, 8, 1, 1, 1, 1];
    const cuts: number[][] = [];
    for (let from = 0; from < sizes.length; ) {
      const end = shipmentEnd(sizes, from, (n) => n, 3, 4);
      cuts.push(sizes.slice(from, end));
      from = end;
    }
    expect(cuts).toEqual([[1, 1, 1], [8], [1, 1, 1], [1]]);
    expect(shipmentEnd([], 0, (n: number) => n)).toBe(0);
  });

  it('measures only the items of the shipment at hand', () => {
    let measured = 0;
    expect(shipmentEnd(Array.from({ length: 10_000 }, () => 1), 0, () => (measured++, 1), 500)).toBe(500);
    expect(measured).toBe(500);
  });
});

describe('LogShipper after an outage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-shipper-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the lines it kept in requests under the API limit, each line once and in order', async () => {
    const LINES = 3000;
    const text = (i: number) => `${String(i).padStart(5, '0')} ${'x'.repeat(4000)}`;
    const cri = {
      async *logs(): AsyncIterable<LogLine> {
        for (let i = 0; i < LINES; i++) yield { stream: 'stdout', time: new Date(1_700_000_000_000 + i).toISOString(), line: text(i) };
      },
    } as unknown as ContainerRuntime;
    let down = true;
    const calls: { lines: number; bytes: number }[] = [];
    const shipped: string[] = [];
    const client = {
      async shipLogs(_node: string, lines: ShippedLogLine[]) {
        if (down) throw new Error('connection refused');
        calls.push({ lines: lines.length, bytes: Buffer.byteLength(JSON.stringify({ lines })) });
        shipped.push(...lines.map((l) => l.line));
        return { stored: lines.length };
      },
    } as unknown as LbClient;
    const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
    const shipper = new LogShipper(client, () => cri, 'n1', dir, quiet);
    shipper.sync([{ id: 'c1', namespace: 'ns', service: 'svc', pod: 'svc-1', container: 'main' }]);
    await new Promise((r) => setTimeout(r, 300)); // the follower read everything; every flush failed
    down = false;
    await shipper.flush();
    await shipper.stop();
    // 12 MB piled up: more than one shipment, each under the budget and the count.
    expect(calls.length).toBeGreaterThan(3);
    for (const c of calls) {
      expect(c.bytes).toBeLessThanOrEqual(LOG_SHIPMENT_BYTES + 16);
      expect(c.lines).toBeLessThanOrEqual(500);
    }
    expect(shipped).toEqual(Array.from({ length: LINES }, (_, i) => text(i)));
  });
});
