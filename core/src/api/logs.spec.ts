import type { LogEntry } from '@lastbackend/sdk';
import { mergeHistories } from './logs';

const line = (time: string, text: string, pod = 'p1'): LogEntry => ({ pod, container: 'c', stream: 'stdout', time, line: text });

describe('mergeHistories', () => {
  it('merges shares of several servers in time order, each line once, then keeps the last `tail`', () => {
    const a = [line('2026-01-01T00:00:01.5Z', 'one'), line('2026-01-01T00:00:03Z', 'three')];
    // the second server got "three" again (an agent that failed over resent it) and the lines after it
    const b = [line('2026-01-01T00:00:02.000000001Z', 'two', 'p2'), line('2026-01-01T00:00:03.000000000Z', 'three'), line('2026-01-01T00:00:04Z', 'four')];
    expect(mergeHistories([a, b]).map((l) => l.line)).toEqual(['one', 'two', 'three', 'four']);
    expect(mergeHistories([b, a], 2).map((l) => l.line)).toEqual(['three', 'four']);
    expect(mergeHistories([a, []], 0)).toEqual([]);
  });

  it('keeps two equal texts of different times or containers apart', () => {
    const a = [line('2026-01-01T00:00:01Z', 'same'), line('2026-01-01T00:00:02Z', 'same')];
    const b = [line('2026-01-01T00:00:01Z', 'same', 'p2')];
    expect(mergeHistories([a, b])).toHaveLength(3);
  });
});
