// The options of the commands that wait for a rollout, kept apart from the waiting itself (wait.ts), which a
// command loads only once its request is answered: off the way from the command to the container running.
import type { Command } from 'commander';
import { parseDuration } from '../args';
import { usage } from '../usage';

/** How a wait ends: 0 every service is ready, 1 a rollout cannot succeed, 3 the time ran out (it may still), 130 interrupted. */
export const ROLLOUT_EXIT = { ready: 0, failed: 1, timeout: 3, interrupted: 130 } as const;

export const DEFAULT_TIMEOUT = '5m';
/**
 * How long every pod must stay ready before a rollout counts as done: a container without a readiness probe
 * is ready once it runs, so one that exits right after its start would otherwise pass for a success.
 */
export const DEFAULT_MIN_READY = '1s';

export interface WaitOptions {
  detach?: boolean;
  timeout?: string;
  minReady?: string;
}

/** --detach and --timeout, on every command that waits. */
export function addWaitOptions(cmd: Command): Command {
  return cmd
    .option('--detach', 'return once the request is stored, without waiting for the rollout')
    .option('--timeout <duration>', 'how long to wait for the rollout (e.g. 90s, 5m); then exit 3', DEFAULT_TIMEOUT)
    .option('--min-ready <duration>', 'how long every pod must stay ready before the rollout counts as done (0 for at once)', DEFAULT_MIN_READY);
}

/** --timeout and --min-ready in milliseconds (a usage error, before any request, when one is not a duration). */
export function waitTimes(opts: WaitOptions): { timeout: number; minReady: number } {
  const timeout = parseDuration(opts.timeout ?? DEFAULT_TIMEOUT, 'timeout');
  if (!(timeout > 0)) throw usage(`timeout: "${opts.timeout}" must be a duration above zero such as 90s or 5m`);
  const minReady = parseDuration(opts.minReady ?? DEFAULT_MIN_READY, 'min-ready');
  if (!(minReady >= 0) || minReady >= timeout) throw usage(`min-ready: "${opts.minReady}" must be a duration from 0 to below the timeout`);
  return { timeout: timeout * 1000, minReady: minReady * 1000 };
}
