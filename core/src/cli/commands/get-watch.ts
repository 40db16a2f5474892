// `lb get KIND [NAME] -w`: the list, then every change as it happens, until Ctrl-C. Text mode prints
// table rows with the event first (the current items as ADDED); -o json one {type, revision, object}
// per line. A dropped connection resumes from the last revision (the SDK's watch: nothing missed,
// nothing twice), up to a few failures in a row.
import type { LbClient, WatchOptions } from '@lastbackend/sdk/client';
import type { WatchEvent } from '@lastbackend/sdk';
import { tableOf, type Listing } from '../columns';
import { usage, type CliContext } from '../context';
import type { CliKind } from '../kinds';
import * as wire from '@lastbackend/sdk/wire/decode';
import { renderYaml, type OutputFormat } from '../output';

const enc = encodeURIComponent;

type Watched = Exclude<CliKind, 'cluster'>;

/** The list route a kind is watched on, and how its objects decode. NAME narrows (deployments: the service). */
function watchTarget(kind: CliKind, ns: string, name: string | undefined, service: string | undefined, job?: string): { path: string; decode: (w: never) => unknown; only?: string } {
  const n = `/namespace/${enc(ns)}`;
  switch (kind) {
    case 'namespace':
      return { path: '/namespace', decode: wire.decodeNamespace, only: name };
    case 'service':
      return { path: `${n}/service`, decode: wire.decodeService, only: name };
    case 'deployment': {
      const svc = name ?? service;
      if (!svc) throw usage('get deployments -w needs the service: lb get deployments SERVICE -w (or --service)');
      return { path: `${n}/service/${enc(svc)}/deployment`, decode: wire.decodeDeployment };
    }
    case 'pod':
      return { path: service ? `${n}/service/${enc(service)}/pod` : `${n}/pod`, decode: wire.decodePod, only: name };
    case 'node':
      return { path: '/cluster/node', decode: wire.decodeNode, only: name };
    case 'secret':
      return { path: `${n}/secret`, decode: wire.decodeSecret, only: name };
    case 'config':
      return { path: `${n}/config`, decode: wire.decodeConfig, only: name };
    case 'volume':
      return { path: `${n}/volume`, decode: wire.decodeVolume, only: name };
    case 'route':
      return { path: `${n}/route`, decode: wire.decodeRoute, only: name };
    case 'endpoint':
      return { path: `${n}/endpoint`, decode: (w: never) => w, only: name };
    case 'cluster':
      throw usage('get cluster cannot be watched: watch nodes (lb get nodes -w)');
    case 'job':
      return { path: `${n}/job`, decode: wire.decodeJob, only: name };
    case 'task':
      return { path: `${n}/task${job ? `?job=${enc(job)}` : ''}`, decode: wire.decodeTask, only: name };
  }
}

/** Table rows padded to widths that grow as wider cells come (the first rows set them). */
class RowPrinter {
  private widths: number[] = [];
  private headed = false;

  constructor(private readonly write: (text: string) => void) {}

  print(head: readonly string[], rows: readonly (readonly string[])[]): void {
    const all = this.headed ? rows : [head, ...rows];
    for (const r of all) r.forEach((c, i) => (this.widths[i] = Math.max(this.widths[i] ?? 0, c.length)));
    for (const r of all) this.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(this.widths[i] + 3))).join('').trimEnd() + '\n');
    this.headed = true;
  }
}

export async function runWatch(ctx: CliContext, client: LbClient, kind: CliKind, ns: string, name: string | undefined, service: string | undefined, format: OutputFormat, job?: string): Promise<void> {
  const target = watchTarget(kind, ns, name, service, job);
  const ctl = new AbortController();
  const stopInterrupt = ctx.io.onInterrupt(() => ctl.abort());
  const out = (text: string) => ctx.io.stdout.write(text);
  const rows = new RowPrinter(out);
  let initial: WatchEvent<unknown>[] | undefined = [];
  const opts: WatchOptions = { signal: ctl.signal, onRetry: (n, e) => ctx.err(`watch: connection lost (${e.message}); resuming (try ${n})`) };

  const show = (evs: WatchEvent<unknown>[]) => {
    if (!evs.length) return;
    if (format === 'json') return evs.forEach((ev) => out(JSON.stringify(ev) + '\n'));
    if (format === 'yaml') return evs.forEach((ev) => out('---\n' + renderYaml(ev)));
    const t = tableOf({ kind: kind as Watched, items: evs.map((e) => e.object) } as unknown as Listing);
    rows.print(['EVENT', ...t.head], t.rows.map((r, i) => [evs[i].type, ...r]));
  };
  try {
    for await (const ev of client.watch(target.path, target.decode as (w: unknown) => unknown, opts)) {
      if (ev.type === 'RESYNC') {
        ctx.err('watch: the server no longer has the changes since the last one seen: listing again');
        initial = [];
        continue;
      }
      if (ev.type === 'SYNCED') {
        if (initial) show(initial);
        initial = undefined;
        continue;
      }
      const o = ev.object as { meta?: { name?: string } } | undefined;
      if (target.only && o?.meta?.name !== target.only) continue;
      if (initial) initial.push(ev);
      else show([ev]);
    }
  } finally {
    stopInterrupt();
  }
}
