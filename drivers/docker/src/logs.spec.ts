import { truncationMarker } from '@lastbackend/sdk';
import { FrameDecoder, LogLineAssembler, OutputCollector } from './logs';

const frame = (type: 1 | 2, text: string): Buffer => {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

const TS = '2024-05-01T10:00:00.123456789Z';

describe('FrameDecoder', () => {
  it('reassembles frames split across chunks at any byte', () => {
    const all = Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops\n'), frame(1, 'bye\n')]);
    for (let cut = 1; cut < all.length; cut++) {
      const d = new FrameDecoder();
      const frames = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut)), ...d.end()];
      expect(frames.map((f) => [f.stream, f.payload.toString()])).toEqual([
        ['stdout', 'hello\n'],
        ['stderr', 'oops\n'],
        ['stdout', 'bye\n'],
      ]);
    }
  });

  it('passes a stream without frame headers through as stdout', () => {
    const d = new FrameDecoder();
    const frames = [...d.push(Buffer.from('plain text output\n')), ...d.push(Buffer.from('more')), ...d.end()];
    expect(frames.map((f) => f.payload.toString()).join('')).toBe('plain text output\nmore');
    expect(d.isRaw).toBe(true);
  });
});

describe('LogLineAssembler', () => {
  it('splits off the timestamp and keeps the stream', () => {
    const a = new LogLineAssembler();
    const d = new FrameDecoder();
    const lines = d.push(Buffer.concat([frame(1, `${TS} out\n`), frame(2, `${TS} err\r\n`)])).flatMap((f) => a.pushFrame(f, false));
    expect(lines).toEqual([
      { stream: 'stdout', time: TS, line: 'out' },
      { stream: 'stderr', time: TS, line: 'err' },
    ]);
  });

  it('joins partial messages and flushes an unterminated last line', () => {
    const a = new LogLineAssembler();
    const out = [
      ...a.pushFrame({ stream: 'stdout', payload: Buffer.from(`${TS} part one, `) }, false),
      ...a.pushFrame({ stream: 'stdout', payload: Buffer.from('2024-05-01T10:00:01Z part two\n') }, false),
      ...a.pushFrame({ stream: 'stdout', payload: Buffer.from(`${TS} no newline`) }, false),
    ];
    expect(out).toEqual([{ stream: 'stdout', time: TS, line: 'part one, part two' }]);
    expect(a.end()).toEqual([{ stream: 'stdout', time: TS, line: 'no newline' }]);
  });

  it('reads a TTY stream line by line', () => {
    const a = new LogLineAssembler();
    const out = [
      ...a.pushFrame({ stream: 'stdout', payload: Buffer.from(`${TS} a\r\n${TS} b`) }, true),
      ...a.pushFrame({ stream: 'stdout', payload: Buffer.from('c\r\n') }, true),
    ];
    expect(out.map((l) => l.line)).toEqual(['a', 'bc']);
  });
});

describe('OutputCollector', () => {
  it('collects demultiplexed exec output', () => {
    const c = new OutputCollector();
    c.push(Buffer.concat([frame(1, 'hi\n'), frame(2, 'warn\n')]));
    expect(c.result()).toEqual({ stdout: 'hi\n', stderr: 'warn\n' });
  });

  it('keeps at most the limit of each stream and counts the rest as dropped', () => {
    const c = new OutputCollector(false, 10);
    for (let i = 0; i < 100; i++) c.push(frame(1, 'x'.repeat(100)));
    c.push(frame(2, 'warn\n'));
    expect(c.result()).toEqual({ stdout: 'x'.repeat(10) + truncationMarker(9990), stderr: 'warn\n' });
  });
});
