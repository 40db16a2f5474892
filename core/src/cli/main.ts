// The `lb` command line: builds the commander program and runs one command.
// main() resolves with the exit code; only `lb server` (on a signal) ends the process itself.
import { Command, CommanderError, Help, Option } from 'commander';
import { LbError } from '@lastbackend/sdk/errors';
import { VERSION } from '../version';
import { COMMAND_MODULES, type TopCommand } from './command-table';
import type { GLOBAL_FLAGS } from './complete';
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
    return cmd.commands.filter((c) => !NOT_CLIENTS.has(c.name()) && !stubTerms.has(c)).forEach(addGlobalFlags);
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
  if (url?.protocol === 'unix:') {
    try {
      (require('@lastbackend/sdk/client') as typeof import('@lastbackend/sdk/client')).unixSocketPath(value);
    } catch (e) {
      throw usage((e as Error).message);
    }
    return value;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw usage(`server: "${value}" must be an https:// (or http://) URL such as https://lb.example.com:2967, or the local socket unix:///path/api.sock`);
  return value.replace(/\/+$/, '');
}

/**
 * The top-level command `args` (the words after `lb`) run, as commander will find it: the first word
 * that is not a flag or a global flag's value; `lb help NAME` shows NAME's help. None: the program's help
 * or an unknown command, which need no command's module.
 */
export function commandNamed(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return args[i + 1];
    if (Object.hasOwn(GLOBAL_OPTIONS, a)) i++;
    else if (!a.startsWith('-')) return a === 'help' ? args[i + 1] : a;
  }
  return undefined;
}

/** A command whose module is not loaded (mapped to its help term), standing in for the help's list and suggestions. */
const stubTerms = new WeakMap<Command, string>();

/** Thrown by a stand-in that runs after all (commandNamed guessed wrong): main() parses again with every command loaded. */
export class LoadAll extends Error {}

function addStub(program: Command, c: TopCommand): void {
  const stub = program
    .command(c.name)
    .description(c.description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new LoadAll();
    });
  stubTerms.set(stub, c.term);
}

/**
 * The program. `args` given (the words after `lb`): only the module of the command they run is loaded,
 * the others are stand-ins from the command table; absent: every command (completion walks them all).
 */
export function buildProgram(ctx: CliContext, args?: readonly string[]): Command {
  const wanted = args && commandNamed(args);
  const program = new Command('lb')
    .description('Last.Backend: run containers as services on your nodes')
    .version(VERSION, '-V, --version', 'print the CLI version')
    // Global flags before the command are the program's; after it, the command's (copies: addGlobalFlags).
    // Positional, so that `lb agent --server` and `lb login --token` keep their own flags of those names.
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .configureHelp({
      showGlobalOptions: true,
      subcommandTerm(this: Help, cmd: Command) {
        return stubTerms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
      },
    })
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
  for (const m of COMMAND_MODULES) {
    if (!args || m.commands.some((c) => c.name === wanted)) m.load()(program, ctx);
    else for (const c of m.commands) addStub(program, c);
  }
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
  if (argv[2] === '__complete') {
    const { runComplete } = require('./commands/completion') as typeof import('./commands/completion');
    await runComplete(buildProgram(ctx), ctx, argv.slice(3));
    return 0;
  }
  try {
    try {
      await buildProgram(ctx, argv.slice(2)).parseAsync([...argv], { from: 'node' });
    } catch (e) {
      if (!(e instanceof LoadAll)) throw e;
      await buildProgram(ctx).parseAsync([...argv], { from: 'node' });
    }
    return ctx.exitCode;
  } catch (e) {
    // commander has already printed its own message (usage errors: exit 2) or the help/version text (0).
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    ctx.err(`error: ${oneLine(errorMessage(e))}`);
    return e instanceof UsageError ? USAGE_EXIT_CODE : 1;
  }
}
