// Kind names the CLI accepts: singular, plural and short aliases, in any case.
import { LbError } from '@lastbackend/sdk/errors';

export const CLI_KINDS = [
  'namespace',
  'service',
  'deployment',
  'pod',
  'node',
  'secret',
  'config',
  'volume',
  'route',
  'endpoint',
  'cluster',
] as const;
export type CliKind = (typeof CLI_KINDS)[number];

const SHORT: Record<string, CliKind> = {
  ns: 'namespace',
  svc: 'service',
  deploy: 'deployment',
  po: 'pod',
  no: 'node',
  vol: 'volume',
  ep: 'endpoint',
};

const ALIASES: ReadonlyMap<string, CliKind> = new Map<string, CliKind>([
  ...CLI_KINDS.map((k) => [k, k] as [string, CliKind]),
  ...CLI_KINDS.map((k) => [`${k}s`, k] as [string, CliKind]),
  ...Object.entries(SHORT),
  ['clusters', 'cluster'],
]);

/** The kind a word names, or undefined. */
export function lookupKind(word: string): CliKind | undefined {
  return ALIASES.get(word.trim().toLowerCase());
}

/**
 * Resolves a user-typed kind. `allowed` narrows what the command supports; `verb` names the command
 * in the error for a known kind it does not support.
 */
export function resolveKind<K extends CliKind>(word: string, allowed: readonly K[], verb?: string): K;
export function resolveKind(word: string): CliKind;
export function resolveKind(word: string, allowed: readonly CliKind[] = CLI_KINDS, verb?: string): CliKind {
  const kind = lookupKind(word);
  if (kind && allowed.includes(kind)) return kind;
  const list = allowed.join(', ');
  if (kind && verb) throw new LbError('INVALID_ARGUMENT', `${verb} does not support kind ${kind} (one of ${list})`);
  throw new LbError('INVALID_ARGUMENT', `unknown kind ${word} (one of ${list})`);
}
