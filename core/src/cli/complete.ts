// `lb __complete WORD…`, what the completion scripts (completion-scripts.ts) call on TAB: the words typed
// after `lb`, the last the one being completed; it prints the candidates, one a line. Commands and flags
// come from the commander tree, kinds from kinds.ts, names of objects from the server of the context in
// use (--context, --server, --token and -n as typed are honoured). ":files" asks the shell for file names.
import type { Command, Option } from 'commander';
import { CLI_KINDS, lookupKind, type CliKind } from './kinds';
import { DELETABLE } from './commands/delete';
import { EXPORTABLE } from './commands/export';
import { OUTPUT_FORMATS } from './output';

/** What a position takes: fixed words, file names, or names the server (or the CLI config) knows. */
export type Want = { words: readonly string[] } | { files: true } | { names: NameKind } | { nothing: true };
export type NameKind = CliKind | 'context' | 'pod-or-service';

/** What was typed before the word being completed, as far as completion needs it. */
export interface Typed {
  /** The command the words lead to (e.g. `secret create`). */
  command: Command;
  /** Its path, e.g. "secret create". */
  path: string;
  positionals: string[];
  /** Values of the flags given, by long name without dashes (namespace, context, server, token). */
  flags: Record<string, string>;
  /** The flag whose value is being completed, if any. */
  valueOf?: Option;
  /** After `--`: the words are a command's own (exec). */
  afterDashes: boolean;
}

const FILE_FLAGS = new Set(['--filename', '--file', '--env-file', '--from-file', '--data-dir', '--config-file']);

/** The option a word names on the command or one of its ancestors (global flags live on the program). */
function findOption(cmd: Command, flag: string): Option | undefined {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const o = c.options.find((x) => x.long === flag || x.short === flag);
    if (o) return o;
  }
  return undefined;
}

const takesValue = (o: Option) => o.required || o.optional;
const flagName = (o: Option) => (o.long ?? o.short ?? '').replace(/^-+/, '');

/** Walks the words typed before the current one: the command, its positionals and flag values. */
export function parseTyped(program: Command, before: readonly string[]): Typed {
  let command = program;
  const path: string[] = [];
  const positionals: string[] = [];
  const flags: Record<string, string> = {};
  let valueOf: Option | undefined;
  let afterDashes = false;
  for (const w of before) {
    if (valueOf) {
      flags[flagName(valueOf)] = w;
      valueOf = undefined;
      continue;
    }
    if (afterDashes) {
      positionals.push(w);
      continue;
    }
    if (w === '--') {
      afterDashes = true;
      continue;
    }
    if (w.startsWith('-') && w.length > 1) {
      const eq = w.indexOf('=');
      const o = findOption(command, w.startsWith('--') && eq > 0 ? w.slice(0, eq) : w.slice(0, w.startsWith('--') ? undefined : 2));
      if (!o || !takesValue(o)) continue;
      if (w.startsWith('--') && eq > 0) flags[flagName(o)] = w.slice(eq + 1);
      else if (!w.startsWith('--') && w.length > 2) flags[flagName(o)] = w.slice(2);
      else valueOf = o;
      continue;
    }
    const sub = positionals.length === 0 ? command.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
    if (sub) {
      command = sub;
      path.push(sub.name());
    } else positionals.push(w);
  }
  return { command, path: path.join(' '), positionals, flags, valueOf, afterDashes };
}

const plural = (k: CliKind) => `${k}s`;

/** The positional arguments of each command that completion knows: what the n-th one takes. */
function positionalWant(t: Typed): Want {
  const n = t.positionals.length;
  const kindThenName = (kinds: readonly CliKind[]): Want => {
    if (n === 0) return { words: kinds.map(plural) };
    const kind = n === 1 ? lookupKind(t.positionals[0]) : undefined;
    return kind && kind !== 'cluster' ? { names: kind } : { nothing: true };
  };
  switch (t.path) {
    case 'get':
    case 'inspect':
      return kindThenName(CLI_KINDS);
    case 'delete':
      return kindThenName(DELETABLE);
    case 'export':
      return kindThenName(EXPORTABLE);
    case 'scale':
    case 'logs':
    case 'rollback':
    case 'rollout status':
      return n === 0 ? { names: 'service' } : { nothing: true };
    case 'exec':
    case 'port-forward':
      return n === 0 ? { names: 'pod-or-service' } : { nothing: true };
    case 'node label':
      return n === 0 ? { names: 'node' } : { nothing: true };
    case 'route inspect':
    case 'route delete':
      return n === 0 ? { names: 'route' } : { nothing: true };
    case 'job run':
      return n === 0 ? { names: 'job' } : { nothing: true };
    case 'job cancel':
      return n === 0 ? { names: 'task' } : { nothing: true };
    case 'context use':
    case 'context rm':
      return n === 0 ? { names: 'context' } : { nothing: true };
    case 'completion':
      return n === 0 ? { words: ['bash', 'zsh', 'fish'] } : { nothing: true };
    case 'top':
      return n === 0 ? { words: ['pods', 'nodes'] } : { nothing: true };
    default:
      return { nothing: true };
  }
}

/** What a flag's value takes. */
function flagWant(t: Typed, o: Option): Want {
  const long = o.long ?? '';
  if (FILE_FLAGS.has(long)) return { files: true };
  switch (long) {
    case '--namespace':
      return { names: 'namespace' };
    case '--context':
      return { names: 'context' };
    case '--service':
      return { names: 'service' };
    case '--node':
      return { names: 'node' };
    case '--output':
      return { words: t.path === 'get' ? OUTPUT_FORMATS : t.path === 'inspect' ? ['yaml', 'json'] : t.path === 'audit' ? ['text', 'json'] : t.path === 'top' ? ['table', 'json', 'yaml'] : [] };
    case '--type':
      return { words: t.path === 'secret create' ? ['opaque', 'auth', 'tls'] : [] };
    case '--role':
      return { words: ['node', 'admin', 'deployer', 'viewer'] };
    case '--isolation':
      return { words: ['in-process', 'process'] };
    default:
      return { nothing: true };
  }
}

/** Flags every client command takes (hidden in each command's help: the program's help lists them). */
export const GLOBAL_FLAGS = ['--context', '--server', '--token'] as const;

/** The long flags a user can type at a command: its visible ones, the global ones, --help. */
function flagsOf(cmd: Command): string[] {
  return [...cmd.options.filter((o) => o.long && (!o.hidden || (GLOBAL_FLAGS as readonly string[]).includes(o.long))).map((o) => o.long!), '--help'];
}

/** What the current word `cur` takes after `typed`. */
export function want(t: Typed, cur: string): Want {
  if (t.valueOf) return flagWant(t, t.valueOf);
  if (t.afterDashes) return { nothing: true };
  if (cur.startsWith('-')) {
    return { words: flagsOf(t.command) };
  }
  const subs = t.command.commands;
  if (subs.length && t.positionals.length === 0) return { words: subs.map((c) => c.name()) };
  return positionalWant(t);
}

/** Candidates that start with what is typed, in order, once each. */
export function matching(candidates: readonly string[], cur: string): string[] {
  return [...new Set(candidates)].filter((c) => c.startsWith(cur));
}
