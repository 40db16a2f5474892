import { CronScheduler, cronProblems, dueRuns, nextRun, type Clock } from './cron';

/** A clock the test moves: timers fire in order as time passes them. */
class FakeClock implements Clock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  constructor(private t: number) {}
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  advanceTo(iso: string) {
    const end = Date.parse(iso);
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const first = this.timers[0];
      if (!first || first.at > end) break;
      this.timers.shift();
      this.t = first.at;
      first.fn();
    }
    this.t = end;
  }
  get pending() {
    return this.timers.length;
  }
}

const D = (iso: string) => new Date(iso);

describe('cron: parsing', () => {
  it('takes 5 fields and IANA zones, naming the field of what it refuses', () => {
    expect(cronProblems({ schedule: '*/5 * * * *', timezone: 'Europe/Berlin' })).toEqual([]);
    expect(cronProblems({ schedule: '* * * * * *' })).toEqual([{ field: 'spec.provider.cron.schedule', reason: expect.stringContaining('must have 5 fields') }]);
    expect(cronProblems({ schedule: '61 * * * *' })).toEqual([{ field: 'spec.provider.cron.schedule', reason: expect.stringContaining('"61 * * * *": Constraint error') }]);
    expect(cronProblems({ schedule: '@hourly' })[0]!.reason).toContain('must have 5 fields');
    expect(cronProblems({ schedule: '0 9 * * *', timezone: 'Mars/Base' })).toEqual([{ field: 'spec.provider.cron.timezone', reason: expect.stringContaining('is not a time zone') }]);
  });

  it('a time zone moves the minute: 09:00 in Berlin is 08:00 UTC in winter, 07:00 in summer', () => {
    expect(nextRun({ schedule: '0 9 * * *', timezone: 'Europe/Berlin' }, D('2026-01-10T00:00:00Z')).toISOString()).toBe('2026-01-10T08:00:00.000Z');
    expect(nextRun({ schedule: '0 9 * * *', timezone: 'Europe/Berlin' }, D('2026-07-10T00:00:00Z')).toISOString()).toBe('2026-07-10T07:00:00.000Z');
    expect(nextRun({ schedule: '0 9 * * *' }, D('2026-07-10T00:00:00Z')).toISOString()).toBe('2026-07-10T09:00:00.000Z');
  });
});

describe('cron: which run is due', () => {
  const every5 = { schedule: '*/5 * * * *' };
  it('a new schedule runs nothing before now', () => {
    expect(dueRuns(every5, undefined, D('2026-01-01T10:07:00Z'))).toEqual({ run: false, lastScheduled: D('2026-01-01T10:07:00Z'), next: D('2026-01-01T10:10:00Z'), skippedCount: 0 });
  });
  it('the run of this minute is due once', () => {
    expect(dueRuns(every5, D('2026-01-01T10:05:00Z'), D('2026-01-01T10:10:00.300Z'))).toEqual({
      run: true,
      scheduledAt: D('2026-01-01T10:10:00Z'),
      lastScheduled: D('2026-01-01T10:10:00Z'),
      next: D('2026-01-01T10:15:00Z'),
      skippedCount: 0,
    });
    expect(dueRuns(every5, D('2026-01-01T10:10:00Z'), D('2026-01-01T10:10:20Z'))).toMatchObject({ run: false, skippedCount: 0 });
  });
  it('after a gap, missed runs are skipped (the default) or run once', () => {
    // Down from 10:06 to 10:33: 10:10 … 10:30 fell in the gap (5 runs), none of them on time.
    const last = D('2026-01-01T10:05:00Z');
    const now = D('2026-01-01T10:33:00Z');
    expect(dueRuns(every5, last, now)).toEqual({ run: false, lastScheduled: D('2026-01-01T10:30:00Z'), next: D('2026-01-01T10:35:00Z'), skippedCount: 5 });
    expect(dueRuns({ ...every5, missed: 'skip' }, last, now)).toMatchObject({ run: false, skippedCount: 5 });
    expect(dueRuns({ ...every5, missed: 'run-once' }, last, now)).toEqual({
      run: true,
      scheduledAt: D('2026-01-01T10:30:00Z'),
      lastScheduled: D('2026-01-01T10:30:00Z'),
      next: D('2026-01-01T10:35:00Z'),
      skippedCount: 4,
    });
    // Back just at a run's minute: that run is on time and runs; the missed ones are not run besides.
    expect(dueRuns(every5, last, D('2026-01-01T10:30:10Z'))).toMatchObject({ run: true, scheduledAt: D('2026-01-01T10:30:00Z'), skippedCount: 4 });
  });
});

