// The local side of `lb exec -i/-t`: the session's output to the process's stdout and stderr as it comes,
// stdin to the session (its end as end-of-file), with -t the terminal in raw mode and its size sent at
// start (by the caller) and on each change (SIGWINCH, which Node reports as stdout's 'resize'). Resolves
// with the remote exit code; the terminal is restored on every way out, a signal included.
import { finished } from 'node:stream/promises';
import type { ExecSession } from '@lastbackend/sdk';
import type { RawStreams } from './context';
import { enterRawMode, type ExitHooks } from './raw-mode';

export interface AttachOptions {
  stdin: boolean;
  tty: boolean;
  /** Calls `fn` on SIGINT/SIGTERM until the returned function is called (CliIo.onInterrupt). */
  onInterrupt(fn: () => void): () => void;
  /** Where the terminal's restore also hooks the process's exit (tests give their own). */
  proc?: ExitHooks;
}

/** The exit code of a command ended by a signal of ours (SIGINT/SIGTERM), as shells report 128 + SIGINT. */
export const INTERRUPTED_EXIT = 130;

export async function attachSession(session: ExecSession, term: RawStreams, o: AttachOptions): Promise<number> {
  const cleanups: (() => void)[] = [];
  try {
    if (o.tty) {
      if (!term.stdin.setRawMode) throw new Error('stdin is not a terminal');
      cleanups.push(enterRawMode(term.stdin as Parameters<typeof enterRawMode>[0], o.proc));
      const onResize = () => void session.resize(term.stdout.columns ?? 80, term.stdout.rows ?? 24).catch(() => undefined);
      term.stdout.on('resize', onResize);
      cleanups.push(() => term.stdout.off('resize', onResize));
    }
    session.stdout.pipe(term.stdout, { end: false });
    session.stderr?.pipe(term.stderr, { end: false });
    if (o.stdin && session.stdin) {
      const input = session.stdin;
      term.stdin.pipe(input);
      cleanups.push(() => {
        term.stdin.unpipe(input);
        term.stdin.pause(); // lets the process exit: nothing reads the terminal any more
      });
    }
    let interrupted = false;
    cleanups.push(
      o.onInterrupt(() => {
        interrupted = true;
        void session.kill();
      }),
    );
    let exitCode: number;
    try {
      exitCode = (await session.wait()).exitCode;
    } catch (e) {
      if (interrupted) return INTERRUPTED_EXIT;
      throw e;
    }
    // All of the output is written before lb exits with the command's code.
    await Promise.all([finished(session.stdout).catch(() => undefined), session.stderr && finished(session.stderr).catch(() => undefined)]);
    if (interrupted) return INTERRUPTED_EXIT;
    // The shell convention: 0-255; anything else the runtime reports counts as a failure.
    return Number.isInteger(exitCode) && exitCode >= 0 && exitCode <= 255 ? exitCode : 1;
  } finally {
    for (const c of cleanups.reverse()) c();
  }
}
