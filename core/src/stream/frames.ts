// The framing of an exec stream (lb exec -i/-t): the CLI and the API server, and the API server and a
// node's agent, speak it on a connection after an HTTP upgrade (Upgrade: lb-exec.v1). A frame is a type
// byte, a payload length (4 bytes, big-endian) and the payload. Stdin, stdout and stderr carry bytes as they
// come; a resize carries the terminal's columns and rows (2 bytes each); exit carries the outcome as JSON.
// A frame over MAX_FRAME or of an unknown type is a protocol error: the connection is not ours to guess at.
import { LbError } from '@lastbackend/sdk/errors';

export const EXEC_PROTOCOL = 'lb-exec.v1';

export const FrameType = {
  /** client → server: bytes for the process's stdin */
  stdin: 0,
  /** server → client */
  stdout: 1,
  stderr: 2,
  /** client → server: the terminal's size (cols, rows: uint16 each) */
  resize: 3,
  /** client → server: end of stdin (no payload) */
  stdinEnd: 4,
  /** server → client, last: `{ exitCode }` or `{ error: { reason, message } }` (JSON) */
  exit: 5,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const TYPES = new Set<number>(Object.values(FrameType));
const HEADER = 5;
/** The largest payload a peer may send: output is forwarded in chunks far below it. */
export const MAX_FRAME = 1024 * 1024;

export interface Frame {
  type: FrameType;
  payload: Buffer;
}

/** The exit frame's payload. */
export type ExitPayload = { exitCode: number } | { error: { reason: string; message: string } };

export function encodeFrame(type: FrameType, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.allocUnsafe(HEADER);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** A resize frame; sizes are clamped to 1..65535. */
export function resizeFrame(cols: number, rows: number): Buffer {
  const p = Buffer.allocUnsafe(4);
  const clamp = (n: number) => Math.min(0xffff, Math.max(1, Math.floor(n) || 1));
  p.writeUInt16BE(clamp(cols), 0);
  p.writeUInt16BE(clamp(rows), 2);
  return encodeFrame(FrameType.resize, p);
}

export function parseResize(payload: Buffer): { cols: number; rows: number } {
  if (payload.length !== 4) throw new LbError('INVALID_ARGUMENT', `exec stream: a resize frame has 4 bytes, not ${payload.length}`);
  return { cols: payload.readUInt16BE(0), rows: payload.readUInt16BE(2) };
}

export const exitFrame = (p: ExitPayload): Buffer => encodeFrame(FrameType.exit, JSON.stringify(p));

export function parseExit(payload: Buffer): ExitPayload {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new LbError('INVALID_ARGUMENT', 'exec stream: the exit frame is not JSON');
  }
  const o = v as { exitCode?: unknown; error?: { reason?: unknown; message?: unknown } };
  if (typeof o?.exitCode === 'number' && Number.isInteger(o.exitCode)) return { exitCode: o.exitCode };
  if (o?.error && typeof o.error.reason === 'string' && typeof o.error.message === 'string') return { error: { reason: o.error.reason, message: o.error.message } };
  throw new LbError('INVALID_ARGUMENT', 'exec stream: the exit frame has neither an exit code nor an error');
}

/** Cuts a byte stream into frames; bytes of an incomplete frame wait for the next push. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= HEADER) {
      const type = this.buf.readUInt8(0);
      const len = this.buf.readUInt32BE(1);
      if (!TYPES.has(type)) throw new LbError('INVALID_ARGUMENT', `exec stream: unknown frame type ${type}`);
      if (len > MAX_FRAME) throw new LbError('INVALID_ARGUMENT', `exec stream: a frame of ${len} bytes is over the limit of ${MAX_FRAME}`);
      if (this.buf.length < HEADER + len) break;
      out.push({ type: type as FrameType, payload: this.buf.subarray(HEADER, HEADER + len) });
      this.buf = this.buf.subarray(HEADER + len);
    }
    return out;
  }

  /** Bytes of a frame not yet complete (a peer that closes now cut it short). */
  get pending(): number {
    return this.buf.length;
  }
}