describe('CronScheduler with a fake clock', () => {
  const make = (start: string) => {
    const clock = new FakeClock(Date.parse(start));
    const due: string[] = [];
    const skipped: [number, string][] = [];
    const s = new CronScheduler({ clock, onDue: (k, at) => due.push(`${k}@${at.toISOString()}`), onSkipped: (_k, n, last) => skipped.push([n, last.toISOString()]) });
    return { clock, due, skipped, s };
  };

  it('a 1-minute schedule fires at each minute, not before', () => {
    const { clock, due, s } = make('2026-01-01T10:00:30Z');
    expect(s.set('ns/job', { schedule: '* * * * *' }).toISOString()).toBe('2026-01-01T10:01:00.000Z');
    clock.advanceTo('2026-01-01T10:00:59.999Z');
    expect(due).toEqual([]);
    clock.advanceTo('2026-01-01T10:01:00Z');
    expect(due).toEqual(['ns/job@2026-01-01T10:01:00.000Z']);
    clock.advanceTo('2026-01-01T10:03:30Z');
    expect(due).toEqual(['ns/job@2026-01-01T10:01:00.000Z', 'ns/job@2026-01-01T10:02:00.000Z', 'ns/job@2026-01-01T10:03:00.000Z']);
    s.delete('ns/job');
    expect(clock.pending).toBe(0);
  });

  it('restarted with the stored lastScheduled: skip runs none of the missed, run-once runs one', () => {
    const a = make('2026-01-01T10:33:00Z');
    a.s.set('ns/a', { schedule: '*/5 * * * *' }, D('2026-01-01T10:05:00Z'));
    expect(a.due).toEqual([]);
    expect(a.skipped).toEqual([[5, '2026-01-01T10:30:00.000Z']]);
    a.clock.advanceTo('2026-01-01T10:35:00Z');
    expect(a.due).toEqual(['ns/a@2026-01-01T10:35:00.000Z']);

    const b = make('2026-01-01T10:33:00Z');
    b.s.set('ns/b', { schedule: '*/5 * * * *', missed: 'run-once' }, D('2026-01-01T10:05:00Z'));
    expect(b.due).toEqual(['ns/b@2026-01-01T10:30:00.000Z']);
    b.clock.advanceTo('2026-01-01T10:35:00Z');
    expect(b.due).toEqual(['ns/b@2026-01-01T10:30:00.000Z', 'ns/b@2026-01-01T10:35:00.000Z']);
    b.s.stop();
  });

  it('fires at the zone\'s minute', () => {
    const { clock, due, s } = make('2026-07-10T06:00:00Z');
    s.set('ns/berlin', { schedule: '0 9 * * *', timezone: 'Europe/Berlin' });
    clock.advanceTo('2026-07-10T06:59:59Z');
    expect(due).toEqual([]);
    clock.advanceTo('2026-07-10T07:00:00Z');
    expect(due).toEqual(['ns/berlin@2026-07-10T07:00:00.000Z']);
    s.stop();
  });

  it('refuses a spec that cannot run, and a callback that throws does not stop the schedule', () => {
    const clock = new FakeClock(Date.parse('2026-01-01T10:00:30Z'));
    const errors: unknown[] = [];
    let n = 0;
    const s = new CronScheduler({ clock, onDue: () => { n++; throw new Error('store down'); }, onError: (_k, e) => errors.push(e) });
    expect(() => s.set('ns/bad', { schedule: '* * *' })).toThrow(/spec.provider.cron.schedule: "\* \* \*" must have 5 fields/);
    s.set('ns/j', { schedule: '* * * * *' });
    clock.advanceTo('2026-01-01T10:02:00Z');
    expect([n, errors.length]).toEqual([2, 2]);
    s.stop();
  });
});
