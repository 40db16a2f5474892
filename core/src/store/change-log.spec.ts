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

  it('keeps the texts the backend stored, not the objects: a resumed watch gets them parsed, the live one the objects', () => {
    const log = new ChangeLog(0, 100);
    const value = { meta: { revision: 2 }, spec: { replicas: 3 } };
    const prev = { meta: { revision: 1 }, spec: { replicas: 1 } };
    const live: StoreEvent[] = [];
    log.subscribe('', 1, (e) => live.push(e));
    log.record({ type: 'put', key: 'a/1', value, prev, revision: 2, origin: 'api', text: { value: JSON.stringify(value), prev: JSON.stringify(prev) } });
    expect(live[0].value).toBe(value);
    // Changed after it was recorded (a writer reusing its object): the log still has what was stored.
    value.spec.replicas = 9;
    const resumed: StoreEvent[] = [];
    log.subscribe('', 1, (e) => resumed.push(e));
    expect(resumed).toEqual([{ type: 'put', key: 'a/1', value: { meta: { revision: 2 }, spec: { replicas: 3 } }, prev, revision: 2, origin: 'api', text: { value: '{"meta":{"revision":2},"spec":{"replicas":3}}', prev: JSON.stringify(prev) } }]);
    expect(resumed[0].prev).not.toBe(prev);
    // An event without texts (a backend that has none) is kept as its objects' JSON.
    log.record({ type: 'del', key: 'a/1', prev: { meta: { revision: 2 } }, revision: 3 });
    const again: StoreEvent[] = [];
    log.subscribe('', 2, (e) => again.push(e));
    expect(again).toEqual([{ type: 'del', key: 'a/1', value: undefined, prev: { meta: { revision: 2 } }, revision: 3, text: { prev: '{"meta":{"revision":2}}' } }]);
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
