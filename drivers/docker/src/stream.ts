import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type DockerModem from 'docker-modem';

/** Opens a streaming engine endpoint (the response body stays open until the engine or we close it). */
export function dialStream(docker: Docker, options: Omit<DockerModem.DialOptions, 'isStream'>): Promise<Readable> {
  return new Promise((resolve, reject) => {
    docker.modem.dial({ ...options, isStream: true }, (err, res) => {
      if (err) return reject(err);
      if (res instanceof Readable) return resolve(res);
      reject(new Error(`unexpected response type from ${options.path}`));
    });
  });
}

export function asReadable(stream: NodeJS.ReadableStream): Readable {
  if (stream instanceof Readable) return stream;
  throw new Error('dockerode returned a stream that is not a node Readable');
}

/**
 * Yields the chunks of `stream`. Aborting `signal` destroys the stream (and with it the HTTP connection) and ends
 * the iteration quietly; the stream is destroyed as well when the consumer stops early or the stream fails.
 */
export async function* chunksOf(stream: Readable, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const onAbort = (): void => {
    stream.destroy();
  };
  if (signal?.aborted) {
    stream.destroy();
    return;
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    }
  } catch (e) {
    if (signal?.aborted) return;
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

/** Splits a byte stream into newline-terminated records; the remainder is returned by end(). */
export class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const out: Buffer[] = [];
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      out.push(buf.subarray(start, nl));
      start = nl + 1;
    }
    this.rest = Buffer.from(buf.subarray(start));
    return out;
  }

  end(): Buffer[] {
    const rest = this.rest;
    this.rest = Buffer.alloc(0);
    return rest.length ? [rest] : [];
  }
}
