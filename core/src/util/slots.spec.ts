import { Slots } from './slots';

const tick = () => new Promise((r) => setImmediate(r));

describe('Slots', () => {
  it('lets `size` holders in at once and the rest in the order they came, as slots are given back', async () => {
    const slots = new Slots(2);
    const order: number[] = [];
    const releases: (() => void)[] = [];
    for (const i of [1, 2, 3, 4]) void slots.acquire().then((r) => (order.push(i), releases.push(r)));
    await tick();
    expect(order).toEqual([1, 2]);
    expect(slots.load).toEqual({ held: 2, waiting: 2 });
    releases[0]!();
    releases[0]!(); // a second call gives nothing back
    await tick();
    expect(order).toEqual([1, 2, 3]);
    expect(slots.load).toEqual({ held: 2, waiting: 1 });
    releases[1]!();
    releases[2]!();
    await tick();
    expect(order).toEqual([1, 2, 3, 4]);
    releases[3]!();
    expect(slots.load).toEqual({ held: 0, waiting: 0 });
  });

  it('gives a slot held longer than holdMs back by itself, once, and lets the next caller in', async () => {
    jest.useFakeTimers();
    try {
      const slots = new Slots(1);
      let expired = 0;
      const hung = await slots.acquire({ holdMs: 1000, onExpire: () => expired++ });
      let next: (() => void) | undefined;
      void slots.acquire().then((r) => (next = r));
      await jest.advanceTimersByTimeAsync(999);
      expect(next).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(next).toBeDefined();
      expect(expired).toBe(1);
      // The hung holder giving back late frees nothing that is not its own.
      hung();
      expect(slots.load).toEqual({ held: 1, waiting: 0 });
      next!();
      expect(slots.load).toEqual({ held: 0, waiting: 0 });
      // Given back in time: no expiry later.
      const quick = await slots.acquire({ holdMs: 1000, onExpire: () => expired++ });
      quick();
      await jest.advanceTimersByTimeAsync(5000);
      expect(expired).toBe(1);
      expect(slots.load).toEqual({ held: 0, waiting: 0 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new Slots(0)).toThrow(/positive integer/);
    expect(() => new Slots(1.5)).toThrow(/positive integer/);
  });
});
