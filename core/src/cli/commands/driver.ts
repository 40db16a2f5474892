// `lb driver ls|set`: the drivers of the server's node, and a hot swap of one of them.
import type { Command } from 'commander';
import { CliContext, usage } from '../context';
import { renderTable } from '../output';

export function registerDriver(program: Command, ctx: CliContext): void {
  const driver = program.command('driver').description("a node's drivers (CRI, CII, CSI, CNI, CPI); the server's own node unless --node");
  driver
    .command('ls')
    .description('kind, package, version, isolation, state and probe result of every driver')
    .option('--node <name>', 'a joined node instead of the server\'s own')
    .action(async (o: { node?: string }) => {
      const list = await ctx.client().drivers(o.node);
      const where = (d: (typeof list)[number]) => (d.isolation === 'process' ? `process ${d.pid ?? '-'} (restarts ${d.restarts ?? 0})` : (d.isolation ?? 'in-process'));
      ctx.out(renderTable(['KIND', 'PACKAGE', 'VERSION', 'ISOLATION', 'STATE', 'MESSAGE'], list.map((d) => [d.kind, d.package, d.version, where(d), d.state, d.message])).trimEnd());
    });
  driver
    .command('set')
    .description('swap the driver of a kind, hot: the new one is loaded, probed and re-synced before it takes over')
    .argument('<kind>', 'cri, cii, csi, cni or cpi; several comma-separated (e.g. cri,cii for a runtime) are swapped together, all or none')
    .argument('<package>', 'npm package name of the driver, installed in <data dir>/drivers or with lb (a path only in the config file)')
    .option('--config <json>', "the driver's config as JSON", '{}')
    .option('--node <name>', 'a joined node instead of the server\'s own')
    .option('--isolation <mode>', 'in-process, or process: a child process restarted when it dies (a swap to the same package then loads its new code)')
    .action(async (kind: string, pkg: string, o: { config: string; isolation?: string; node?: string }) => {
      if (o.isolation !== undefined && o.isolation !== 'in-process' && o.isolation !== 'process')
        throw usage(`isolation: must be in-process or process, not "${o.isolation}"`);
      let config: Record<string, unknown>;
      try {
        config = JSON.parse(o.config) as Record<string, unknown>;
      } catch (e) {
        throw usage(`config: not JSON: ${(e as Error).message}`);
      }
      const kinds = kind.split(',').map((x) => x.trim());
      const isolation = o.isolation as 'in-process' | 'process' | undefined;
      const states = kinds.length > 1 ? await ctx.client().swapDrivers(kinds, pkg, config, isolation, o.node) : [await ctx.client().swapDriver(kinds[0], pkg, config, isolation, o.node)];
      for (const d of states) ctx.out(`${d.kind} driver is ${d.package}@${d.version} (${d.state}${d.isolation === 'process' ? `, process ${d.pid}` : ''})`);
    });
}
