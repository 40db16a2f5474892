// Reading events: a namespace's or the cluster's, optionally for one object (?for=KIND/NAME), oldest
// first; following them is the list, then every event written since (new ones and repeats), each once
// per write. A service's events include its pods', a job's its tasks'.
import { byLastSeen, EVENT_FOR_RE, invalid, type LbEvent } from '@lastbackend/sdk';
import { CLUSTER_EVENTS, keys } from '../store/keys';
import type { Store } from '../store/store';

export type EventMatch = (e: LbEvent) => boolean;

/** The filter ?for= names; `cluster`: the cluster's events (nodes), else a namespace's (services, pods). */
export function eventFilter(forRef: string | undefined, cluster: boolean): EventMatch {
  if (forRef === undefined || forRef === '') return () => true;
  const m = EVENT_FOR_RE.exec(forRef);
  const kinds = cluster ? 'node/NAME' : 'service/NAME, pod/NAME, job/NAME or task/NAME';
  if (!m) throw invalid([{ field: 'for', reason: `must be ${kinds}` }], 'invalid query');
  const kind = m[1].toLowerCase();
  const name = m[2];
  if (kind === 'node' || kind === 'no') {
    if (!cluster) throw invalid([{ field: 'for', reason: "a node's events are the cluster's: GET /event?for=node/NAME (`lb events --for node/NAME`)" }], 'invalid query');
    return (e) => e.object.kind === 'Node' && e.object.name === name;
  }
  if (cluster) throw invalid([{ field: 'for', reason: "a service's or pod's events are its namespace's: GET /namespace/NS/event?for=… (`lb events -n NS --for …`)" }], 'invalid query');
  if (kind === 'pod' || kind === 'po') return (e) => e.object.kind === 'Pod' && e.object.name === name;
  if (kind === 'task') return (e) => e.object.kind === 'Task' && e.object.name === name;
  if (kind === 'job') return (e) => (e.object.kind === 'Job' && e.object.name === name) || (e.object.kind === 'Task' && e.object.job === name);
  return (e) => (e.object.kind === 'Service' && e.object.name === name) || (e.object.kind === 'Pod' && e.object.service === name);
}

/** The key prefix of a namespace's events, or of the cluster's (namespace undefined). */
const scopePrefix = (namespace: string | undefined) => keys.event(namespace ?? CLUSTER_EVENTS);

export class EventReader {
  constructor(private readonly store: Store) {}

  async list(namespace: string | undefined, match: EventMatch): Promise<LbEvent[]> {
    return (await this.store.list<LbEvent>(scopePrefix(namespace))).filter(match).sort(byLastSeen);
  }

  /** The list, then each event as it is written, until the signal aborts. */
  async *follow(namespace: string | undefined, match: EventMatch, signal: AbortSignal): AsyncGenerator<LbEvent> {
    const queue: LbEvent[] = [];
    let wake: (() => void) | undefined;
    // Subscribed before the list is read, so a write in between is not missed (a repeat of it is skipped).
    const unwatch = this.store.watch(scopePrefix(namespace), (ev) => {
      const e = ev.value as LbEvent | undefined;
      if (ev.type !== 'put' || !e || !match(e)) return;
      queue.push(e);
      wake?.();
    });
    const stop = () => wake?.();
    signal.addEventListener('abort', stop, { once: true });
    try {
      const listed = new Map<string, number>();
      for (const e of await this.list(namespace, match)) {
        listed.set(e.meta.name, e.meta.revision);
        yield e;
      }
      while (!signal.aborted) {
        const e = queue.shift();
        if (!e) {
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        // A write the list already showed (bounded: the list is at most events.max long).
        if (e.meta.revision <= (listed.get(e.meta.name) ?? -1)) continue;
        yield e;
      }
    } finally {
      unwatch();
      signal.removeEventListener('abort', stop);
    }
  }
}
