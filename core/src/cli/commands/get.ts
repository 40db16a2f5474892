// `lb get KIND [NAME]` and `lb inspect KIND NAME`.
import type { Command } from 'commander';
import type { LbClient } from '@lastbackend/sdk/client';
import { LbError, notFound } from '@lastbackend/sdk/errors';
import { namesOf, tableOf, type Listing } from '../columns';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';
import { resolveKind, type CliKind } from '../kinds';
import { outputFormat, renderJson, renderTable, renderYaml } from '../output';
import { eventsTable, recentEvents } from './events';
import { runWatch } from './get-watch';

export interface GetOptions {
  namespace: string;
  output?: string;
  service?: string;
  watch?: boolean;
  /** Tasks of this job only. */
  job?: string;
}

/** Fetches what `lb get` shows. NAME narrows to one object (for deployments: the service). */
export async function fetchListing(client: LbClient, kind: CliKind, ns: string, name?: string, service?: string, job?: string): Promise<Listing> {
  switch (kind) {
    case 'namespace':
      return { kind, items: name ? [await client.namespace(name)] : await client.namespaces() };
    case 'service':
      return { kind, items: name ? [await client.service(ns, name)] : await client.services(ns) };
    case 'deployment': {
      const svc = name ?? service;
      if (svc) return { kind, items: await client.deployments(ns, svc) };
      const services = await client.services(ns);
      const all = await Promise.all(
        services.map((s) =>
          client.deployments(ns, s.meta.name).catch((e: unknown) => {
            // A service deleted between the two calls has no deployments to show.
            if (e instanceof LbError && e.code === 'NOT_FOUND') return [];
            throw e;
          }),
        ),
      );
      return { kind, items: all.flat() };
    }
    case 'pod': {
      if (name) {
        const pod = await client.pod(ns, name);
        if (service && pod.meta.service !== service) throw notFound(`pod "${name}" of service "${service}" in namespace "${ns}"`);
        return { kind, items: [pod] };
      }
      return { kind, items: await client.pods(ns, service) };
    }
    case 'node':
      return { kind, items: name ? [await client.node(name)] : await client.nodes() };
    case 'secret':
    case 'config':
    case 'volume':
    case 'route':
      return getObjects(client, kind, ns, name);
    case 'endpoint': {
      const items = (await client.endpoints(ns)).filter((e) => !name || e.meta.name === name);
      if (name && !items.length) throw notFound(`endpoint "${name}" in namespace "${ns}"`);
      return { kind, items };
    }
    case 'cluster':
      return { kind, items: [await client.cluster()] };
    case 'job':
      return { kind, items: name ? [await client.get('job', ns, name)] : await client.list('job', ns) };
    case 'task':
      return { kind, items: name ? [await client.task(ns, name)] : await client.tasks(ns, job) };
  }
}

async function getObjects(client: LbClient, kind: 'secret' | 'config' | 'volume' | 'route', ns: string, name?: string): Promise<Listing> {
  switch (kind) {
    case 'secret':
      return { kind, items: name ? [await client.get(kind, ns, name)] : await client.list(kind, ns) };
    case 'config':
      return { kind, items: name ? [await client.get(kind, ns, name)] : await client.list(kind, ns) };
    case 'volume':
      return { kind, items: name ? [await client.get(kind, ns, name)] : await client.list(kind, ns) };
    case 'route':
      return { kind, items: name ? [await client.get(kind, ns, name)] : await client.list(kind, ns) };
  }
}

const NAMESPACED: ReadonlySet<CliKind> = new Set(['service', 'deployment', 'pod', 'secret', 'config', 'volume', 'route', 'endpoint', 'job', 'task']);

const PLURAL: Record<CliKind, string> = {
  namespace: 'namespaces',
  service: 'services',
  deployment: 'deployments',
  pod: 'pods',
  node: 'nodes',
  secret: 'secrets',
  config: 'configs',
  volume: 'volumes',
  route: 'routes',
  endpoint: 'endpoints',
  cluster: 'clusters',
  job: 'jobs',
  task: 'tasks',
};

