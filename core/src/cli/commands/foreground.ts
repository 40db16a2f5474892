// Foreground processes (`lb server`, `lb agent`): start, then run until SIGINT/SIGTERM (giving memory back
// when quiet: util/idle-gc.ts), then close.
import { startIdleGc } from '../../util/idle-gc';
import { CliContext } from '../context';

/** How long shutdown may take before the process exits anyway. */
const CLOSE_TIMEOUT_MS = 20_000;

export async function runForeground(ctx: CliContext, name: string, start: () => Promise<{ close(): Promise<void> }>): Promise<void> {
  // Listening from the start: a SIGTERM while it starts (its API may answer already, and has made its
  // socket file) waits for the start and then closes, instead of ending the process with nothing cleaned up.
  let stopping = false;
  let onStop: (() => void) | undefined;
  const unsubscribe = ctx.io.onInterrupt(() => {
    if (stopping) {
      ctx.err(`${name}: interrupted again, exiting without a clean shutdown`);
      process.exit(1);
    }
    stopping = true;
    onStop?.();
  });

  let running: { close(): Promise<void> };
  try {
    running = await start();
  } catch (e) {
    unsubscribe();
    const message = e instanceof Error ? e.message : String(e);
    for (const line of message.split('\n')) if (line.trim()) ctx.err(`${name}: ${line}`);
    ctx.exitCode = 1;
    return;
  }
  const stopIdleGc = startIdleGc();

  await new Promise<void>((resolve) => {
    onStop = () => {
      const force = setTimeout(() => {
        ctx.err(`${name}: shutdown took longer than ${CLOSE_TIMEOUT_MS / 1000}s, exiting`);
        process.exit(1);
      }, CLOSE_TIMEOUT_MS);
      force.unref();
      running
        .close()
        .catch((e: unknown) => ctx.err(`${name}: shutdown: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => {
          clearTimeout(force);
          stopIdleGc();
          unsubscribe();
          resolve();
          // Drivers may leave sockets or timers behind; the process is done.
          process.exit(0);
        });
    };
    if (stopping) onStop();
  });
}
