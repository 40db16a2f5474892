// Events: the cluster's (nodes and their drivers) and each readable namespace's (services and pods),
// live (the event lists watched with ?watch=true: a new event is ADDED, a repeat counted up MODIFIED, an
// expired one DELETED), newest first, filtered in the browser by type, reason, object and text, paged.
import { useEffect, useState } from 'preact/hooks';
import { lines, type Identity } from '../api';
import { useLive } from '../live';
import type { ClusterEventView, NamespaceView } from '../models';
import { Connection } from './connection';
import { Pager, usePaged } from '../components/paged';
import { cmp } from '../order';

/**
 * Namespaces whose events are watched live when all are shown. A browser holds six connections to one
 * server over HTTP/1.1: two go to the cluster's events and the namespaces, three to namespaces' events,
 * one stays for calls. The others' events are read once (and again on request); choosing one namespace
 * watches it live.
 */
const LIVE_EVENT_NAMESPACES = 3;
const CLUSTER = '-';

function NsEvents({ ns, onEvents }: { ns: string; onEvents: (ns: string, es: ClusterEventView[] | undefined, down: boolean) => void }) {
  const live = useLive<ClusterEventView>(`/namespace/${encodeURIComponent(ns)}/event`);
  useEffect(() => onEvents(ns, [...live.items.values()], live.down), [live]);
  useEffect(() => () => onEvents(ns, undefined, false), []);
  return null;
}

const objectOf = (e: ClusterEventView) => `${e.object.kind.toLowerCase()}/${e.object.namespace ? `${e.object.namespace}/` : ''}${e.object.name}`;

export function Events({ me }: { me: Identity }) {
  const cluster = useLive<ClusterEventView>('/event');
  const namespaces = useLive<NamespaceView>('/namespace');
  const [scope, setScope] = useState('');
  const [type, setType] = useState('');
  const [reason, setReason] = useState('');
  const [object, setObject] = useState('');
  const [text, setText] = useState('');
  const [nsLive, setNsLive] = useState<Record<string, { events: ClusterEventView[]; down: boolean }>>({});
  const [once, setOnce] = useState<{ events: ClusterEventView[]; at: string } | undefined>();

  const nsNames = [...namespaces.items.values()].map((n) => n.meta.name).sort();
  const liveNs = scope === '' ? nsNames.slice(0, LIVE_EVENT_NAMESPACES) : scope === CLUSTER ? [] : [scope];
  const onceNs = scope === '' ? nsNames.slice(LIVE_EVENT_NAMESPACES) : [];

  const readOnce = () => {
    Promise.all(onceNs.map((ns) => lines<ClusterEventView>(`/namespace/${encodeURIComponent(ns)}/event`).catch(() => [])))
      .then((lists) => setOnce({ events: lists.flat(), at: new Date().toLocaleTimeString() }))
      .catch(() => undefined);
  };
  useEffect(() => {
    if (onceNs.length > 0) readOnce();
  }, [onceNs.join(',')]);

  const onEvents = (ns: string, events: ClusterEventView[] | undefined, down: boolean) =>
    setNsLive((prev) => {
      const next = { ...prev };
      if (events === undefined) delete next[ns];
      else next[ns] = { events, down };
      return next;
    });

  const all = [
    ...(scope === '' || scope === CLUSTER ? [...cluster.items.values()] : []),
    ...liveNs.flatMap((ns) => nsLive[ns]?.events ?? []),
    ...(onceNs.length > 0 ? (once?.events ?? []) : []),
  ];
  const reasons = [...new Set(all.map((e) => e.reason))].sort();
  const o = object.trim().toLowerCase();
  const t = text.trim().toLowerCase();
  const shown = all
    .filter((e) => (!type || e.type === type) && (!reason || e.reason === reason) && (!o || objectOf(e).includes(o)) && (!t || `${e.reason} ${e.message} ${e.component}`.toLowerCase().includes(t)))
    .sort((a, b) => Date.parse(b.last_seen) - Date.parse(a.last_seen) || cmp(a.meta.name, b.meta.name));
  const paged = usePaged(shown);
  const refilter = (set: (v: string) => void) => (e: Event) => {
    set((e.target as HTMLInputElement | HTMLSelectElement).value);
    paged.setPage(0);
  };
  const down = liveNs.some((ns) => nsLive[ns]?.down);

  return (
    <>
      <h1>Events</h1>
      <Connection states={[cluster, namespaces]} />
      {liveNs.map((ns) => <NsEvents key={ns} ns={ns} onEvents={onEvents} />)}
      {down && <p role="status" class="down">Namespace events: disconnected — reconnecting…</p>}
      {me.namespaces && <p class="help">This token sees the events of the namespaces {me.namespaces.join(', ')} and the cluster's (nodes).</p>}
      <form class="events-filters" role="search" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label for="ev-scope">Of</label>
          <select id="ev-scope" value={scope} onChange={refilter(setScope)}>
            <option value="">the cluster and every namespace</option>
            <option value={CLUSTER}>the cluster (nodes) only</option>
            {nsNames.map((n) => <option key={n} value={n}>namespace {n}</option>)}
          </select>
        </div>
        <div>
          <label for="ev-type">Type</label>
          <select id="ev-type" value={type} onChange={refilter(setType)}>
            <option value="">all</option>
            <option value="normal">normal</option>
            <option value="warning">warning</option>
          </select>
        </div>
        <div>
          <label for="ev-reason">Reason</label>
          <select id="ev-reason" value={reason} onChange={refilter(setReason)}>
            <option value="">all</option>
            {(reason && !reasons.includes(reason) ? [...reasons, reason] : reasons).map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </div>
        <div>
          <label for="ev-object">Object</label>
          <input id="ev-object" type="search" value={object} placeholder="pod/web, node/n1" onInput={refilter(setObject)} />
        </div>
        <div>
          <label for="ev-text">Text</label>
          <input id="ev-text" type="search" value={text} placeholder="in message or component" onInput={refilter(setText)} />
        </div>
      </form>
      {onceNs.length > 0 && (
        <p class="help">
          Live for the cluster and the namespaces {liveNs.join(', ')}; {onceNs.length} other namespace{onceNs.length > 1 ? 's' : ''} as read at {once?.at ?? '…'} (choose one above to follow it live).{' '}
          <button type="button" onClick={readOnce}>Read them again</button>
        </p>
      )}
      <p class="help" aria-live="polite" data-testid="events-count">{shown.length} of {all.length} events</p>
      <div class="scroll">
        <table data-testid="events">
          <caption class="sr">Events, newest first</caption>
          <thead><tr><th scope="col">Last seen</th><th scope="col">Type</th><th scope="col">Reason</th><th scope="col">Object</th><th scope="col">Message</th><th scope="col">Count</th><th scope="col">From</th></tr></thead>
          <tbody>
            {paged.rows.map((e) => (
              <tr key={`${e.meta.namespace ?? ''}/${e.meta.name}`} data-type={e.type} data-reason={e.reason}>
                <td><time dateTime={e.last_seen}>{new Date(e.last_seen).toLocaleString()}</time></td>
                <td><span class={`events-type ${e.type}`}>{e.type}</span></td>
                <th scope="row">{e.reason}</th>
                <td>{objectOf(e)}</td>
                <td>{e.message}</td>
                <td>{e.count}</td>
                <td>{e.component}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager label="Events" paged={paged} first="Newest" prev="Newer" next="Older" />
      {cluster.synced && shown.length === 0 && <p>{all.length === 0 ? 'No events.' : 'No event matches the filters.'}</p>}
    </>
  );
}