export async function runGet(ctx: CliContext, kindWord: string, name: string | undefined, opts: GetOptions): Promise<void> {
  const kind = resolveKind(kindWord);
  const format = outputFormat(opts.output);
  if (opts.service && kind !== 'pod' && kind !== 'deployment') throw usage('--service applies to pods and deployments only');
  if (opts.job && kind !== 'task') throw usage('--job applies to tasks only');
  if (opts.watch) return runWatch(ctx, ctx.client(), kind, opts.namespace, name, opts.service, format, opts.job);
  const listing = await fetchListing(ctx.client(), kind, opts.namespace, name, opts.service, opts.job);
  if (format === 'json' || format === 'yaml') {
    ctx.io.stdout.write(format === 'json' ? renderJson(listing.items) : renderYaml(listing.items));
    return;
  }
  if (!listing.items.length) {
    ctx.err(NAMESPACED.has(kind) ? `No ${PLURAL[kind]} found in namespace ${opts.namespace}.` : `No ${PLURAL[kind]} found.`);
    return;
  }
  if (format === 'name') {
    ctx.out(namesOf(listing).join('\n'));
    return;
  }
  const t = tableOf(listing, Date.now(), format === 'wide');
  ctx.io.stdout.write(renderTable(t.head, t.rows));
}

/** One object for `lb inspect`. Deployments are named "SERVICE/vN" or NAME with --service. */
export async function fetchOne(client: LbClient, kind: CliKind, ns: string, name: string | undefined, service?: string): Promise<unknown> {
  if (kind === 'cluster') return client.cluster();
  if (!name) throw usage(`inspect ${kind} needs a NAME`);
  if (kind === 'deployment') {
    const slash = name.indexOf('/');
    const svc = slash >= 0 ? name.slice(0, slash) : service;
    const dep = slash >= 0 ? name.slice(slash + 1) : name;
    if (!svc) throw usage('inspect deployment needs SERVICE/NAME (e.g. web/v2) or --service');
    return client.deployment(ns, svc, dep);
  }
  const l = await fetchListing(client, kind, ns, name, service);
  return l.items[0];
}

const INSPECT_FORMATS = ['yaml', 'json'] as const;

/** `KIND/NAME` in one word (task/report-1a2b3c), as `lb logs` takes it, when no NAME follows. */
function splitRef(kindWord: string, name: string | undefined): [string, string | undefined] {
  const i = kindWord.indexOf('/');
  return name === undefined && i > 0 ? [kindWord.slice(0, i), kindWord.slice(i + 1)] : [kindWord, name];
}

export async function runInspect(ctx: CliContext, word: string, given: string | undefined, opts: GetOptions): Promise<void> {
  const [kindWord, name] = splitRef(word, given);
  const kind = resolveKind(kindWord);
  const format = outputFormat(opts.output, INSPECT_FORMATS);
  const client = ctx.client();
  const obj = await fetchOne(client, kind, opts.namespace, name, opts.service);
  if (format === 'json') {
    ctx.io.stdout.write(JSON.stringify(obj, null, 2) + '\n');
    return;
  }
  ctx.io.stdout.write(renderYaml(obj));
  // A service or pod ends with its recent events (a service's include its pods'), as YAML comments:
  // the output stays YAML.
  if ((kind === 'service' || kind === 'pod') && name) {
    const block = await recentEvents(client, opts.namespace, kind, name).then(
      (events) => (events.length ? eventsTable(events) : '<none>\n'),
      (e: Error) => `<cannot be read: ${e.message}>\n`,
    );
    ctx.io.stdout.write(`# events:\n${block.replace(/^(?=.)/gm, '#   ')}`);
  }
}

export function registerGet(program: Command, ctx: CliContext): void {
  program
    .command('get')
    .description('list objects: namespaces, services, deployments, pods, nodes, secrets, configs, volumes, routes, endpoints, cluster, jobs, tasks')
    .argument('<kind>', 'kind, e.g. services (svc), pods (po), deployments (deploy), nodes (no)')
    .argument('[name]', 'one object by name (for deployments: the service whose deployments to list)')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .option('-o, --output <format>', 'table, wide (more columns), name (KIND/NAME per line), json or yaml', 'table')
    .option('--service <service>', 'pods/deployments of this service only')
    .option('-w, --watch', 'then print every change as it happens, until interrupted')
    .option('--job <job>', "tasks of this job only")
    .action((kind: string, name: string | undefined, opts: GetOptions) => runGet(ctx, kind, name, opts));

  program
    .command('inspect')
    .description('show one object in full, as YAML; a service or pod ends with its recent events')
    .argument('<kind>', 'kind of the object, or KIND/NAME (task/NAME)')
    .argument('[name]', 'its name (deployments: SERVICE/vN)')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .option('--service <service>', 'for deployments: the service')
    .action((kind: string, name: string | undefined, opts: GetOptions) => runInspect(ctx, kind, name, opts));
}
