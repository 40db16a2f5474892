// `lb events`: what the platform did or could not do — a namespace's events (services and pods), or the
// cluster's (nodes and their drivers); --for narrows to one object, -f follows until interrupted (a watch
// of the events list, resumed over a dropped connection). And the
// events block `lb inspect` ends with.
import type { Command } from 'commander';
import type { EventQuery, LbClient } from '@lastbackend/sdk/client';
import type { LbEvent } from '@lastbackend/sdk';
import { LbError } from '@lastbackend/sdk/errors';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';
import { byLastSeen } from '@lastbackend/sdk/models/event-order';
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
  const print = (e: LbEvent) => ctx.out(opts.output === 'json' ? JSON.stringify(e) : formatEventLine(e));
  try {
    for await (const e of followEvents(client, q, ctl.signal)) print(e);
  } catch (e) {
    if (!ctl.signal.aborted) throw e;
  } finally {
    stop();
  }
}

/** The list route's path that watches `q`'s events. */
export function eventWatchPath(q: EventQuery): string {
  const base = q.namespace === undefined ? '/event' : `/namespace/${encodeURIComponent(q.namespace)}/event`;
  return q.for ? `${base}?for=${encodeURIComponent(q.for)}` : base;
}

/**
 * The events there are (oldest first), then each one as it is written (new, or counted up), until the
 * signal aborts: a watch of the events list, which resumes from its revision over a dropped connection;
 * after a resync (the server's change log moved past it) what was printed already is not printed again.
 */
export async function* followEvents(client: LbClient, q: EventQuery, signal: AbortSignal): AsyncGenerator<LbEvent> {
  const shown = new Map<string, number>(); // event name → the revision of its write last shown
  let initial: LbEvent[] | undefined = [];
  const fresh = (e: LbEvent) => (shown.get(e.meta.name) ?? -1) < e.meta.revision && (shown.set(e.meta.name, e.meta.revision), true);
  for await (const ev of client.watch<LbEvent, LbEvent>(eventWatchPath(q), (e) => e, { signal })) {
    if (ev.type === 'RESYNC') initial = [];
    else if (ev.type === 'SYNCED' && initial) {
      // The current events arrive in key order: shown oldest first, as the list shows them.
      for (const e of initial.sort(byLastSeen)) if (fresh(e)) yield e;
      initial = undefined;
    } else if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && ev.object) {
      if (initial) initial.push(ev.object);
      else if (fresh(ev.object)) yield ev.object;
    }
    // DELETED: an event past its retention; nothing to print.
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
