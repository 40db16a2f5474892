// Non-blocking readers for the FIFOs containerd's shim writes a process's stdout and stderr into.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, existsSync, mkdirSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { link, unlink } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Creates FIFOs (one process for all of them); one that is there already is kept. */
export async function mkfifo(...paths: string[]): Promise<void> {
  try {
    await execFileAsync('mkfifo', ['-m', '600', ...paths]);
  } catch (e) {
    // mkfifo makes the others and reports each one that exists: only that is fine.
    const errors = String((e as { stderr?: unknown }).stderr ?? e).split('\n').filter(Boolean);
    if (!errors.length || !errors.every((line) => /File exists/.test(line))) throw e;
  }
}

/**
 * FIFOs made ahead of need, a batch per mkfifo process, so a container start links two into place instead
 * of waiting for processes (~10 ms each from a large server process) on its way to running; Node has no
 * mkfifo of its own. Each pool has a directory of its own under ROOT (`<pid>-<random>`: a driver swapped in
 * beside another must not take its FIFOs), on the file system of the places it fills; the directories of
 * processes that are gone are removed when a pool opens.
 */
export class FifoPool {
  private readonly dir: string;
  private readonly ready: string[] = [];
  private filling: Promise<void> | undefined;
  private seq = 0;
  private closed = false;

  constructor(
    root: string,
    private readonly size = 8,
  ) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(root)) if (!alive(Number(name.split('-')[0]))) rmSync(join(root, name), { recursive: true, force: true });
    this.dir = join(root, `${process.pid}-${randomBytes(4).toString('hex')}`);
    mkdirSync(this.dir, { mode: 0o700 });
    this.refill();
  }

  /** Makes a FIFO at each path (one already there is kept), from the pool while it has some. */
  async make(...paths: string[]): Promise<void> {
    const rest: string[] = [];
    for (const path of paths) {
      const made = existsSync(path) ? undefined : this.ready.pop();
      if (made === undefined) rest.push(path);
      else await this.move(made, path, rest);
    }
    if (rest.length) await mkfifo(...rest);
    this.refill();
  }

  /** A link then an unlink, not a rename: a rename would replace a FIFO made at PATH meanwhile. */
  private async move(made: string, path: string, rest: string[]): Promise<void> {
    try {
      await link(made, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') rest.push(path); // EEXIST: there now, kept
    }
    await unlink(made).catch(() => undefined);
  }

  private refill(): void {
    if (this.closed || this.filling || this.ready.length >= this.size) return;
    const batch = Array.from({ length: this.size - this.ready.length }, () => join(this.dir, `${this.seq++}.fifo`));
    this.filling = execFileAsync('mkfifo', ['-m', '600', ...batch])
      .then(() => {
        if (!this.closed) this.ready.push(...batch);
      })
      .catch(() => undefined) // none pooled: made on demand meanwhile
      .finally(() => {
        this.filling = undefined;
      });
  }

  /** Removes the pool and its FIFOs (after a batch being made). */
  async close(): Promise<void> {
    this.closed = true;
    await this.filling;
    this.ready.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether process PID runs (EPERM: it does, as another user's). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reads a FIFO without ever blocking the event loop. Opened O_RDWR so open() does not wait for a writer and the
 * reader does not see EOF when the writer (the shim) closes and reopens it; `drain()` reads what is buffered now.
 */
export class FifoReader {
  private readonly fd: number;
  private readonly socket: Socket;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly onData: (chunk: Buffer) => void,
  ) {
    this.fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    this.socket = new Socket({ fd: this.fd, readable: true, writable: false });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // A read error ends this reader only; the container keeps running.
    this.socket.on('error', () => this.close());
  }

  /** Synchronously reads everything the pipe holds right now (the socket may not have been scheduled yet). */
  drain(): void {
    if (this.closed) return;
    const buf = Buffer.alloc(65536);
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, buf, 0, buf.length, null);
      } catch {
        return; // EAGAIN: empty
      }
      if (n <= 0) return;
      this.onData(Buffer.from(buf.subarray(0, n)));
    }
  }

  close(): void {
    if (this.closed) return;
    this.drain();
    this.closed = true;
    this.socket.destroy();
    // net.Socket owns the fd and closes it on destroy.
  }
}
