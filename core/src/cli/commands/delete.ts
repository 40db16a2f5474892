// `lb delete KIND NAME`.
import type { Command } from 'commander';
import { CliContext, DEFAULT_NAMESPACE } from '../context';
import { resolveKind } from '../kinds';

export const DELETABLE = ['namespace', 'service', 'secret', 'config', 'volume', 'route', 'node', 'job'] as const;

export async function runDelete(ctx: CliContext, kindWord: string, name: string, ns: string): Promise<void> {
  const kind = resolveKind(kindWord, DELETABLE, 'delete');
  const client = ctx.client();
  switch (kind) {
    case 'namespace':
      await client.deleteNamespace(name);
      break;
    case 'service':
      await client.deleteService(ns, name);
      break;
    case 'node':
      await client.deleteNode(name);
      break;
    default:
      await client.remove(kind, ns, name);
  }
  ctx.out(`${kind}/${name} deleted`);
}

export function registerDelete(program: Command, ctx: CliContext): void {
  program
    .command('delete')
    .description(`delete an object: ${DELETABLE.join(', ')}`)
    .argument('<kind>', 'kind of the object')
    .argument('<name>', 'its name')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action((kind: string, name: string, opts: { namespace: string }) => runDelete(ctx, kind, name, opts.namespace));
}
