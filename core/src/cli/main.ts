// The `lb` command line: builds the commander program and runs one command.
// main() resolves with the exit code; only `lb server` (on a signal) ends the process itself.
import { Command, CommanderError } from 'commander';
import { LbError } from '@lastbackend/sdk/errors';
import { VERSION } from '../version';
import { registerApply } from './commands/apply';
import { registerAudit } from './commands/audit';
import { registerLogin } from './commands/login';
import { registerDelete } from './commands/delete';
import { registerEvents } from './commands/events';
import { registerExec } from './commands/exec';
import { registerExport } from './commands/export';
import { registerGet } from './commands/get';
import { registerLogs } from './commands/logs';
import { registerRollback } from './commands/rollback';
import { registerRun } from './commands/run';
import { registerScale } from './commands/scale';
import { registerServer } from './commands/server';
import { registerAgent } from './commands/agent';
import { registerToken } from './commands/token';
import { registerRoute } from './commands/route';
import { registerNode } from './commands/node';
import { registerDriver } from './commands/driver';
import { registerConformance } from './commands/conformance';
import { registerVersion } from './commands/version';
import { CliContext, processIo, type CliIo } from './context';
import { oneLine } from './output';

export type { CliIo } from './context';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('lb')
    .description('Last.Backend: run containers as services on your nodes')
    .version(VERSION, '-V, --version', 'print the CLI version')
    .option('--context <name>', 'the CLI context to use (a server, a token and a CA: `lb context ls`; default: $LB_CONTEXT, else the current one)')
    .showSuggestionAfterError(false) // keeps usage errors to one line
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    });
  program.hook('preAction', () => {
    ctx.contextName = program.opts<{ context?: string }>().context;
  });
  // Subcommands inherit the output and exit settings above, so they are added after them.
  registerServer(program, ctx);
  registerAgent(program, ctx);
  registerToken(program, ctx);
  registerRoute(program, ctx);
  registerNode(program, ctx);
  registerDriver(program, ctx);
  registerConformance(program, ctx);
  registerApply(program, ctx);
  registerRun(program, ctx);
  registerGet(program, ctx);
  registerScale(program, ctx);
  registerLogs(program, ctx);
  registerExec(program, ctx);
  registerDelete(program, ctx);
  registerRollback(program, ctx);
  registerEvents(program, ctx);
  registerAudit(program, ctx);
  registerLogin(program, ctx);
  registerExport(program, ctx);
  registerVersion(program, ctx);
  return program;
}

export function errorMessage(e: unknown): string {
  if (e instanceof LbError) return e.message;
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** Runs `lb` with process-style argv (node, script, args…); resolves with the exit code. */
export async function main(argv: readonly string[] = process.argv, io: CliIo = processIo()): Promise<number> {
  const ctx = new CliContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'node' });
    return ctx.exitCode;
  } catch (e) {
    // commander has already printed its own message (usage errors) or the help/version text.
    if (e instanceof CommanderError) return e.exitCode;
    ctx.err(`error: ${oneLine(errorMessage(e))}`);
    return 1;
  }
}
