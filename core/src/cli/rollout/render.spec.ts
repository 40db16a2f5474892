import type { PodProgress } from '@lastbackend/sdk';
import type { ServiceProgress } from './progress';
import { BlockRenderer, LineRenderer, blockLines, describePod, podLine, serviceLine } from './render';

const pod = (name: string, phase: PodProgress['phase'], detail = '', pull?: PodProgress['pull']): PodProgress => ({ name, node: 'n1', phase, detail, restarts: 0, ...(pull ? { pull } : {}) });
const svc = (pods: PodProgress[], extra: Partial<ServiceProgress> = {}): ServiceProgress => ({
  name: 'web',
  version: 'v2',
  desired: 2,
  updated: pods.length,
  ready: pods.filter((p) => p.phase === 'ready').length,
  done: false,
  pods,
  ...extra,
});

describe('rollout lines', () => {
  it('say the service tally and each pod phase', () => {
    expect(serviceLine(svc([pod('web-a', 'ready')]))).toBe('service/web v2: 1/2 updated, 1/2 ready');
    expect(serviceLine({ name: 'web', desired: 2, updated: 0, ready: 0, done: false, pods: [], note: 'waiting for the new version' })).toBe('service/web: waiting for the new version');
    const s = svc([]);
    expect(podLine(s, pod('web-a', 'scheduled', 'on node n1'))).toBe('pod/web-a v2: scheduled on node n1');
    expect(podLine(s, pod('web-a', 'pulling', 'pulling 1.0 MB of 4.0 MB (25%)'))).toBe('pod/web-a v2: pulling 1.0 MB of 4.0 MB (25%)');
    expect(podLine(s, pod('web-a', 'pending', 'unschedulable: node n1 lacks label disk=ssd'))).toBe('pod/web-a v2: pending: unschedulable: node n1 lacks label disk=ssd');
    expect(describePod(pod('web-a', 'starting'))).toBe('starting');
  });
});

describe('LineRenderer (pipe mode)', () => {
  it('prints a line only when it changed, pods before their service tally, a pull in steps of 10%', () => {
    const r = new LineRenderer();
    const pulling = (current: number) => pod('web-a', 'pulling', 'exact', { current, total: 1_000_000 });
    expect(r.update([svc([pod('web-a', 'scheduled', 'on node n1')])])).toEqual(['pod/web-a v2: scheduled on node n1', 'service/web v2: 1/2 updated, 0/2 ready']);
    expect(r.update([svc([pod('web-a', 'scheduled', 'on node n1')])])).toEqual([]);
    expect(r.update([svc([pulling(120_000)])])).toEqual(['pod/web-a v2: pulling 100.0 kB of 1.0 MB (10%)']);
    expect(r.update([svc([pulling(150_000)])])).toEqual([]);
    expect(r.update([svc([pulling(210_000)])])).toEqual(['pod/web-a v2: pulling 200.0 kB of 1.0 MB (20%)']);
    expect(r.update([svc([pod('web-a', 'ready'), pod('web-b', 'ready')])])).toEqual(['pod/web-a v2: ready', 'pod/web-b v2: ready', 'service/web v2: 2/2 updated, 2/2 ready']);
  });
});

describe('BlockRenderer (terminal)', () => {
  it('draws the block, then moves up over it and clears before each redraw', () => {
    const b = new BlockRenderer(() => 80);
    const first = b.frame([svc([pod('web-a', 'scheduled', 'on node n1')])]);
    expect(first).toBe('\u001b[0Jservice/web v2   desired 2   updated 1   ready 0\n  web-a   scheduled on node n1\n');
    const second = b.frame([svc([pod('web-a', 'ready'), pod('web-bb', 'starting')])]);
    expect(second).toBe('\u001b[2A\r\u001b[0Jservice/web v2   desired 2   updated 2   ready 1\n  web-a    ready\n  web-bb   starting\n');
    expect(b.frame([svc([pod('web-a', 'ready'), pod('web-bb', 'starting')])])).toBe(''); // nothing changed: nothing drawn
    expect(b.frame([svc([])]).startsWith('\u001b[3A\r\u001b[0J')).toBe(true);
  });

  it('cuts lines to the terminal width (a wrapped line would break the redraw) and drops control sequences from what the server says', () => {
    const b = new BlockRenderer(() => 30);
    const out = b.frame([svc([pod('web-a', 'error', 'bad\u001b]0;title\u0007 thing that is long enough to wrap')])]);
    const lines = out.replace('\u001b[0J', '').trimEnd().split('\n');
    expect(lines.every((l) => l.length < 30)).toBe(true);
    expect(out).not.toMatch(/\u0007|\u001b\]/);
    expect(blockLines([svc([pod('web-\u001b[2Ja', 'ready')])])[1]).toBe('  web-a   ready');
  });
});
