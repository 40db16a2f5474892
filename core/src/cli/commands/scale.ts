// `lb scale NAME N`.
import type { Command } from 'commander';
import { parseWholeNumber } from '../args';
import { CliContext, DEFAULT_NAMESPACE } from '../context';

export function registerScale(program: Command, ctx: CliContext): void {
  program
    .command('scale')
    .description('set the number of pods of a service')
    .argument('<name>', 'service name')
    .argument('<replicas>', 'whole number ≥ 0')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action(async (name: string, replicas: string, opts: { namespace: string }) => {
      const n = parseWholeNumber(replicas, 'replicas');
      await ctx.client().scale(opts.namespace, name, n);
      ctx.out(`service/${name} scaled to ${n}`);
    });
}
