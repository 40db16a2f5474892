import { ChangeLog } from './change-log';
import type { StoreEvent } from './types';

const ev = (revision: number, key: string): StoreEvent => ({ type: 'put', key, value: { meta: { revision } }, revision });
const seen = (log: ChangeLog, prefix: string, from: number) => {
  const got: string[] = [];
  const sub = log.subscribe(prefix, from, (e) => got.push(`${e.revision}:${e.key}`));
  return { got, sub };
};

describe('ChangeLog', () => {
  it('gives a subscriber the kept changes after its revision, then the live ones, each once, in order', () => {
    const log = new ChangeLog(0, 100);
    [ev(1, 'a/1'), ev(2, 'b/1'), ev(3, 'a/2'), ev(3, 'a/3')].forEach((e) => log.record(e));
    const { got } = seen(log, 'a/', 1);
    log.record(ev(4, 'a/1'));
    expect(got).toEqual(['3:a/2', '3:a/3', '4:a/1']);
  });

  it('skips a change that arrives late for a subscriber already past it (another server announced it first)', () => {
    const log = new ChangeLog(0, 100);
    const { got } = seen(log, '', 5);
    log.record(ev(5, 'a/1'));
    log.record(ev(6, 'a/1'));
    expect(got).toEqual(['6:a/1']);
  });

  it('drops whole commits when full, and answers gone for a revision before what it keeps', () => {
    const log = new ChangeLog(10, 3);
    [ev(11, 'a/1'), ev(12, 'a/1'), ev(12, 'a/2'), ev(13, 'a/3')].forEach((e) => log.record(e));
    expect(log.floor).toBe(11);
    expect(log.subscribe('', 10, () => undefined)).toEqual({ gone: true, floor: 11, revision: 13 });
    expect(seen(log, '', 11).got).toEqual(['12:a/1', '12:a/2', '13:a/3']);
  });

  it('after a reset (a gap the backend caught up on) only the revision it reset to and later can resume', () => {
    const log = new ChangeLog(0, 100);
    log.record(ev(1, 'a/1'));
    const live = seen(log, '', 1);
    log.reset(7);
    log.record(ev(7, 'a/1')); // the catch-up's difference: live subscribers get it
    expect(live.got).toEqual(['7:a/1']);
    expect(log.subscribe('', 6, () => undefined)).toMatchObject({ gone: true, floor: 7 });
    expect(seen(log, '', 7).got).toEqual([]);
  });
});

describe('ChangeLog over many changes', () => {
  it('keeps exactly the last commits that fit, however many came', () => {
    const log = new ChangeLog(0, 100);
    for (let r = 1; r <= 1000; r++) log.record(ev(r, `a/${r % 7}`));
    expect(log.floor).toBe(900);
    const { got } = seen(log, '', 900);
    expect(got).toHaveLength(100);
    expect(got[0]).toBe('901:a/5');
  });
});
