// `lb driver ls|set`: the drivers of the server's node, and a hot swap of one of them.
import type { Command } from 'commander';
import { LbError } from '@lastbackend/sdk/errors';
import { CliContext } from '../context';
import { renderTable } from '../output';

export function registerDriver(program: Command, ctx: CliContext): void {
  const driver = program.command('driver').description("the server node's drivers (CRI, CII, CSI, CNI, CPI)");
  driver
    .command('ls')
    .description('kind, package, version, state and probe result of every driver')
    .action(async () => {
      const list = await ctx.client().drivers();
      ctx.out(renderTable(['KIND', 'PACKAGE', 'VERSION', 'STATE', 'MESSAGE'], list.map((d) => [d.kind, d.package, d.version, d.state, d.message])).trimEnd());
    });
  driver
    .command('set')
    .description('swap the driver of a kind, hot: the new one is loaded, probed and re-synced before it takes over')
    .argument('<kind>', 'cri, cii, csi, cni or cpi')
    .argument('<package>', 'driver package name (or path)')
    .option('--config <json>', "the driver's config as JSON", '{}')
    .action(async (kind: string, pkg: string, o: { config: string }) => {
      let config: Record<string, unknown>;
      try {
        config = JSON.parse(o.config) as Record<string, unknown>;
      } catch (e) {
        throw new LbError('INVALID_ARGUMENT', `config: not JSON: ${(e as Error).message}`);
      }
      const d = await ctx.client().swapDriver(kind, pkg, config);
      ctx.out(`${d.kind} driver is ${d.package}@${d.version} (${d.state})`);
    });
}
