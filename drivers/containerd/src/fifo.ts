// Non-blocking readers for the FIFOs containerd's shim writes a process's stdout and stderr into.
import { execFile } from 'node:child_process';
import { constants, openSync, readSync } from 'node:fs';
import { Socket } from 'node:net';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Creates a FIFO unless one is there already. */
export async function mkfifo(path: string): Promise<void> {
  try {
    await execFileAsync('mkfifo', ['-m', '600', path]);
  } catch (e) {
    if (!/File exists/.test(String((e as { stderr?: unknown }).stderr ?? e))) throw e;
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
