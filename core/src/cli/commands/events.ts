// `lb events`: what the platform did or could not do — a namespace's events (services and pods), or the
// cluster's (nodes and their drivers); --for narrows to one object, -f follows until interrupted. And the
// events block `lb inspect` ends with.
import type { Command } from 'commander';
import type { EventQuery, LbClient } from '@lastbackend/sdk/client';
import type { LbEvent } from '@lastbackend/sdk';
import { LbError } from '@lastbackend/sdk/errors';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';
import { formatAge, renderTable } from '../output';

interface EventsOptions {
  namespace?: string;
  for?: string;
  cluster?: boolean;
  follow?: boolean;
  output: string;
}

const HEAD = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'COUNT', 'FROM', 'MESSAGE'];

export const objectOf = (e: LbEvent): string => `${e.object.kind.toLowerCase()}/${e.object.name}`;

function row(e: LbEvent, now: number): string[] {
  return [formatAge(e.last_seen, now), e.type, e.reason, objectOf(e), String(e.count), e.component, e.message];
}

/** The events as a table, oldest first. */
export function eventsTable(events: readonly LbEvent[], now: number = Date.now()): string {
  return renderTable(HEAD, events.map((e) => row(e, now)));
}

/** One line per event as it comes (following): its time, not its age. */
export function formatEventLine(e: LbEvent): string {
  return `${e.last_seen}  ${e.type}  ${e.reason}  ${objectOf(e)}${e.count > 1 ? ` (x${e.count})` : ''}  ${e.component}  ${e.message}`;
}

/** Which events: --cluster or --for node/NAME the cluster's, else the namespace's. */
export function eventQuery(opts: Pick<EventsOptions, 'namespace' | 'for' | 'cluster'>): EventQuery {
  const nodeFor = /^(node|no)\//i.test(opts.for ?? '');
  if (opts.cluster || nodeFor) {
    if (opts.namespace !== undefined) throw usage("the cluster's events belong to no namespace: drop -n or --cluster");
    if (opts.for && !nodeFor) throw usage('--for with --cluster takes node/NAME');
    return { ...(opts.for ? { for: opts.for } : {}) };
  }
  return { namespace: opts.namespace ?? DEFAULT_NAMESPACE, ...(opts.for ? { for: opts.for } : {}) };
}

export async function runEvents(ctx: CliContext, opts: EventsOptions): Promise<void> {
  if (opts.output !== 'table' && opts.output !== 'json') throw new LbError('INVALID_ARGUMENT', `output: must be table or json, not "${opts.output}"`);
  const q = eventQuery(opts);
  const client = ctx.client();
  if (!opts.follow) {
    const events = await collect(client, q);
    if (opts.output === 'json') ctx.io.stdout.write(JSON.stringify(events, null, 2) + '\n');
    else if (!events.length) ctx.err(q.namespace === undefined ? 'No events found.' : `No events found in namespace ${q.namespace}.`);
    else ctx.io.stdout.write(eventsTable(events));
    return;
  }
  const ctl = new AbortController();
  const stop = ctx.io.onInterrupt(() => ctl.abort());
  try {
    for await (const e of client.events({ ...q, follow: true, signal: ctl.signal })) ctx.out(opts.output === 'json' ? JSON.stringify(e) : formatEventLine(e));
  } catch (e) {
    if (!ctl.signal.aborted) throw e;
  } finally {
    stop();
  }
}

/** The last events of a service (with its pods') or a pod, for `lb inspect`; none when they cannot be read. */
export async function recentEvents(client: LbClient, ns: string, kind: 'service' | 'pod', name: string, last = 20): Promise<LbEvent[]> {
  return (await collect(client, { namespace: ns, for: `${kind}/${name}` })).slice(-last);
}

async function collect(client: LbClient, q: EventQuery): Promise<LbEvent[]> {
  const out: LbEvent[] = [];
  for await (const e of client.events(q)) out.push(e);
  return out;
}

export function registerEvents(program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description("what the platform did or could not do: a namespace's events (services, pods), or the cluster's (nodes, drivers)")
    .option('-n, --namespace <ns>', `namespace (default: ${DEFAULT_NAMESPACE})`)
    .option('--for <kind/name>', 'one object: service/NAME (with its pods), pod/NAME, node/NAME')
    .option('--cluster', "the cluster's events (nodes and their drivers)")
    .option('-f, --follow', 'keep streaming events as they happen until interrupted')
    .option('-o, --output <format>', 'table, or json (a list; following: one object per line)', 'table')
    .action((opts: EventsOptions) => runEvents(ctx, opts));
}
