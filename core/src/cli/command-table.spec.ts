import { Readable } from 'node:stream';
import { Command, CommanderError, Help } from 'commander';
import { COMMAND_MODULES } from './command-table';
import { CliContext } from './context';
import { LoadAll, buildProgram, commandNamed } from './main';

function context() {
  const out: string[] = [];
  const ctx = new CliContext({
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => out.push(`E:${s}`) },
    stdin: Readable.from([]),
    env: {},
    onInterrupt: () => () => undefined,
  });
  return { ctx, out: () => out.join('') };
}

/** What commander prints and how it ends for `lb ARGS`, with every command loaded or only the one named. */
async function run(args: string[], eager: boolean): Promise<string> {
  const { ctx, out } = context();
  const program = buildProgram(ctx, eager ? undefined : args);
  let end = 'ok';
  try {
    await program.parseAsync(['node', 'lb', ...args]);
  } catch (e) {
    end = e instanceof CommanderError ? e.code : String(e);
  }
  return `${out()}[${end}]`;
}

describe('the command table main.ts builds stand-ins from', () => {
  it('lists the commands as they register, in order, with their help terms and descriptions', () => {
    const program = buildProgram(context().ctx);
    const help = new Help();
    const registered = program.commands.map((c) => ({ name: c.name(), term: help.subcommandTerm(c), description: c.description() }));
    expect(COMMAND_MODULES.flatMap((m) => m.commands)).toEqual(registered);
    for (const c of program.commands) expect(c.aliases()).toEqual([]);
  });

  it("each module's register function adds exactly its commands", () => {
    for (const m of COMMAND_MODULES) {
      const parent = new Command('lb');
      m.load()(parent, context().ctx);
      expect(parent.commands.map((c) => c.name())).toEqual(m.commands.map((c) => c.name));
    }
  });
});

describe('lazy commands', () => {
  it('finds the command the words run, past global flags and their values', () => {
    expect(commandNamed(['version'])).toBe('version');
    expect(commandNamed(['--server', 'http://x', 'run', 'web', 'img'])).toBe('run');
    expect(commandNamed(['--server=http://x', '--token', 't', '--context', 'c', 'get', 'pods'])).toBe('get');
    expect(commandNamed(['-h', 'logs'])).toBe('logs');
    expect(commandNamed(['help', 'inspect'])).toBe('inspect');
    expect(commandNamed(['--', 'apply'])).toBe('apply');
    expect(commandNamed(['--server', 'toString'])).toBeUndefined();
    expect(commandNamed(['--help'])).toBeUndefined();
    expect(commandNamed(['help'])).toBeUndefined();
    expect(commandNamed([])).toBeUndefined();
  });

  it('loads only the named command', () => {
    const lazy = buildProgram(context().ctx, ['version']);
    const eager = buildProgram(context().ctx);
    const withOptions = (p: typeof lazy) => p.commands.filter((c) => c.options.length).map((c) => c.name());
    expect(withOptions(lazy)).toEqual(['version']);
    expect(withOptions(eager)).toContain('run');
  });

  it('prints the same help, errors and suggestions as with every command loaded', async () => {
    const cases = [
      ['--help'],
      [],
      ['help'],
      ['help', 'run'],
      ['gte', 'pods'],
      ['nosuch', '--help'],
      ['--server', 'http://x', 'get', '--help'],
      ['token', '--help'],
      ['token', 'creat'],
      ['context', '--help'],
      ['login', '--help'],
      ['version', '--help'],
      ['agent', '--help'],
      ['job', '--help'],
      ['--version'],
      ['--bogus', 'get'],
    ];
    for (const args of cases) expect([args, await run(args, false)]).toEqual([args, await run(args, true)]);
  });

  it('a stand-in that runs after all asks main() for every command', async () => {
    await expect(buildProgram(context().ctx, []).parseAsync(['node', 'lb', 'version'])).rejects.toBeInstanceOf(LoadAll);
  });
});
