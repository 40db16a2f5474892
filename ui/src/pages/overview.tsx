// Overview: nodes with capacity vs allocation, services by state in the caller's namespaces, and recent
// warning events (the nodes' live; each namespace's as listed when the page opened).
import { useEffect, useState } from 'preact/hooks';
import { lines, type Identity } from '../api';
import { useLive } from '../live';
import { cores, mib, type EventView, type NamespaceView, type NodeView, type ServiceView } from '../models';
import { Connection } from './connection';
import { FilterBox, Pager, useFilteredPages } from '../components/paged';
import { AppLink, namespacePath, servicePath } from '../components/service-nav';
import { cmp } from '../order';

/**
 * Namespaces whose services are watched live. A browser holds six connections to one server over
 * HTTP/1.1: three go to the nodes, namespaces and cluster events, two to services, one stays for calls.
 */
const LIVE_NAMESPACES = 2;

function Services({ ns, onState }: { ns: string; onState: (ns: string, s: ServiceView[]) => void }) {
  const live = useLive<ServiceView>(`/namespace/${encodeURIComponent(ns)}/service`);
  useEffect(() => onState(ns, [...live.items.values()]), [live]);
  return live.down ? <p role="status" class="down">Services of {ns}: disconnected — reconnecting…</p> : null;
}

export function Overview({ me }: { me: Identity }) {
  const nodes = useLive<NodeView>(me.namespaces ? undefined : '/cluster/node');
  const namespaces = useLive<NamespaceView>('/namespace');
  const clusterEvents = useLive<EventView>('/event');
  const [services, setServices] = useState<Record<string, ServiceView[]>>({});
  const [nsWarnings, setNsWarnings] = useState<EventView[]>([]);
  const nsNames = [...namespaces.items.values()].map((n) => n.meta.name).sort();
  const liveNs = nsNames.slice(0, LIVE_NAMESPACES);

  useEffect(() => {
    let gone = false;
    Promise.all(nsNames.map((ns) => lines<EventView>(`/namespace/${encodeURIComponent(ns)}/event`).catch(() => [])))
      .then((lists) => !gone && setNsWarnings(lists.flat()))
      .catch(() => undefined);
    return () => void (gone = true);
  }, [nsNames.join(',')]);

  const onState = (ns: string, s: ServiceView[]) => setServices((prev) => ({ ...prev, [ns]: s }));
  const allServices = liveNs.flatMap((ns) => services[ns] ?? []);
  // Those that need a look first: not ready before ready, then by namespace and name.
  const listed = useFilteredPages(
    [...allServices].sort((a, b) => Number(a.status.state === 'ready') - Number(b.status.state === 'ready') || cmp(a.meta.namespace, b.meta.namespace) || cmp(a.meta.name, b.meta.name)),
    (s) => `${s.meta.name} ${s.meta.namespace} ${s.status.state} ${s.status.message ?? ''}`,
  );
  const byState = new Map<string, number>();
  for (const s of allServices) byState.set(s.status.state, (byState.get(s.status.state) ?? 0) + 1);
  const warnings = [...clusterEvents.items.values(), ...nsWarnings]
    .filter((e) => e.type.toLowerCase() === 'warning')
    .sort((a, b) => cmp(b.last_seen, a.last_seen))
    .slice(0, 10);

  return (
    <>
      <h1>Overview</h1>
      <Connection states={me.namespaces ? [namespaces, clusterEvents] : [nodes, namespaces, clusterEvents]} />
      {liveNs.map((ns) => <Services key={ns} ns={ns} onState={onState} />)}
      {!me.namespaces && (
        <section aria-labelledby="nodes-h">
          <h2 id="nodes-h">Nodes</h2>
          <div class="scroll">
            <table data-testid="nodes">
              <caption class="sr">Nodes, their state, and allocation against capacity</caption>
              <thead><tr><th scope="col">Node</th><th scope="col">State</th><th scope="col">CPU allocated / capacity</th><th scope="col">Memory allocated / capacity</th><th scope="col">Pods</th></tr></thead>
              <tbody>
                {[...nodes.items.values()].map((n) => (
                  <tr key={n.meta.name}>
                    <th scope="row">{n.meta.name}</th>
                    <td><span class={`state ${n.status.phase}`}>{n.status.phase}</span></td>
                    <td>{cores(n.status.allocated.cpu_millicores)} / {cores(n.status.capacity.cpu_millicores)}</td>
                    <td>{mib(n.status.allocated.ram_bytes)} / {mib(n.status.capacity.ram_bytes)}</td>
                    <td>{n.status.allocated.pods} / {n.status.capacity.pods}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {nodes.synced && nodes.items.size === 0 && <p>No nodes yet: start one with <code>lb agent</code>.</p>}
        </section>
      )}
      <section aria-labelledby="svc-h">
        <h2 id="svc-h">Services</h2>
        <p>{[...byState].map(([state, n]) => `${n} ${state}`).join(', ') || 'No services.'}</p>
        {nsNames.length > LIVE_NAMESPACES && <p class="help">Live for the namespaces {liveNs.join(', ')}; the others are on the Namespaces page.</p>}
        {allServices.length > 10 && <FilterBox id="svc-filter" label="Filter services" list={listed} />}
        <div class="scroll">
          <table data-testid="services">
            <caption class="sr">Services, their state and ready replicas</caption>
            <thead><tr><th scope="col">Service</th><th scope="col">Namespace</th><th scope="col">State</th><th scope="col">Ready</th><th scope="col">Message</th></tr></thead>
            <tbody>
              {listed.rows.map((s) => (
                <tr key={`${s.meta.namespace}/${s.meta.name}`} data-service={s.meta.name}>
                  <th scope="row"><AppLink href={servicePath(s.meta.namespace, s.meta.name)}>{s.meta.name}</AppLink></th>
                  <td><AppLink href={namespacePath(s.meta.namespace)}>{s.meta.namespace}</AppLink></td>
                  <td><span class={`state ${s.status.state}`}>{s.status.state}</span></td>
                  <td data-testid="ready">{s.status.replicas.ready}/{s.status.replicas.desired}</td>
                  <td>{s.status.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager label="Services" paged={listed} />
      </section>
      <section aria-labelledby="ev-h">
        <h2 id="ev-h">Recent warnings</h2>
        {warnings.length === 0 ? <p>No warnings.</p> : (
          <ul class="events" data-testid="warnings">
            {warnings.map((e) => (
              <li key={`${e.meta.namespace ?? ''}/${e.meta.name}`}>
                <time dateTime={e.last_seen}>{new Date(e.last_seen).toLocaleString()}</time> <strong>{e.reason}</strong> {e.object.kind} {e.object.namespace ? `${e.object.namespace}/` : ''}{e.object.name}: {e.message}{e.count > 1 ? ` (×${e.count})` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
