// Streaming exec (driver API 2): the hijacked exec connection as an ExecSession. Output is demultiplexed into
// stdout/stderr streams with back-pressure (a consumer that stops reading stops the engine's connection, and
// with it the process on a full pipe), never collected.
import { once } from 'node:events';
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import { LbError, type ExecSession, type ExecStreamOptions } from '@lastbackend/sdk';
import type Docker from 'dockerode';
import type { DockerClient } from './client';
import { statusOf, messageOf, toLbError } from './errors';
import { FrameDecoder } from './logs';

/** How long wait() gives the engine to record the exit code after the output ended. */
const EXIT_GRACE_MS = 5000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Creating an exec in a stopped container is a 409 "is not running": that is a precondition, not a conflict. */
function execError(e: unknown, what: string): LbError {
  if (statusOf(e) === 409 && /not running|paused|restarting/i.test(messageOf(e))) {
    return new LbError('FAILED_PRECONDITION', `${what}: ${messageOf(e)}`);
  }
  return toLbError(e, what);
}

/** Writes `chunk` and waits until the target takes more (or is gone). */
async function writeWithBackpressure(target: PassThrough, chunk: Buffer): Promise<void> {
  if (target.destroyed || target.writableEnded) return;
  if (target.write(chunk)) return;
  await Promise.race([once(target, 'drain'), once(target, 'close')]);
}

export async function startExecSession(
  client: DockerClient,
  id: string,
  command: string[],
  options: ExecStreamOptions = {},
): Promise<ExecSession> {
  const what = `exec in container ${id}`;
  const tty = options.tty === true;
  const withStdin = options.stdin === true;
  let exec: Docker.Exec;
  let socket: Duplex;
  try {
    exec = await client.stream
      .getContainer(id)
      .exec({ Cmd: command, AttachStdin: withStdin, AttachStdout: true, AttachStderr: true, Tty: tty });
    socket = (await exec.start({ hijack: true, stdin: withStdin, Tty: tty })) as Duplex;
  } catch (e) {
    throw execError(e, what);
  }
  const resize = async (cols: number, rows: number): Promise<void> => {
    if (!tty) return;
    try {
      await exec.resize({ h: Math.max(1, Math.floor(rows)), w: Math.max(1, Math.floor(cols)) });
    } catch (e) {
      // The process ended meanwhile (the engine forgets a finished exec, or refuses one not running).
      const status = statusOf(e);
      if (status === 404 || status === 409 || status === 500) {
        const info = await exec.inspect().catch(() => undefined);
        if (!info?.Running) return;
      }
      throw toLbError(e, `${what}: resize`);
    }
  };
  if (tty && options.size) await resize(options.size.cols, options.size.rows).catch(() => undefined);

  const stdout = new PassThrough();
  const stderr = tty ? null : new PassThrough();
  // With a tty the engine sends the terminal's bytes as they are; without, multiplexed frames.
  const decoder = new FrameDecoder(tty);
  const pumped = (async () => {
    try {
      for await (const chunk of socket as AsyncIterable<Buffer>) {
        for (const f of decoder.push(chunk)) await writeWithBackpressure(f.stream === 'stderr' && stderr ? stderr : stdout, f.payload);
      }
      for (const f of decoder.end()) await writeWithBackpressure(f.stream === 'stderr' && stderr ? stderr : stdout, f.payload);
    } catch {
      // The connection broke or was killed: the streams end, wait() tells the outcome.
    } finally {
      stdout.end();
      stderr?.end();
    }
  })();

  const stdin = withStdin
    ? new Writable({
        write: (chunk: Buffer, _enc, cb) => void socket.write(chunk, (err) => cb(err ?? null)),
        // Half-closes the connection: the engine closes the process's stdin and keeps sending its output.
        final: (cb) => {
          socket.end();
          cb();
        },
      })
    : null;
  stdin?.on('error', () => undefined); // a write after the process ended; wait() reports the outcome

  let killed = false;
  const wait = async (): Promise<{ exitCode: number }> => {
    await pumped;
    const deadline = Date.now() + EXIT_GRACE_MS;
    for (;;) {
      let info: Docker.ExecInspectInfo;
      try {
        info = await exec.inspect();
      } catch (e) {
        throw toLbError(e, what);
      }
      if (!info.Running && info.ExitCode !== null) return { exitCode: info.ExitCode };
      if (killed || Date.now() > deadline) {
        // Detached while the process still runs (a killed session on a remote engine): it has no exit code yet.
        throw new LbError(killed ? 'FAILED_PRECONDITION' : 'INTERNAL', `${what}: ${killed ? 'the session was killed' : 'the engine did not report an exit code'}`);
      }
      await sleep(20);
    }
  };
  let waited: Promise<{ exitCode: number }> | undefined;

  const kill = async (): Promise<void> => {
    if (killed) return;
    killed = true;
    // The engine has no call to signal an exec. On this host its process is ours to signal; on a remote
    // engine closing the connection is all there is (the process gets end-of-file, or SIGHUP with a tty).
    if (client.endpoint.startsWith('/')) {
      const info = await exec.inspect().catch(() => undefined);
      if (info?.Running && info.Pid > 0) {
        try {
          process.kill(info.Pid, 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }
    }
    socket.destroy();
    await pumped;
  };

  return {
    stdin,
    stdout: stdout as Readable,
    stderr: stderr as Readable | null,
    resize,
    wait: () => (waited ??= wait()),
    kill,
  };
}
