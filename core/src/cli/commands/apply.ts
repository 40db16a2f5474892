// `lb apply -f FILE|URL|- [-n NS]`: validate every document locally, then one all-or-nothing apply.
import type { Command } from 'commander';
import type { AnyManifest, ApplyResult } from '@lastbackend/sdk';
import { collect } from '../args';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';
import { lazy, rolloutWait } from '../lazy';
import { addWaitOptions, waitTimes, type WaitOptions } from '../rollout/wait-options';

const manifestFiles = lazy(() => require('../manifest-files') as typeof import('../manifest-files'));
const compose = lazy(() => require('../compose/index') as typeof import('../compose/index'));

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
  const sources = [];
  for (const f of files) sources.push(await manifestFiles().readSource(f, ctx.io.stdin));
  const parsed = sources.map((s) => manifestFiles().parseYaml(s)); // once: ~0.3 s for a file of 1,000 services
  if (sources.some((s, i) => compose().isCompose(s, parsed[i]))) {
    if (sources.length > 1) throw usage('apply takes one compose file at a time, alone (override files are not merged)');
    return applyCompose(ctx, sources[0], opts);
  }
  const { documents, manifests } = manifestFiles().manifestsOf(sources, parsed);
  await applyDocuments(ctx, targetNamespace(manifests, opts.namespace), documents, opts);
}

/**
 * A compose file: converted (warnings to stderr), checked as any manifest is, then applied into -n or the
 * project's namespace; a Namespace manifest goes first only when that namespace does not exist yet (applied
 * to an existing one, it would reset its spec).
 */
async function applyCompose(ctx: CliContext, src: { name: string; text: string }, opts: ApplyOptions): Promise<void> {
  const c = compose();
  const { namespace, manifests, warnings } = c.composeManifests(src, ctx.io.env, process.cwd(), opts.namespace);
  for (const w of warnings) ctx.err(`warning: ${w}`);
  try {
    manifestFiles().validateManifests(manifests);
  } catch (e) {
    throw c.renameFields(e, manifests, src.name);
  }
  const exists = await ctx
    .client()
    .namespace(namespace)
    .then(
      () => true,
      // Only NOT_FOUND says it is missing; anything else (a token that may not read it) is for the apply to answer.
      (e: unknown) => (e as { code?: unknown }).code !== 'NOT_FOUND',
    );
  await applyDocuments(ctx, namespace, exists ? manifests : [c.namespaceManifest(namespace), ...manifests], opts, (results) => runComposeJobs(ctx, namespace, results));
}

/**
 * The compose file's Jobs (services others wait for to complete) run once, as `docker compose up` runs
 * them: a task of each, unless one ran the same template to success or runs it now (compose/jobs.ts).
 */
async function runComposeJobs(ctx: CliContext, ns: string, results: readonly ApplyResult[]): Promise<void> {
  const client = ctx.client();
  for (const r of results.filter((x) => x.kind === 'Job')) {
    const decision = compose().composeJobRun(await client.get('job', ns, r.name), await client.tasks(ns, r.name));
    if (!decision.run) ctx.out(`job/${r.name} not run: ${decision.reason}`);
    else ctx.out(`task/${(await client.runJob(ns, r.name)).meta.name} queued (job/${r.name})`);
  }
}

async function applyDocuments(ctx: CliContext, ns: string, documents: unknown[], opts: ApplyOptions, after?: (results: ApplyResult[]) => Promise<void>): Promise<void> {
  const results = await ctx.client().apply(ns, documents);
  for (const r of results) ctx.out(formatApplyResult(r));
  await after?.(results);
  // Services roll out (all of them, unchanged ones included: every one must be ready); other kinds need no wait.
  const services = results.filter((r) => r.kind === 'Service').map((r) => r.name);
  if (!opts.detach) await rolloutWait().waitForRollout(ctx, ns, services, opts);
}

export function registerApply(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('apply')
    .description('create or update everything in a manifest file (multi-document YAML), all or nothing')
    .option('-f, --file <file>', 'manifest file, http(s) URL, or - for stdin (repeatable); or one docker-compose file', collect, [])
    .option('-n, --namespace <ns>', `namespace (default: the file's one Namespace, else ${DEFAULT_NAMESPACE}; a compose file: its project's name)`);
  addWaitOptions(cmd).action((opts: ApplyOptions) => runApply(ctx, opts));
}
