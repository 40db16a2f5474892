// `lb compose convert -f FILE [-n NS] [-o yaml|json]`: the manifests a compose file becomes, warnings on stderr.
import type { Command } from 'commander';
import { CliContext, usage } from '../context';
import { lazy } from '../lazy';
import { outputFormat, renderJson, renderYaml } from '../output';

const manifestFiles = lazy(() => require('../manifest-files') as typeof import('../manifest-files'));
const compose = lazy(() => require('../compose/index') as typeof import('../compose/index'));

export interface ConvertOptions {
  file?: string;
  namespace?: string;
  output?: string;
}

/**
 * Prints a Namespace manifest first, so the output applies into that namespace (`lb apply -f out.yaml`);
 * `lb apply -f compose.yml` itself sends it only when the namespace does not exist.
 */
export async function runConvert(ctx: CliContext, opts: ConvertOptions): Promise<void> {
  if (!opts.file) throw usage('compose convert needs -f FILE (a compose file, or - for stdin)');
  const format = outputFormat(opts.output ?? 'yaml', ['yaml', 'json']);
  const src = await manifestFiles().readSource(opts.file, ctx.io.stdin);
  const c = compose();
  const { namespace, manifests, warnings } = c.composeManifests(src, ctx.io.env, process.cwd(), opts.namespace);
  for (const w of warnings) ctx.err(`warning: ${w}`);
  const all = [c.namespaceManifest(namespace), ...manifests];
  ctx.io.stdout.write(format === 'json' ? renderJson(all) : all.map((m) => renderYaml(m)).join('---\n'));
}

export function registerCompose(program: Command, ctx: CliContext): void {
  const cmd = program.command('compose').description('docker-compose files: what they become here (lb apply -f compose.yaml applies one)');
  cmd
    .command('convert')
    .description('print the manifests a compose file becomes (warnings for what is not supported go to stderr)')
    .option('-f, --file <file>', 'compose file, http(s) URL, or - for stdin')
    .option('-n, --namespace <ns>', "namespace (default: the compose project's name: its name:, else its directory's)")
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .action((opts: ConvertOptions) => runConvert(ctx, opts));
}
