// `lb secret create` and `lb config create`: a Secret or Config from files and literals, without
// writing a manifest (`lb apply` takes those).
import type { Command } from 'commander';
import { collect } from '../args';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';
import { dataFrom } from '../data-sources';

const SECRET_TYPES = ['opaque', 'auth', 'tls'] as const;

interface CreateOptions {
  fromFile: string[];
  fromLiteral: string[];
  namespace: string;
  type?: string;
}

export function secretManifest(name: string, o: Omit<CreateOptions, 'namespace'>) {
  const type = o.type ?? 'opaque';
  if (!(SECRET_TYPES as readonly string[]).includes(type)) throw usage(`type: must be ${SECRET_TYPES.join(', ')}, not "${type}"`);
  return { kind: 'Secret', version: 'v1', meta: { name }, spec: { type, data: dataFrom(o.fromFile, o.fromLiteral) } };
}

export function configManifest(name: string, o: Omit<CreateOptions, 'namespace' | 'type'>) {
  return { kind: 'Config', version: 'v1', meta: { name }, spec: { data: dataFrom(o.fromFile, o.fromLiteral) } };
}

const sources = (c: Command, what: string) =>
  c
    .option('--from-file <[key=]path>', `a file's text under KEY (default: the file's name); a directory: each of its files (repeatable)`, collect, [])
    .option('--from-literal <key=value>', `one ${what} entry (repeatable)`, collect, [])
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE);

export function registerSecret(program: Command, ctx: CliContext): void {
  const secret = program.command('secret').description('secrets (sealed in the store; values masked when read back)');
  sources(secret.command('create').description('make a secret from files and literals').argument('<name>', 'secret name'), 'secret')
    .option('--type <type>', `${SECRET_TYPES.join(', ')} (auth: username, password; tls: tls.crt, tls.key)`, 'opaque')
    .action(async (name: string, o: CreateOptions) => {
      const s = await ctx.client().create('secret', o.namespace, secretManifest(name, o));
      ctx.out(`secret/${s.meta.name} created`);
    });

  const config = program.command('config').description('configs: text mounted as files or given as env');
  sources(config.command('create').description('make a config from files and literals').argument('<name>', 'config name'), 'config').action(
    async (name: string, o: CreateOptions) => {
      const c = await ctx.client().create('config', o.namespace, configManifest(name, o));
      ctx.out(`config/${c.meta.name} created`);
    },
  );
}
