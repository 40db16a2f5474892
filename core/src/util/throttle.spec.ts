import { Throttle } from './throttle';

describe('Throttle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends the first at once, then at most one per interval, always the newest, and the last one too', () => {
    const sent: number[] = [];
    const t = new Throttle<number>(1000, (v) => sent.push(v));
    t.push(1);
    expect(sent).toEqual([1]);
    for (let i = 2; i <= 50; i++) t.push(i);
    expect(sent).toEqual([1]);
    jest.advanceTimersByTime(999);
    expect(sent).toEqual([1]);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([1, 50]);
    t.push(51);
    jest.advanceTimersByTime(500);
    t.push(52);
    expect(sent).toEqual([1, 50]);
    jest.advanceTimersByTime(500);
    expect(sent).toEqual([1, 50, 52]);
    // After a quiet interval, at once again.
    jest.advanceTimersByTime(5000);
    t.push(53);
    expect(sent).toEqual([1, 50, 52, 53]);
  });

  it('drops what waits when cancelled', () => {
    const sent: number[] = [];
    const t = new Throttle<number>(1000, (v) => sent.push(v));
    t.push(1);
    t.push(2);
    t.cancel();
    jest.advanceTimersByTime(5000);
    expect(sent).toEqual([1]);
  });
});
