// Exec output is bounded. A command can print without end (a probe that cats a big file, `yes`), and every
// byte a driver keeps sits in the kernel's memory, on every probe period. A driver keeps the first
// EXEC_OUTPUT_LIMIT bytes of each stream (stdout and stderr apart), counts and drops the rest while it goes on
// reading (the command is not blocked on a full pipe and its exit code stays its own), and ends a cut stream
// with truncationMarker(dropped).
// ContainerRuntime.execStream (driver API 2) is the unbounded way: its caller reads the streams as they come,
// and a stream it does not read holds the process back instead of filling memory.
import type { ExecResult } from './types';

/** Bytes of each exec stream (stdout, stderr) a driver keeps. */
export const EXEC_OUTPUT_LIMIT = 1024 * 1024;

/** Appended to a stream that was cut; `dropped` counts the bytes left out. */
export const truncationMarker = (dropped: number): string => `\n[output truncated: ${dropped} bytes dropped]`;

const MARKER_RE = /\n\[output truncated: \d+ bytes dropped\]$/;

/** Length of an incomplete UTF-8 sequence at the end of `buf` (0 when it ends on a whole character). */
function partialTail(buf: Buffer): number {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const b = buf[buf.length - back];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** One stream's output: the first `limit` bytes are kept, the rest only counted. */
export class BoundedOutput {
  private readonly parts: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(readonly limit: number = EXEC_OUTPUT_LIMIT) {}

  push(chunk: Buffer | string): void {
    const room = this.limit - this.kept;
    if (room <= 0) {
      this.dropped += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      return;
    }
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    // Copies: a kept slice must not pin a large buffer the runtime handed over.
    const part = buf.length <= room ? Buffer.from(buf) : Buffer.from(buf.subarray(0, room));
    this.parts.push(part);
    this.kept += part.length;
    this.dropped += buf.length - part.length;
  }

  get truncated(): boolean {
    return this.dropped > 0;
  }

  /** Bytes left out so far. */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** The kept text; when cut, it ends on a whole character and the marker follows. */
  text(): string {
    let buf = Buffer.concat(this.parts);
    if (!this.dropped) return buf.toString('utf8');
    const partial = partialTail(buf);
    buf = buf.subarray(0, buf.length - partial);
    return buf.toString('utf8') + truncationMarker(this.dropped + partial);
  }
}

export interface BoundedCollector {
  push(stream: 'stdout' | 'stderr', chunk: Buffer | string): void;
  result(): { stdout: string; stderr: string };
}

/** stdout and stderr of one exec, each bounded by `limit` bytes. */
export function boundedCollector(limit: number = EXEC_OUTPUT_LIMIT): BoundedCollector {
  const streams = { stdout: new BoundedOutput(limit), stderr: new BoundedOutput(limit) };
  return {
    push: (stream, chunk) => streams[stream].push(chunk),
    result: () => ({ stdout: streams.stdout.text(), stderr: streams.stderr.text() }),
  };
}

/** A text bounded like a driver bounds it; one already cut by a driver (limit + marker) is left as it is. */
export function limitText(text: string, limit: number = EXEC_OUTPUT_LIMIT): string {
  if (Buffer.byteLength(text) <= limit) return text;
  const m = MARKER_RE.exec(text);
  if (m && Buffer.byteLength(text.slice(0, m.index)) <= limit) return text;
  const out = new BoundedOutput(limit);
  out.push(text);
  return out.text();
}

/**
 * Bounds a result a driver returned, for callers that pass it on (the API): a driver that does not bound its
 * own output has already spent the memory, but what travels further is bounded all the same.
 */
export function limitExecResult(r: ExecResult, limit: number = EXEC_OUTPUT_LIMIT): ExecResult {
  return { ...r, stdout: limitText(r.stdout, limit), stderr: limitText(r.stderr, limit) };
}
