// Container logs: the shim's stdout/stderr FIFOs copied into a JSON-lines file the driver owns, and read back.
import { appendFileSync, existsSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import type { LogLine, LogOptions } from '@lastbackend/sdk';
import { FifoReader } from './fifo';

/** RFC 3339 with microseconds: enough to keep lines of one burst in order. */
export function rfc3339Now(): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const iso = new Date(Math.floor(micros / 1000)).toISOString();
  return `${iso.slice(0, 23)}${String(micros % 1000).padStart(3, '0')}Z`;
}

/** Splits a byte stream into lines, keeping a trailing partial line until more arrives or flush(). */
export class LineSplitter {
  private pending = '';
  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.pending + chunk.toString();
    const parts = text.split('\n');
    this.pending = parts.pop() ?? '';
    for (const p of parts) this.emit(p);
  }

  flush(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = '';
  }
}

/** Copies one container's stdout and stderr FIFOs into its log file. */
export class LogCopier {
  private readonly readers: FifoReader[] = [];
  private readonly splitters: LineSplitter[] = [];

  constructor(
    stdout: string,
    stderr: string,
    private readonly logFile: string,
  ) {
    for (const [stream, path] of [['stdout', stdout], ['stderr', stderr]] as const) {
      const splitter = new LineSplitter((line) => this.append(stream, line));
      this.splitters.push(splitter);
      this.readers.push(new FifoReader(path, (chunk) => splitter.push(chunk)));
    }
  }

  private append(stream: LogLine['stream'], line: string): void {
    const entry: LogLine = { stream, time: rfc3339Now(), line };
    try {
      appendFileSync(this.logFile, `${JSON.stringify(entry)}\n`);
    } catch {
      // The container was removed under us: nothing left to log to.
    }
  }

  /** Moves what the pipes hold now into the file; with `final`, also the last unterminated lines. */
  drain(final = false): void {
    for (const r of this.readers) r.drain();
    if (final) for (const s of this.splitters) s.flush();
  }

  close(): void {
    for (const r of this.readers) r.close();
    for (const s of this.splitters) s.flush();
  }
}

const parse = (text: string): LogLine[] => {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    try {
      out.push(JSON.parse(raw) as LogLine);
    } catch {
      // a line cut short by a crash
    }
  }
  return out;
};

const sinceFilter = (since: number | undefined) => (l: LogLine) => since === undefined || Date.parse(l.time) >= since * 1000;

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Lines of a log file; with `follow`, then the lines appended later, until the signal aborts or `alive()` says the
 * container is gone.
 */
export async function* readLogs(logFile: string, options: LogOptions, alive: () => Promise<boolean>): AsyncGenerator<LogLine> {
  // The copier makes the file with the container's first line: until then there is nothing, not an end.
  let existed = existsSync(logFile);
  const text = existed ? await readFile(logFile, 'utf8') : '';
  // Only whole lines: a line being appended right now is picked up by the follow loop.
  const whole = text.slice(0, text.lastIndexOf('\n') + 1);
  let lines = parse(whole).filter(sinceFilter(options.since));
  if (options.tail !== undefined && options.tail >= 0) lines = options.tail === 0 ? [] : lines.slice(-options.tail);
  for (const l of lines) yield l;
  if (!options.follow) return;
  let offset = Buffer.byteLength(whole);
  const signal = options.signal;
  let idle = 0;
  while (!signal?.aborted) {
    const size = await stat(logFile).then((s) => s.size, () => -1);
    if (size < 0 && existed) return; // removed with its container
    existed ||= size >= 0;
    if (size > offset) {
      idle = 0;
      const fh = await open(logFile, 'r');
      try {
        const buf = Buffer.alloc(size - offset);
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        const chunk = buf.subarray(0, bytesRead).toString('utf8');
        const end = chunk.lastIndexOf('\n') + 1;
        offset += Buffer.byteLength(chunk.slice(0, end));
        for (const l of parse(chunk.slice(0, end)).filter(sinceFilter(options.since))) {
          if (signal?.aborted) return;
          yield l;
        }
      } finally {
        await fh.close();
      }
      continue;
    }
    // Now and then make sure the container still exists (its file may outlive it on a crash).
    if (++idle % 50 === 0 && !(await alive())) return;
    await sleep(100, signal);
  }
}
