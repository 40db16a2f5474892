// Kind names the CLI accepts: singular, plural and short aliases, in any case.
import { didYouMean, editDistance } from './suggest';
import { usage } from './usage';

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
  'job',
  'task',
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
  if (kind && verb) throw usage(`${verb} does not support kind ${kind} (one of ${list})`);
  throw usage(`unknown kind ${word} (one of ${list})${kindSuggestion(word, allowed)}`);
}

/** The words that name a kind, the preferred first: singular, plural, short. */
export function kindWords(kind: CliKind): string[] {
  return [kind, `${kind}s`, ...Object.keys(SHORT).filter((k) => SHORT[k] === kind)];
}

/** ': did you mean "service"?' for "srvice": per kind its nearest word (the preferred on a tie), the nearest kinds. */
export function kindSuggestion(word: string, allowed: readonly CliKind[] = CLI_KINDS): string {
  const w = word.toLowerCase();
  const nearest = allowed.map((k) => kindWords(k).reduce((a, b) => (editDistance(w, b) < editDistance(w, a) ? b : a)));
  return didYouMean(word, nearest);
}
