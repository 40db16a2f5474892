// `lb version`: the CLI's version, and the server's when it answers quickly.
import type { Command } from 'commander';
import { VERSION } from '../../version';
import { CliContext } from '../context';
import { sdkClient } from '../lazy';

export function registerVersion(program: Command, ctx: CliContext): void {
  program
    .command('version')
    .description('print the version of the CLI and of the server')
    .action(async () => {
      ctx.out(`lb ${VERSION}`);
      const settings = ctx.settings();
      try {
        const cluster = await new (sdkClient().LbClient)({ ...settings, timeout: 3000 }).cluster();
        ctx.out(`server ${cluster.meta.version} (${settings.server})`);
      } catch {
        ctx.err(`server not reachable at ${settings.server}`);
      }
    });
}
