import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compactingGc, GROWTH_BYTES, IdleGc, QUIET_UTILIZATION, startIdleGc } from './idle-gc';

const MB = 1024 * 1024;

/** An IdleGc over a heap and an event loop the test sets; a collection shrinks the heap to `live`. */
function rig(live = 40 * MB) {
  const state = { heap: 60 * MB, busy: 0, collections: 0 };
  const idle = new IdleGc(
    () => {
      state.collections++;
      state.heap = live;
    },
    () => state.heap,
    () => state.busy,
  );
  return { state, idle };
}

describe('IdleGc', () => {
  it('collects in a quiet interval once the heap has grown since it started, then not until it grows again', () => {
    const { state, idle } = rig();
    expect(idle.check()).toBe(false);
    state.heap += GROWTH_BYTES;
    expect(idle.check()).toBe(true);
    expect(state.heap).toBe(40 * MB);
    state.heap += GROWTH_BYTES - 1;
    expect(idle.check()).toBe(false);
    state.heap += 1;
    expect(idle.check()).toBe(true);
    expect(state.collections).toBe(2);
  });

  it('never collects while the event loop is busy, however big the heap', () => {
    const { state, idle } = rig();
    state.busy = QUIET_UTILIZATION + 0.01;
    state.heap = 500 * MB;
    expect(idle.check()).toBe(false);
    expect(idle.check()).toBe(false);
    expect(state.collections).toBe(0);
    state.busy = 0;
    expect(idle.check()).toBe(true);
  });

  it('counts growth from where V8 shrank the heap itself', () => {
    const { state, idle } = rig(50 * MB);
    state.heap = 80 * MB;
    expect(idle.check()).toBe(true);
    state.heap = 30 * MB; // V8's own collection, below the last one here
    expect(idle.check()).toBe(false);
    state.heap = 30 * MB + GROWTH_BYTES;
    expect(idle.check()).toBe(true);
  });

  it('does nothing without an exposed gc (node started without --expose-gc)', () => {
    const gc = (globalThis as { gc?: unknown }).gc;
    expect(gc).toBeUndefined();
    const spy = jest.spyOn(global, 'setInterval');
    startIdleGc()();
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});

describe('compactingGc', () => {
  it('returns the pages a fragmented old generation holds, which a plain full collection keeps', () => {
    // A gc of V8's own for this test (jest runs without --expose-gc): contexts made once the flag is on get one.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    setFlagsFromString('--no-expose-gc');
    const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_size;
    // Objects that survive into the old generation, then every other one let go: half-empty pages.
    const kept: ({ n: number; s: string } | null)[] = [];
    for (let i = 0; i < 400_000; i++) kept.push({ n: i, s: `object ${i}` });
    gc();
    gc();
    for (let i = 0; i < kept.length; i += 2) kept[i] = null;
    gc();
    const plain = oldSpace();
    compactingGc(gc)();
    const compacted = oldSpace();
    expect(kept[1]).toEqual({ n: 1, s: 'object 1' });
    // Absolute, not a share: a jest worker's old space holds other tests' heap too. Half of the objects
    // above spread over half-empty pages is ~14 MB; a plain collection returns none of it.
    expect(plain - compacted).toBeGreaterThan(8 * MB);
  });
});
