// `lb completion bash|zsh|fish` prints a completion script; the scripts call `lb __complete WORD…`
// (runComplete), which main() dispatches before commander parses anything.
import type { Command } from 'commander';
import { listContexts, readCliFile } from '../cli-config';
import { COMPLETION_SCRIPTS, SHELLS, type Shell } from '../completion-scripts';
import { matching, parseTyped, want, type NameKind } from '../complete';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';
import { sdkClient } from '../lazy';
import { didYouMean } from '../suggest';

/** A TAB must not hang: names the server does not give within this are not offered. */
const NAMES_TIMEOUT_MS = 2000;

/** Names of objects of a kind in a namespace (contexts: from the CLI config, no server asked). */
async function namesOf(ctx: CliContext, kind: NameKind, ns: string): Promise<string[]> {
  if (kind === 'context') return Object.keys(listContexts(readCliFile(ctx.io.env)));
  const client = new (sdkClient().LbClient)({ ...ctx.settings(), timeout: NAMES_TIMEOUT_MS });
  const names = (xs: readonly { meta: { name: string } }[]) => xs.map((x) => x.meta.name);
  switch (kind) {
    case 'namespace':
      return names(await client.namespaces());
    case 'service':
    case 'deployment': // `lb get deployments SERVICE`
      return names(await client.services(ns));
    case 'pod':
      return names((await client.pods(ns)).filter((p) => !p.spec.destroy));
    case 'pod-or-service': {
      const [svcs, pods] = await Promise.all([client.services(ns), client.pods(ns)]);
      return [...names(svcs), ...names(pods.filter((p) => !p.spec.destroy))];
    }
    case 'node':
      return names(await client.nodes());
    case 'endpoint':
      return names(await client.endpoints(ns));
    case 'secret':
    case 'config':
    case 'volume':
    case 'route':
      return names(await client.list(kind, ns));
    case 'cluster':
      return [];
    case 'job':
      return names(await client.list('job', ns));
    case 'task':
      return names(await client.tasks(ns));
  }
}

/**
 * Prints the candidates for the last of `words` (the words after `lb`). Quiet and quick by design:
 * any failure (no server, a refused token, a bad config file) offers nothing rather than an error.
 */
export async function runComplete(program: Command, ctx: CliContext, words: readonly string[]): Promise<void> {
  try {
    const cur = words.length ? words[words.length - 1] : '';
    const typed = parseTyped(program, words.slice(0, -1));
    const w = want(typed, cur);
    if ('files' in w) return ctx.out(':files');
    if ('nothing' in w) return;
    ctx.contextName = typed.flags.context;
    ctx.server = typed.flags.server;
    ctx.token = typed.flags.token;
    const candidates = 'words' in w ? w.words : await namesOf(ctx, w.names, typed.flags.namespace ?? DEFAULT_NAMESPACE);
    const shown = matching(candidates, cur);
    if (shown.length) ctx.out(shown.join('\n'));
  } catch {
    // nothing to offer
  }
}

export function registerCompletion(program: Command, ctx: CliContext): void {
  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish (commands, flags, and names from the server)')
    .argument('<shell>', SHELLS.join(', '))
    .addHelpText(
      'after',
      '\nLoad it in the running shell:\n  bash: source <(lb completion bash)\n  zsh:  source <(lb completion zsh)   (after compinit)\n  fish: lb completion fish | source\n',
    )
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) throw usage(`unknown shell "${shell}" (one of ${SHELLS.join(', ')})${didYouMean(shell, SHELLS)}`);
      ctx.io.stdout.write(COMPLETION_SCRIPTS[shell as Shell]);
    });
}
