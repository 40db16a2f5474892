// `lb apply -f FILE|URL|- [-n NS]`: validate every document locally, then one all-or-nothing apply.
import type { Command } from 'commander';
import type { AnyManifest, ApplyResult } from '@lastbackend/sdk';
import { collect } from '../args';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';
import { lazy } from '../lazy';
import { addWaitOptions, waitTimes, waitForRollout, type WaitOptions } from '../rollout/wait';

const manifestFiles = lazy(() => require('../manifest-files') as typeof import('../manifest-files'));

export interface ApplyOptions extends WaitOptions {
  file?: string[];
  namespace?: string;
}

/**
 * The namespace the documents land in: -n when given; else the one Namespace a file defines
 * (so `lb export -n X` output re-applies into X); else "default".
 */
export function targetNamespace(manifests: readonly AnyManifest[], flag?: string): string {
  if (flag) return flag;
  const namespaces = manifests.filter((m) => m.kind === 'Namespace');
  return namespaces.length === 1 ? namespaces[0].meta.name : DEFAULT_NAMESPACE;
}

export const formatApplyResult = (r: ApplyResult) => `${r.kind.toLowerCase()}/${r.name} ${r.action}`;

export async function runApply(ctx: CliContext, opts: ApplyOptions): Promise<void> {
  const files = opts.file ?? [];
  if (!files.length) throw usage('apply needs -f FILE (a path, an http(s) URL or - for stdin)');
  waitTimes(opts);
  const { documents, manifests } = await manifestFiles().loadManifests(files, ctx.io.stdin);
  const ns = targetNamespace(manifests, opts.namespace);
  const results = await ctx.client().apply(ns, documents);
  for (const r of results) ctx.out(formatApplyResult(r));
  // Services roll out (all of them, unchanged ones included: every one must be ready); other kinds need no wait.
  const services = results.filter((r) => r.kind === 'Service').map((r) => r.name);
  if (!opts.detach) await waitForRollout(ctx, ns, services, opts);
}

export function registerApply(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('apply')
    .description('create or update everything in a manifest file (multi-document YAML), all or nothing')
    .option('-f, --file <file>', 'manifest file, http(s) URL, or - for stdin (repeatable)', collect, [])
    .option('-n, --namespace <ns>', `namespace (default: the file's one Namespace, else ${DEFAULT_NAMESPACE})`);
  addWaitOptions(cmd).action((opts: ApplyOptions) => runApply(ctx, opts));
}
