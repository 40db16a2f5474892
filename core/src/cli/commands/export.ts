// `lb export [KIND NAME]`: re-appliable YAML of one object or of a whole namespace.
import type { Command } from 'commander';
import type { LbClient } from '@lastbackend/sdk/client';
import { LbError } from '@lastbackend/sdk/errors';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';
import { renderExport, secretComment, toManifest, type ExportPart } from '../export';
import { resolveKind } from '../kinds';

export const EXPORTABLE = ['namespace', 'service', 'secret', 'config', 'volume', 'route'] as const;

/** The namespace manifest first, then configs, secrets (as comments), volumes, services and routes. */
export async function exportNamespace(client: LbClient, ns: string): Promise<ExportPart[]> {
  const namespace = await client.namespace(ns);
  const [configs, secrets, volumes, services, routes] = await Promise.all([
    client.list('config', ns),
    client.list('secret', ns),
    client.list('volume', ns),
    client.services(ns),
    client.list('route', ns),
  ]);
  return [
    { manifest: toManifest(namespace) },
    ...configs.map((o) => ({ manifest: toManifest(o) })),
    ...secrets.map((o) => secretComment(o.meta.name)),
    ...volumes.map((o) => ({ manifest: toManifest(o) })),
    // A service being deleted is on its way out; re-applying it would fail.
    ...services.filter((s) => s.status?.state !== 'destroying').map((o) => ({ manifest: toManifest(o) })),
    ...routes.map((o) => ({ manifest: toManifest(o) })),
  ];
}

export async function exportOne(client: LbClient, kindWord: string, name: string, ns: string): Promise<ExportPart[]> {
  const kind = resolveKind(kindWord, EXPORTABLE, 'export');
  switch (kind) {
    case 'namespace':
      return exportNamespace(client, name);
    case 'service':
      return [{ manifest: toManifest(await client.service(ns, name)) }];
    case 'secret':
      await client.get('secret', ns, name); // NOT_FOUND first, when it does not exist
      throw new LbError('FAILED_PRECONDITION', `secret ${name} cannot be exported: values are not exported`);
    case 'config':
    case 'volume':
    case 'route':
      return [{ manifest: toManifest(await client.get(kind, ns, name)) }];
  }
}

export function registerExport(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description('print manifests that `lb apply -f` re-creates: one object, or the whole namespace')
    .argument('[kind]', `kind of one object (${EXPORTABLE.join(', ')})`)
    .argument('[name]', 'its name')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action(async (kind: string | undefined, name: string | undefined, opts: { namespace: string }) => {
      if (kind !== undefined && name === undefined) throw usage('export needs both KIND and NAME, or neither');
      const client = ctx.client();
      const parts = kind && name ? await exportOne(client, kind, name, opts.namespace) : await exportNamespace(client, opts.namespace);
      ctx.io.stdout.write(renderExport(parts));
    });
}
