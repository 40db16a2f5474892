// The `lb` command line: builds the commander program and runs one command.
// main() resolves with the exit code; only `lb server` (on a signal) ends the process itself.
import { Command, CommanderError, Option } from 'commander';
import { LbError } from '@lastbackend/sdk/errors';
import { VERSION } from '../version';
import { registerApply } from './commands/apply';
import { registerAudit } from './commands/audit';
import { registerLogin } from './commands/login';
import { registerDelete } from './commands/delete';
import { registerEvents } from './commands/events';
import { registerTop } from './commands/top';
import { registerExec } from './commands/exec';
import { registerPortForward } from './commands/port-forward';
import { registerExport } from './commands/export';
import { registerGet } from './commands/get';
import { registerLogs } from './commands/logs';
import { registerRollback } from './commands/rollback';
import { registerRollout } from './commands/rollout';
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
import { registerSecret } from './commands/secret';
import { registerCompletion, runComplete } from './commands/completion';
import { registerCompose } from './commands/compose';
import { registerJob } from './commands/job';
import { GLOBAL_FLAGS } from './complete';
import { CliContext, processIo, usage, type CliIo } from './context';
import { oneLine } from './output';
import { USAGE_EXIT_CODE, UsageError } from './usage';

export type { CliIo } from './context';

/**
 * commander's "(Did you mean x?)" on a line of its own, as our one-line `: did you mean "x"?` (kinds
 * say it the same way: kinds.ts).
 */
export function oneLineSuggestion(message: string): string {
  return message.replace(/\n\(Did you mean (one of )?(.+)\?\)(\n?)$/, (_m, oneOf: string | undefined, names: string, nl: string) => {
    const quoted = names.split(', ').map((n) => `"${n}"`);
    return `: did you mean ${oneOf ? `one of ${quoted.join(', ')}` : quoted[0]}?${nl}`;
  });
}

const GLOBAL_OPTIONS: Readonly<Record<(typeof GLOBAL_FLAGS)[number], [string, string]>> = {
  '--context': ['--context <name>', 'the CLI context to use (a server, a token and a CA: `lb context ls`; default: $LB_CONTEXT, else the current one)'],
  '--server': ['--server <url>', 'the API server, e.g. https://lb.example.com:2967 (wins over $LB_SERVER and the context)'],
  '--token': ['--token <token>', 'the API token (wins over $LB_TOKEN and the context)'],
};

/** The global flags' copies on each command, so they may come after it too; a command's own flag of the name (agent --server) is its own. */
const copies = new WeakSet<Option>();

/** Commands that are not clients of an API server: they take no global flags after them. */
const NOT_CLIENTS = new Set(['server', 'agent', 'conformance', 'completion']);

function addGlobalFlags(cmd: Command): void {
  if (cmd.commands.length) {
    // Their help lists no global flags: `lb agent --server` is the agent's own.
    for (const c of cmd.commands) if (NOT_CLIENTS.has(c.name())) c.configureHelp({ showGlobalOptions: false });
    return cmd.commands.filter((c) => !NOT_CLIENTS.has(c.name())).forEach(addGlobalFlags);
  }
  for (const [flag, [spec, description]] of Object.entries(GLOBAL_OPTIONS)) {
    if (cmd.options.some((o) => o.long === flag)) continue;
    const o = new Option(spec, description).hideHelp();
    copies.add(o);
    cmd.addOption(o);
  }
}

/** A global flag's value: the command's copy (given after the command) wins over the program's (before it). */
function globalFlag(program: Command, action: Command, name: 'context' | 'server' | 'token'): string | undefined {
  const copy = action.options.find((o) => o.long === `--${name}` && copies.has(o));
  return (copy ? action.opts<Record<string, string | undefined>>()[name] : undefined) ?? program.opts<Record<string, string | undefined>>()[name];
}

function checkServerUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    /* refused below */
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw usage(`server: "${value}" must be an https:// (or http://) URL such as https://lb.example.com:2967`);
  return value.replace(/\/+$/, '');
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('lb')
    .description('Last.Backend: run containers as services on your nodes')
    .version(VERSION, '-V, --version', 'print the CLI version')
    // Global flags before the command are the program's; after it, the command's (copies: addGlobalFlags).
    // Positional, so that `lb agent --server` and `lb login --token` keep their own flags of those names.
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
      outputError: (s, write) => write(oneLineSuggestion(s)),
    });
  for (const [spec, description] of Object.values(GLOBAL_OPTIONS)) program.option(spec, description);
  program.hook('preAction', (_program, action) => {
    ctx.contextName = globalFlag(program, action, 'context');
    const server = globalFlag(program, action, 'server');
    ctx.server = server === undefined ? undefined : checkServerUrl(server);
    ctx.token = globalFlag(program, action, 'token');
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
  registerPortForward(program, ctx);
  registerDelete(program, ctx);
  registerJob(program, ctx);
  registerRollback(program, ctx);
  registerRollout(program, ctx);
  registerEvents(program, ctx);
  registerTop(program, ctx);
  registerAudit(program, ctx);
  registerLogin(program, ctx);
  registerExport(program, ctx);
  registerVersion(program, ctx);
  registerSecret(program, ctx);
  registerCompletion(program, ctx);
  registerCompose(program, ctx);
  addGlobalFlags(program);
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
  if (argv[2] === '__complete') {
    await runComplete(program, ctx, argv.slice(3));
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: 'node' });
    return ctx.exitCode;
  } catch (e) {
    // commander has already printed its own message (usage errors: exit 2) or the help/version text (0).
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    ctx.err(`error: ${oneLine(errorMessage(e))}`);
    return e instanceof UsageError ? USAGE_EXIT_CODE : 1;
  }
}
