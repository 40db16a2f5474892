// An ExecSession over a framed connection (frames.ts), both ways: serveExecSession() puts a running session
// on a connection (the agent for the API server, the API server for the CLI), execSessionOver() makes a
// session of the other end (the API server of a remote agent's, the CLI of the API server's). Back-pressure
// holds end to end: a side that stops reading pauses the other's source.
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import type { ExecSession } from '@lastbackend/sdk';
import { ERROR_CODES, LbError, isLbError, type ErrorCode } from '@lastbackend/sdk/errors';
import { encodeFrame, exitFrame, FrameDecoder, FrameType, parseExit, parseResize, resizeFrame, type ExitPayload } from './frames';

/** Writes a frame; pauses `source` until the connection drains. */
function send(socket: Duplex, frame: Buffer, source?: { pause(): unknown; resume(): unknown }): void {
  if (socket.destroyed || socket.writableEnded) return;
  if (!socket.write(frame) && source) {
    source.pause();
    socket.once('drain', () => source.resume());
  }
}

/** A session's output as frames of `type`, until it ends. */
function forward(src: Readable | null, type: FrameType, socket: Duplex): Promise<void> {
  if (!src) return Promise.resolve();
  return new Promise((resolve) => {
    src.on('data', (chunk: Buffer) => send(socket, encodeFrame(type, chunk), src));
    src.once('end', resolve);
    src.once('close', resolve);
    src.once('error', () => resolve());
  });
}

const errorOf = (e: unknown): ExitPayload => ({ error: { reason: isLbError(e) ? e.code : 'INTERNAL', message: (e as Error).message } });

/**
 * Serves a running session on `socket`: stdin, its end and resizes come in; stdout, stderr and at last the
 * exit (or the error that ended it) go out, then the connection ends. A connection that closes first kills
 * the session. Resolves once the session is over.
 */
export async function serveExecSession(session: ExecSession, socket: Duplex): Promise<void> {
  const decoder = new FrameDecoder();
  let over = false;
  const stdin = session.stdin;
  socket.on('error', () => undefined); // a peer gone: 'close' follows
  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch (e) {
      send(socket, exitFrame(errorOf(e)));
      socket.end();
      void session.kill();
      return;
    }
    for (const f of frames) {
      if (f.type === FrameType.stdin) {
        if (stdin && !stdin.writableEnded && !stdin.destroyed && !stdin.write(f.payload)) {
          socket.pause();
          stdin.once('drain', () => socket.resume());
        }
      } else if (f.type === FrameType.stdinEnd) stdin?.end();
      else if (f.type === FrameType.resize) {
        try {
          const { cols, rows } = parseResize(f.payload);
          void session.resize(cols, rows).catch(() => undefined);
        } catch {
          // a malformed resize is dropped; the session goes on
        }
      }
    }
  });
  // A client that half-closes sends no more stdin.
  socket.on('end', () => stdin?.end());
  socket.on('close', () => {
    if (!over) void session.kill();
  });
  if (socket.destroyed) void session.kill(); // the client left while the session was being opened
  await Promise.all([forward(session.stdout, FrameType.stdout, socket), forward(session.stderr, FrameType.stderr, socket)]);
  let outcome: ExitPayload;
  try {
    outcome = { exitCode: (await session.wait()).exitCode };
  } catch (e) {
    outcome = errorOf(e);
  }
  over = true;
  if (!socket.destroyed) socket.end(exitFrame(outcome));
}

const errorCode = (reason: string): ErrorCode => (reason in ERROR_CODES ? (reason as ErrorCode) : 'INTERNAL');

/**
 * The session served at the other end of `socket`. With a tty its stderr is null (a tty merges the
 * output). wait() rejects with the remote error, or UNAVAILABLE when the connection closes before an exit.
 */
export function execSessionOver(socket: Duplex, opts: { tty: boolean; stdin: boolean }): ExecSession {
  const decoder = new FrameDecoder();
  const stdout = new PassThrough();
  const stderr = opts.tty ? null : new PassThrough();
  let exit: ExitPayload | undefined;
  let protocolError: LbError | undefined;
  let settle!: { resolve: (v: { exitCode: number }) => void; reject: (e: Error) => void };
  const waited = new Promise<{ exitCode: number }>((resolve, reject) => (settle = { resolve, reject }));
  waited.catch(() => undefined); // read by wait(); unhandled until then is fine

  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch (e) {
      protocolError = e as LbError;
      socket.destroy();
      return;
    }
    for (const f of frames) {
      if (f.type === FrameType.stdout || f.type === FrameType.stderr) {
        const to = f.type === FrameType.stderr && stderr ? stderr : stdout;
        if (!to.write(f.payload)) {
          socket.pause();
          to.once('drain', () => socket.resume());
        }
      } else if (f.type === FrameType.exit) {
        try {
          exit = parseExit(f.payload);
        } catch (e) {
          protocolError = e as LbError;
        }
      }
    }
  });
  socket.on('close', () => {
    stdout.end();
    stderr?.end();
    if (exit && 'exitCode' in exit) settle.resolve({ exitCode: exit.exitCode });
    else if (exit) settle.reject(new LbError(errorCode(exit.error.reason), exit.error.message));
    else settle.reject(protocolError ?? new LbError('UNAVAILABLE', 'the exec stream closed before the command exited'));
  });

  const stdin = opts.stdin
    ? new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          if (socket.destroyed || socket.writableEnded) return cb();
          socket.write(encodeFrame(FrameType.stdin, chunk), () => cb());
        },
        final: (cb) => {
          if (!socket.destroyed && !socket.writableEnded) socket.write(encodeFrame(FrameType.stdinEnd));
          cb();
        },
      })
    : null;
  return {
    stdin,
    stdout: stdout as Readable,
    stderr: stderr as Readable | null,
    resize: async (cols, rows) => {
      if (!socket.destroyed && !socket.writableEnded) socket.write(resizeFrame(cols, rows));
    },
    wait: () => waited,
    kill: async () => {
      socket.destroy();
    },
  };
}
