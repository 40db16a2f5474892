// The exec stream's framing: what one side encodes the other decodes, however the bytes are cut.
import { encodeFrame, exitFrame, FrameDecoder, FrameType, MAX_FRAME, parseExit, parseResize, resizeFrame } from './frames';

describe('exec stream frames', () => {
  it('round-trips frames cut at every byte boundary', () => {
    const wire = Buffer.concat([
      encodeFrame(FrameType.stdin, 'ls -l\r'),
      resizeFrame(120, 40),
      encodeFrame(FrameType.stdinEnd),
      encodeFrame(FrameType.stdout, Buffer.from([0, 1, 2, 255])),
      exitFrame({ exitCode: 3 }),
    ]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const d = new FrameDecoder();
      const frames = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
      expect(frames.map((f) => f.type)).toEqual([FrameType.stdin, FrameType.resize, FrameType.stdinEnd, FrameType.stdout, FrameType.exit]);
      expect(frames[0].payload.toString()).toBe('ls -l\r');
      expect(parseResize(frames[1].payload)).toEqual({ cols: 120, rows: 40 });
      expect(frames[2].payload.length).toBe(0);
      expect([...frames[3].payload]).toEqual([0, 1, 2, 255]);
      expect(parseExit(frames[4].payload)).toEqual({ exitCode: 3 });
      expect(d.pending).toBe(0);
    }
  });

  it('one byte at a time: nothing until a frame is whole', () => {
    const d = new FrameDecoder();
    const wire = encodeFrame(FrameType.stderr, 'oops');
    const got = [...wire].flatMap((b) => d.push(Buffer.from([b])));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ type: FrameType.stderr });
    expect(got[0].payload.toString()).toBe('oops');
  });

  it('refuses an unknown type and a frame over the limit (a peer that is not speaking this protocol)', () => {
    expect(() => new FrameDecoder().push(Buffer.from([9, 0, 0, 0, 0]))).toThrow('unknown frame type 9');
    const big = Buffer.alloc(5);
    big.writeUInt8(FrameType.stdout, 0);
    big.writeUInt32BE(MAX_FRAME + 1, 1);
    expect(() => new FrameDecoder().push(big)).toThrow(/over the limit/);
  });

  it('clamps a resize to 1..65535 and refuses a malformed one', () => {
    expect(parseResize(resizeFrame(0, 70000).subarray(5))).toEqual({ cols: 1, rows: 65535 });
    expect(() => parseResize(Buffer.from([1, 2, 3]))).toThrow(/4 bytes/);
  });

  it('an exit carries a code or an error, nothing else', () => {
    expect(parseExit(exitFrame({ error: { reason: 'FAILED_PRECONDITION', message: 'no' } }).subarray(5))).toEqual({ error: { reason: 'FAILED_PRECONDITION', message: 'no' } });
    expect(() => parseExit(Buffer.from('{"exitCode":1.5}'))).toThrow(/neither/);
    expect(() => parseExit(Buffer.from('nope'))).toThrow(/not JSON/);
  });
});
