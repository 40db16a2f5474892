import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressGuard } from '../../egress/guard';
import type { Clock } from './cron';
import { HttpProvider, readProviderAnswer, type ProviderItem } from './http-provider';

/** A queue on 127.0.0.1: answers what the test pushed, one per request, then 204. */
async function queueServer() {
  const answers: { status: number; body?: string }[] = [];
  const requests: { method: string; url: string; auth?: string; body: string }[] = [];
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const a = answers.shift() ?? { status: 204 };
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/jobs/next`,
    answers,
    requests,
    close: () => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }),
  };
}

/** Runs 0 ms timers at once; holds longer ones (recorded) until the test fires them. */
class StepClock implements Clock {
  waits: number[] = [];
  private held?: () => void;
  now = () => Date.now();
  setTimeout = (fn: () => void, ms: number) => {
    if (ms === 0) return setImmediate(fn);
    this.waits.push(ms);
    this.held = fn;
    return 'held';
  };
  clearTimeout = (h: unknown) => {
    if (h === 'held') this.held = undefined;
    else clearImmediate(h as NodeJS.Immediate);
  };
  fire() {
    const f = this.held;
    this.held = undefined;
    f?.();
  }
}

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

describe('readProviderAnswer', () => {
  const b = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  it('reads nothing, env in both shapes, and a manifest (unvalidated)', () => {
    expect(readProviderAnswer(204, b(''))).toBeUndefined();
    expect(readProviderAnswer(200, b('  \n'))).toBeUndefined();
    expect(readProviderAnswer(200, b({ env: { ITEM: '7', N: 3 } }))).toEqual({ env: [{ name: 'ITEM', value: '7' }, { name: 'N', value: '3' }] });
    expect(readProviderAnswer(200, b({ env: [{ name: 'ITEM', value: 'x' }] }))).toEqual({ env: [{ name: 'ITEM', value: 'x' }] });
    expect(readProviderAnswer(200, b({ manifest: { spec: { anything: true } } }))).toEqual({ manifest: { spec: { anything: true } } });
  });
  it('refuses the rest, saying why', () => {
    expect(readProviderAnswer(302, b(''))).toBe('answered 302 (redirects are not followed)');
    expect(readProviderAnswer(500, b(''))).toBe('answered 500');
    expect(readProviderAnswer(200, b('nope'))).toBe('answered something that is not JSON');
    expect(readProviderAnswer(200, b({ env: { 'BAD-NAME': 'x' } }))).toBe('env name "BAD-NAME" is not a variable name');
    expect(readProviderAnswer(200, b({ env: {}, manifest: {} }))).toMatch(/both env and manifest/);
    expect(readProviderAnswer(200, b({ items: [] }))).toMatch(/unknown field items/);
    expect(readProviderAnswer(200, b({}))).toMatch(/neither env nor manifest/);
  });
});

describe('HttpProvider against a local queue on 127.0.0.1', () => {
  let q: Awaited<ReturnType<typeof queueServer>>;
  beforeEach(async () => { q = await queueServer(); });
  afterEach(() => q.close());
  const egress = (allow: string[]) => new EgressGuard({ allowOf: async () => allow });

  it('drains the queue while there is capacity, then waits the interval; POSTs with the headers given', async () => {
    q.answers.push({ status: 200, body: JSON.stringify({ env: { ITEM: '1' } }) }, { status: 200, body: JSON.stringify({ env: [{ name: 'ITEM', value: '2' }] }) }, { status: 200, body: JSON.stringify({ manifest: { spec: { x: 1 } } }) });
    const items: ProviderItem[] = [];
    const clock = new StepClock();
    const p = new HttpProvider({
      namespace: 'q', job: 'worker', clock,
      spec: { endpoint: q.url, method: 'POST', headers: { authorization: 'Bearer t' }, interval: '30s' },
      egress: egress(['127.0.0.1/32']),
      hasCapacity: () => items.length < 10,
      onItem: (i) => void items.push(i),
    });
    p.start();
    await until(() => clock.waits.length === 1);
    expect(items).toEqual([{ env: [{ name: 'ITEM', value: '1' }] }, { env: [{ name: 'ITEM', value: '2' }] }, { manifest: { spec: { x: 1 } } }]);
    expect(q.requests).toHaveLength(4); // three items, then 204
    expect(q.requests[0]).toEqual({ method: 'POST', url: '/jobs/next', auth: 'Bearer t', body: JSON.stringify({ namespace: 'q', job: 'worker' }) });
    expect(clock.waits).toEqual([30_000]);
    await p.stop();
  });

  it('does not poll without capacity; wake() polls once there is room', async () => {
    q.answers.push({ status: 200, body: JSON.stringify({ env: { ITEM: '1' } }) });
    let room = false;
    const items: ProviderItem[] = [];
    const clock = new StepClock();
    const p = new HttpProvider({ namespace: 'q', job: 'w', clock, spec: { endpoint: q.url }, egress: egress(['127.0.0.1']), hasCapacity: () => room, onItem: (i) => void items.push(i) });
    p.start();
    await until(() => clock.waits.length === 1);
    expect(q.requests).toHaveLength(0);
    expect(clock.waits).toEqual([10_000]);
    room = true;
    p.wake();
    await until(() => clock.waits.length === 2);
    expect(items).toEqual([{ env: [{ name: 'ITEM', value: '1' }] }]);
    await p.stop();
  });

  it('backs off on errors (a 500, an answer that is not JSON), and resets after a good poll', async () => {
    q.answers.push({ status: 500 }, { status: 200, body: 'not json' }, { status: 204 });
    const errors: [string, number][] = [];
    const clock = new StepClock();
    const p = new HttpProvider({ namespace: 'q', job: 'w', clock, spec: { endpoint: q.url, interval: '1s' }, egress: egress(['127.0.0.1/32']), hasCapacity: () => true, onItem: () => undefined, onError: (e, ms) => errors.push([e.message, ms]) });
    p.start();
    await until(() => clock.waits.length === 1);
    clock.fire();
    await until(() => clock.waits.length === 2);
    clock.fire();
    await until(() => clock.waits.length === 3);
    expect(errors).toEqual([
      [`job "w" provider GET ${q.url} answered 500`, 2000],
      [`job "w" provider GET ${q.url} answered something that is not JSON`, 4000],
    ]);
    expect(clock.waits).toEqual([2000, 4000, 1000]);
    await p.stop();
  });

  it('a provider on loopback is refused unless the namespace allows it', async () => {
    const p = new HttpProvider({ namespace: 'q', job: 'w', spec: { endpoint: q.url }, egress: egress(['localhost', '0.0.0.0/0']), hasCapacity: () => true, onItem: () => undefined });
    await expect(p.pollOnce()).rejects.toThrow(`egress to ${q.url} refused: 127.0.0.1 is loopback and not allowed by namespace "q"'s egress`);
    expect(q.requests).toHaveLength(0);
  });
});
