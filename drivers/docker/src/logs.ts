// Docker's log and exec output. A container without a TTY sends a multiplexed stream: frames of an 8-byte header
// ([stream type, 0, 0, 0, payload length as uint32 big-endian]) followed by the payload. With timestamps=true each
// log message is one frame whose payload starts with an RFC 3339 timestamp and a space.
import { EXEC_OUTPUT_LIMIT, boundedCollector, type BoundedCollector, type LogLine } from '@lastbackend/sdk';
import { LineSplitter } from './stream';

export type StreamName = 'stdout' | 'stderr';

export interface Frame {
  stream: StreamName;
  payload: Buffer;
}

const EMPTY = Buffer.alloc(0);

/** Reassembles frames across chunk boundaries. Falls back to raw stdout when the stream is not multiplexed (TTY). */
export class FrameDecoder {
  private buf: Buffer = EMPTY;
  private framed = false;

  constructor(private raw = false) {}

  get isRaw(): boolean {
    return this.raw;
  }

  push(chunk: Buffer): Frame[] {
    if (this.raw) return chunk.length ? [{ stream: 'stdout', payload: chunk }] : [];
    let buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (buf.length >= 8) {
      const type = buf[0];
      if (type > 2 || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0) {
        // Not a frame header: the stream is raw. Everything from here on is stdout.
        this.raw = true;
        out.push({ stream: 'stdout', payload: buf });
        buf = EMPTY;
        break;
      }
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      this.framed = true;
      out.push({ stream: type === 2 ? 'stderr' : 'stdout', payload: buf.subarray(8, 8 + size) });
      buf = buf.subarray(8 + size);
    }
    this.buf = Buffer.from(buf);
    return out;
  }

  /** Leftover bytes: short raw output is passed on; a truncated frame after real frames is dropped. */
  end(): Frame[] {
    const rest = this.buf;
    this.buf = EMPTY;
    return rest.length && !this.framed ? [{ stream: 'stdout', payload: rest }] : [];
  }
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) /;

/** Splits "<RFC 3339> <text>" into its parts; text without a timestamp gets `fallback`. */
export function splitTimestamp(record: string, fallback: string): { time: string; text: string } {
  const m = TIMESTAMP.exec(record);
  return m ? { time: m[1], text: record.slice(m[0].length) } : { time: fallback, text: record };
}

const stripCr = (s: string): string => (s.endsWith('\r') ? s.slice(0, -1) : s);

/**
 * Turns decoded frames of a timestamped log stream into lines. A message without a trailing newline (Docker's
 * partial messages, or a last line without one) is joined with what follows on the same stream.
 */
export class LogLineAssembler {
  private readonly pending: Record<StreamName, { time: string; parts: Buffer[] } | undefined> = {
    stdout: undefined,
    stderr: undefined,
  };
  private readonly raw = new LineSplitter();

  /** Frames of a multiplexed stream: one log message each. */
  pushFrame(frame: Frame, rawMode: boolean): LogLine[] {
    if (rawMode) return this.pushRaw(frame.payload);
    const out: LogLine[] = [];
    const payload = frame.payload;
    const sp = payload.indexOf(32);
    const head = payload.subarray(0, sp === -1 ? 0 : sp + 1).toString('latin1');
    const stamped = sp !== -1 && TIMESTAMP.test(head);
    const time = stamped ? head.slice(0, -1) : new Date().toISOString();
    let body = stamped ? payload.subarray(sp + 1) : payload;
    for (let nl = body.indexOf(10); nl !== -1; nl = body.indexOf(10)) {
      out.push(this.complete(frame.stream, time, body.subarray(0, nl)));
      body = body.subarray(nl + 1);
    }
    if (body.length) {
      const p = this.pending[frame.stream];
      if (p) p.parts.push(Buffer.from(body));
      else this.pending[frame.stream] = { time, parts: [Buffer.from(body)] };
    }
    return out;
  }

  /** TTY containers: one undivided stdout stream of "<timestamp> <text>\n" records. */
  private pushRaw(chunk: Buffer): LogLine[] {
    return this.raw.push(chunk).map((rec) => this.rawLine(rec));
  }

  private rawLine(rec: Buffer): LogLine {
    const { time, text } = splitTimestamp(rec.toString('utf8'), new Date().toISOString());
    return { stream: 'stdout', time, line: stripCr(text) };
  }

  private complete(stream: StreamName, time: string, tail: Buffer): LogLine {
    const p = this.pending[stream];
    this.pending[stream] = undefined;
    const bytes = p ? Buffer.concat([...p.parts, tail]) : tail;
    return { stream, time: p ? p.time : time, line: stripCr(bytes.toString('utf8')) };
  }

  /** Flushes unterminated text at the end of the stream. */
  end(): LogLine[] {
    const out: LogLine[] = this.raw.end().map((rec) => this.rawLine(rec));
    for (const stream of ['stdout', 'stderr'] as const) {
      const p = this.pending[stream];
      if (p) out.push(this.complete(stream, p.time, EMPTY));
    }
    return out;
  }
}

/**
 * Collects exec output (no timestamps) into stdout/stderr strings, each bounded (EXEC_OUTPUT_LIMIT by default):
 * frames past the limit are decoded and dropped, so reading goes on and memory stays flat.
 */
export class OutputCollector {
  private readonly decoder: FrameDecoder;
  private readonly output: BoundedCollector;

  constructor(tty = false, limit = EXEC_OUTPUT_LIMIT) {
    this.decoder = new FrameDecoder(tty);
    this.output = boundedCollector(limit);
  }

  push(chunk: Buffer): void {
    for (const f of this.decoder.push(chunk)) this.output.push(f.stream, f.payload);
  }

  result(): { stdout: string; stderr: string } {
    for (const f of this.decoder.end()) this.output.push(f.stream, f.payload);
    return this.output.result();
  }
}
