// `lb exec POD [-c CONTAINER] -- CMD…`: run a command in a pod's container; exits with its exit code.
import type { Command } from 'commander';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';

export function registerExec(program: Command, ctx: CliContext): void {
  program
    .command('exec')
    .description('run a command in a container of a pod')
    .usage('[options] POD -- COMMAND [ARGS...]')
    .argument('<pod>', 'pod name')
    .argument('[command...]', 'command and arguments (after --)')
    .option('-c, --container <name>', 'container (default: the first)')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action(async (pod: string, command: string[], opts: { namespace: string; container?: string }) => {
      if (!command.length) throw usage('exec needs a command: lb exec POD -- COMMAND [ARGS...]');
      const r = await ctx.client().exec(opts.namespace, pod, command, opts.container);
      if (r.stdout) ctx.io.stdout.write(r.stdout);
      if (r.stderr) ctx.io.stderr.write(r.stderr);
      // The shell convention: 0-255; anything else the driver reports counts as a failure.
      ctx.exitCode = Number.isInteger(r.exitCode) && r.exitCode >= 0 && r.exitCode <= 255 ? r.exitCode : 1;
    });
}
