// `lb scale NAME N`.
import type { Command } from 'commander';
import { parseWholeNumber } from '../args';
import { CliContext, DEFAULT_NAMESPACE } from '../context';
import { rolloutWait } from '../lazy';
import { addWaitOptions, waitTimes, type WaitOptions } from '../rollout/wait-options';

export function registerScale(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('scale')
    .description('set the number of pods of a service')
    .argument('<name>', 'service name')
    .argument('<replicas>', 'whole number ≥ 0')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE);
  addWaitOptions(cmd).action(async (name: string, replicas: string, opts: WaitOptions & { namespace: string }) => {
    const n = parseWholeNumber(replicas, 'replicas');
    waitTimes(opts);
    await ctx.client().scale(opts.namespace, name, n);
    ctx.out(`service/${name} scaled to ${n}`);
    if (!opts.detach) await rolloutWait().waitForRollout(ctx, opts.namespace, [name], opts);
  });
}
