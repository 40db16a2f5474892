// `lb rollout status NAME`: attach to a service's rollout (or report the finished one) as the waiting
// commands do: exit 0 once the service serves its newest version with every replica ready.
import type { Command } from 'commander';
import { CliContext, DEFAULT_NAMESPACE } from '../context';
import { rolloutWait } from '../lazy';
import { DEFAULT_MIN_READY, DEFAULT_TIMEOUT, waitTimes, type WaitOptions } from '../rollout/wait-options';

export async function runRolloutStatus(ctx: CliContext, name: string, opts: WaitOptions & { namespace: string }): Promise<void> {
  waitTimes(opts);
  await ctx.client().service(opts.namespace, name); // a service that is not there: NOT_FOUND, exit 1
  await rolloutWait().waitForRollout(ctx, opts.namespace, [name], opts);
}

export function registerRollout(program: Command, ctx: CliContext): void {
  const rollout = program.command('rollout').description("follow a service's rollout");
  rollout
    .command('status')
    .description('wait for the rollout of a service: exit 0 when it serves its newest version with every replica ready, 1 when it cannot, 3 at the timeout')
    .argument('<name>', 'service name')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .option('--timeout <duration>', 'how long to wait (e.g. 90s, 5m); then exit 3', DEFAULT_TIMEOUT)
    .option('--min-ready <duration>', 'how long every pod must stay ready before the rollout counts as done (0 for at once)', DEFAULT_MIN_READY)
    .action((name: string, opts: WaitOptions & { namespace: string }) => runRolloutStatus(ctx, name, opts));
}
