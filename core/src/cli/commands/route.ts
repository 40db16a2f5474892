// `lb route create|ls|inspect|delete`: ingress routes (they can also come from `lb apply`).
import type { Command } from 'commander';
import type { Route } from '@lastbackend/sdk';
import { collect } from '../args';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';
import { formatAge, renderTable, renderYaml } from '../output';

const RULE_RE = /^(\/[^=]*)=([a-z0-9-]+):(\d{1,5})$/;

/** "PATH=SERVICE:PORT", e.g. "/api=api:80". */
export function parseRule(s: string): { path: string; service: string; port: number } {
  const m = RULE_RE.exec(s);
  if (!m) throw usage(`rule: "${s}" must be PATH=SERVICE:PORT, e.g. /=web:80`);
  return { path: m[1], service: m[2], port: Number(m[3]) };
}

export function routeManifest(name: string, o: { host?: string; rule: string[]; tlsSecret?: string; redirect?: boolean }) {
  if (!o.rule.length) throw usage('rule: at least one --rule PATH=SERVICE:PORT is needed');
  return {
    kind: 'Route',
    version: 'v1',
    meta: { name },
    spec: {
      ...(o.host ? { domain: o.host } : {}),
      rules: o.rule.map(parseRule),
      ...(o.tlsSecret ? { tls: { secret: o.tlsSecret, redirect: !!o.redirect } } : {}),
    },
  };
}

const hostOf = (r: Route) => r.spec.domain ?? `${r.meta.name}.${r.meta.namespace}.<ingress domain>`;

export function registerRoute(program: Command, ctx: CliContext): void {
  const route = program.command('route').description('ingress routes: host and path rules to services');
  route
    .command('create')
    .description('route a host (and paths) to services')
    .argument('<name>', 'route name')
    .option('--host <host>', 'host name (default: <name>.<namespace>.<ingress domain>)')
    .option('--rule <PATH=SERVICE:PORT>', 'a path prefix to a service port (repeatable)', collect, [])
    .option('--tls-secret <secret>', 'a Secret of type tls (keys tls.crt, tls.key) to terminate TLS with')
    .option('--redirect', 'with TLS: redirect http to https')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action(async (name: string, o: { host?: string; rule: string[]; tlsSecret?: string; redirect?: boolean; namespace: string }) => {
      await ctx.client().create('route', o.namespace, routeManifest(name, o));
      ctx.out(`route/${name} created`);
    });
  route
    .command('ls')
    .description('list routes')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action(async (o: { namespace: string }) => {
      const list = await ctx.client().list('route', o.namespace);
      const rows = list.map((r) => [r.meta.name, hostOf(r), r.spec.rules.map((x) => `${x.path}→${x.service}:${x.port}`).join(' '), r.spec.tls ? 'yes' : 'no', r.status.state, formatAge(r.meta.created)]);
      ctx.out(renderTable(['NAME', 'HOST', 'RULES', 'TLS', 'STATE', 'AGE'], rows).trimEnd());
    });
  route
    .command('inspect')
    .description('show a route in full')
    .argument('<name>', 'route name')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action(async (name: string, o: { namespace: string }) => {
      ctx.out(renderYaml(await ctx.client().get('route', o.namespace, name)).trimEnd());
    });
  route
    .command('delete')
    .description('delete a route')
    .argument('<name>', 'route name')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action(async (name: string, o: { namespace: string }) => {
      await ctx.client().remove('route', o.namespace, name);
      ctx.out(`route/${name} deleted`);
    });
}
