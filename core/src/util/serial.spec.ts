import { LatestWins, LatestWinsByKey } from './serial';

/** A run that waits until the test releases it, recording what it ran on and how many ran at once. */
function gate<T>() {
  const ran: T[] = [];
  const release: (() => void)[] = [];
  let active = 0;
  let maxActive = 0;
  const run = async (input: T) => {
    active++;
    maxActive = Math.max(maxActive, active);
    ran.push(input);
    await new Promise<void>((r) => release.push(r));
    active--;
  };
  /** Releases the run in flight and lets the next one (if any) start. */
  const next = async () => {
    release.shift()!();
    await tick();
  };
  return { ran, run, next, pending: () => release.length, maxActive: () => maxActive };
}

const tick = () => new Promise((r) => setImmediate(r));
const noErrors = (e: Error) => {
  throw e;
};

describe('LatestWins', () => {
  it('runs one at a time; requests during a run make exactly one more run, with the latest input', async () => {
    const g = gate<number>();
    const s = new LatestWins<number>(g.run, noErrors);
    const first = s.request(1);
    expect(g.ran).toEqual([1]); // the first run starts at once
    const second = s.request(2);
    const third = s.request(3);
    await g.next();
    expect(g.ran).toEqual([1, 3]);
    expect(g.pending()).toBe(1);
    await g.next();
    await Promise.all([first, second, third]);
    expect(g.ran).toEqual([1, 3]);
    expect(g.maxActive()).toBe(1);
    expect(s.busy).toBe(false);
  });

  it('resolves a request made during a run only after the run it caused', async () => {
    const g = gate<string>();
    const s = new LatestWins<string>(g.run, noErrors);
    void s.request('a');
    let done = false;
    const later = s.request('b').then(() => (done = true));
    await g.next(); // 'a' ends, 'b' starts
    expect(done).toBe(false);
    await g.next();
    await later;
    expect(done).toBe(true);
  });

  it('starts a new run for a request made after the last one ended', async () => {
    const ran: number[] = [];
    const s = new LatestWins<number>(async (n) => void ran.push(n), noErrors);
    await s.request(1);
    await s.request(2);
    expect(ran).toEqual([1, 2]);
  });

  it('reports a failed run with its input, resolves its caller, and still runs what was requested meanwhile', async () => {
    const errors: string[] = [];
    let release!: () => void;
    const ran: number[] = [];
    const s = new LatestWins<number>(
      async (n) => {
        ran.push(n);
        if (n === 1) {
          await new Promise<void>((r) => (release = r));
          throw new Error('store closed');
        }
      },
      (e, n) => errors.push(`${n}: ${e.message}`),
    );
    const first = s.request(1);
    const second = s.request(2);
    release();
    await expect(first).resolves.toBeUndefined();
    await second;
    expect(errors).toEqual(['1: store closed']);
    expect(ran).toEqual([1, 2]);
  });

  it('reports a run that throws synchronously, and a handler that throws does not wedge it', async () => {
    const errors: string[] = [];
    const s = new LatestWins<number>(
      ((n: number) => {
        throw new Error(`sync ${n}`);
      }) as unknown as (n: number) => Promise<void>,
      (e) => {
        errors.push(e.message);
        throw new Error('handler failed');
      },
    );
    await s.request(1);
    await s.request(2);
    expect(errors).toEqual(['sync 1', 'sync 2']);
    expect(s.busy).toBe(false);
  });

  it('stop waits for the run in flight, drops what was due, and runs nothing afterwards', async () => {
    const g = gate<number>();
    const s = new LatestWins<number>(g.run, noErrors);
    void s.request(1);
    void s.request(2);
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false); // run 1 is still in flight
    await g.next();
    await stopping;
    expect(stopped).toBe(true);
    await s.request(3);
    expect(g.ran).toEqual([1]);
  });

  it('a run reading shared state sends the newest state last (the node stream pushing maps)', async () => {
    let state = 0;
    const sent: number[] = [];
    const release: (() => void)[] = [];
    const s = new LatestWins(async () => {
      const seen = state;
      await new Promise<void>((r) => release.push(r));
      sent.push(seen);
    }, noErrors);
    const first = s.request();
    state = 1;
    void s.request();
    state = 2;
    const last = s.request();
    release.shift()!();
    await tick();
    release.shift()!();
    await Promise.all([first, last]);
    expect(sent).toEqual([0, 2]);
    expect(release).toHaveLength(0);
  });
});

describe('LatestWinsByKey', () => {
  it('runs keys independently, each one at a time with its latest input, and forgets idle keys', async () => {
    const running = new Map<string, number>();
    const ran: string[] = [];
    const release = new Map<string, () => void>();
    let overlapSameKey = false;
    const s = new LatestWinsByKey<string, number>(async (key, n) => {
      if (running.has(key)) overlapSameKey = true;
      running.set(key, n);
      ran.push(`${key}${n}`);
      await new Promise<void>((r) => release.set(`${key}${n}`, r));
      running.delete(key);
    }, noErrors);
    const a = s.request('a', 1);
    const b = s.request('b', 1);
    expect(running.size).toBe(2); // two keys at once
    void s.request('a', 2);
    const a3 = s.request('a', 3);
    release.get('a1')!();
    await tick();
    expect(ran).toEqual(['a1', 'b1', 'a3']);
    release.get('a3')!();
    release.get('b1')!();
    await Promise.all([a, b, a3]);
    expect(overlapSameKey).toBe(false);
    expect(s.busy('a')).toBe(false);
    expect(s.busy('b')).toBe(false);
  });

  it('reports errors with their key, and stop waits for every run in flight', async () => {
    const errors: string[] = [];
    let release!: () => void;
    const s = new LatestWinsByKey<string>(
      async (key) => {
        if (key === 'bad') throw new Error('no such pod');
        await new Promise<void>((r) => (release = r));
      },
      (e, key) => errors.push(`${key}: ${e.message}`),
    );
    await s.request('bad');
    expect(errors).toEqual(['bad: no such pod']);
    void s.request('slow');
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
    await s.request('after');
    expect(s.busy('after')).toBe(false);
  });
});
