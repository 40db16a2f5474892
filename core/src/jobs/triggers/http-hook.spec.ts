import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressGuard } from '../../egress/guard';
import type { Clock } from './cron';
import { HttpHook, hookPayload, type HookOutcome, type HookPayload } from './http-hook';
import type { TaskLike } from './types';

/** A hook receiver on 127.0.0.1 answering the statuses the test lists (then 200). */
async function receiver(statuses: number[]) {
  const got: { method: string; delivery: string; attempt: string; auth?: string; body: HookPayload }[] = [];
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ method: req.method!, delivery: String(req.headers['x-lb-delivery']), attempt: String(req.headers['x-lb-attempt']), auth: req.headers.authorization, body: JSON.parse(body) as HookPayload });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`, got, close: () => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

/** Timers run at once; their delays are recorded. */
class InstantClock implements Clock {
  waits: number[] = [];
  now = () => Date.now();
  setTimeout = (fn: () => void, ms: number) => {
    this.waits.push(ms);
    return setImmediate(fn);
  };
  clearTimeout = (h: unknown) => clearImmediate(h as NodeJS.Immediate);
}

const task: TaskLike = {
  meta: { name: 'backup-x7k2p', namespace: 'q', job: 'backup' },
  status: {
    state: 'failed',
    attempt: 2,
    containers: [{ name: 'main', exit_code: 3 }, { name: 'side', exit_code: 0 }, { name: 'never-ran' }],
    started: '2026-01-01T10:00:00Z',
    finished: '2026-01-01T10:01:00Z',
  },
};
const payload: HookPayload = { job: 'backup', task: 'backup-x7k2p', namespace: 'q', state: 'failed', attempt: 2, exit_codes: { main: 3, side: 0 }, started: '2026-01-01T10:00:00Z', finished: '2026-01-01T10:01:00Z' };

describe('HttpHook against a local receiver on 127.0.0.1', () => {
  const egress = new EgressGuard({ allowOf: async () => ['127.0.0.1/32'] });

  it('the payload: job, task, namespace, state, attempt, exit codes per container, times', () => {
    expect(hookPayload(task)).toEqual(payload);
  });

  it('a 500 then 200 is retried with back-off and delivered once', async () => {
    const r = await receiver([500]);
    const clock = new InstantClock();
    const outcomes: HookOutcome[] = [];
    const hook = new HttpHook({ egress, clock, onOutcome: (_p, o) => outcomes.push(o) });
    const o = await hook.notify({ endpoint: r.url, headers: { authorization: 'Bearer h' } }, task);
    expect(o).toMatchObject({ delivered: true, attempts: 2, status: 200 });
    expect(outcomes).toEqual([o]);
    expect(r.got.map((g) => [g.method, g.attempt, g.delivery, g.auth])).toEqual([
      ['POST', '1', o.delivery, 'Bearer h'],
      ['POST', '2', o.delivery, 'Bearer h'],
    ]);
    expect(r.got.map((g) => g.body)).toEqual([payload, payload]);
    expect(clock.waits).toEqual([1000]);
    expect(hook.pending).toBe(0);
    await r.close();
  });

  it('gives up after the attempts, doubling the waits; a 404 is final', async () => {
    const r = await receiver([503, 503, 503, 503, 503, 503, 404]);
    const clock = new InstantClock();
    const hook = new HttpHook({ egress, clock, attempts: 4, baseDelayMs: 100 });
    expect(await hook.notify({ endpoint: r.url, method: 'PUT' }, task)).toMatchObject({ delivered: false, attempts: 4, status: 503, error: `PUT ${r.url} answered 503` });
    expect(clock.waits).toEqual([100, 200, 400]);
    r.got.length = 0;
    await hook.notify({ endpoint: r.url }, task); // 503, 503, then 404: final
    expect(r.got.map((g) => g.attempt)).toEqual(['1', '2', '3']);
    await r.close();
  });

  it('a hook the namespace does not allow is refused at once, naming why; the caller is not blocked', async () => {
    const r = await receiver([]);
    const hook = new HttpHook({ egress: new EgressGuard({ allowOf: async () => ['hooks.example.com'] }), clock: new InstantClock() });
    const pending = hook.notify({ endpoint: r.url }, task);
    expect(hook.pending).toBe(1);
    const o = await pending;
    expect(o).toMatchObject({ delivered: false, attempts: 1, error: `egress to ${r.url} refused: 127.0.0.1 is not allowed by namespace "q"'s egress` });
    expect(r.got).toHaveLength(0);
    await r.close();
  });

  it('stop() ends the waits between attempts', async () => {
    const r = await receiver([500, 500]);
    const held: (() => void)[] = [];
    const clock: Clock = { now: () => Date.now(), setTimeout: (fn) => held.push(fn), clearTimeout: () => undefined };
    const hook = new HttpHook({ egress, clock });
    const pending = hook.notify({ endpoint: r.url }, task);
    while (!held.length) await new Promise((res) => setTimeout(res, 5));
    hook.stop();
    expect(await pending).toMatchObject({ delivered: false, attempts: 1, error: `POST ${r.url} answered 500 (stopped before attempt 2)` });
    expect(r.got).toHaveLength(1);
    await r.close();
  });
});
