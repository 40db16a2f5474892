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

  it('refuses a size that is not a positive integer', () => {
    expect(() => new Slots(0)).toThrow(/positive integer/);
    expect(() => new Slots(1.5)).toThrow(/positive integer/);
  });
});
