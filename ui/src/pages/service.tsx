// A service: replicas (desired / ready), the serving version and the blue/green history (its deployments),
// its pods (node, IP, state, restarts, why not ready), its events (warnings stand out), live logs of all
// replicas, and its manifest as `lb export` writes it. Live: the service, its deployments, its pods and its
// namespace's events are watches; the logs a followed stream.
import { ServiceActions } from '../components/service-actions';
import { useEffect, useState } from 'preact/hooks';
import type { Identity } from '../api';
import { useLive } from '../live';
import type { DeploymentWire, PodWire, ServiceDetail, ServiceEventView } from '../models';
import { AppLink, namespacePath } from '../components/service-nav';
import { ServiceLogs } from '../components/service-logs';
import { serviceManifest } from '../service-manifest';
import { Connection } from './connection';
import { images } from './namespace';
import { FilterBox, Pager, useFilteredPages, usePaged } from '../components/paged';
import { cmp } from '../order';

/**
 * Where the write actions go (scale, edit and apply, roll back, delete: components/service-actions.tsx of
 * the Deploy part). Empty until they are wired; a viewer (canWrite false) will see none.
 */
const when = (iso: string | undefined): string => (iso ? new Date(iso).toLocaleString() : '–');

/** Why a pod is not ready: its own message, else its containers' (a pull error, an exit, a probe). */
export function whyNotReady(p: PodWire): string {
  if (p.status.state === 'ready') return '';
  const parts = p.status.containers.filter((c) => !c.ready && (c.message || c.state !== 'running')).map((c) => `${c.name}: ${c.message || c.state}${c.exit_code !== undefined ? ` (exit ${c.exit_code})` : ''}`);
  // The pod's message often is its failing container's already: said once.
  return [p.status.message, ...parts.filter((x) => !p.status.message.includes(x.slice(x.indexOf(': ') + 2)))].filter(Boolean).join('; ');
}

const restarts = (p: PodWire): number => p.status.containers.reduce((n, c) => n + c.restarts, 0);
const isWarning = (e: ServiceEventView): boolean => e.type.toLowerCase() === 'warning';

function Versions({ svc, serving, list }: { svc: string; serving: string | undefined; list: DeploymentWire[] }) {
  return (
    <section aria-labelledby="svc-ver-h">
      <h2 id="svc-ver-h">Versions</h2>
      {list.length === 0 ? <p>No versions yet.</p> : (
        <div class="scroll">
          <table data-testid="versions">
            <caption class="sr">Versions (deployments) of {svc}, newest first: state, ready / desired replicas, when made</caption>
            <thead><tr><th scope="col">Version</th><th scope="col">State</th><th scope="col">Ready / desired</th><th scope="col">Image</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {list.map((d) => (
                <tr key={d.meta.name} data-version={d.meta.name}>
                  <th scope="row">{d.meta.name}{d.meta.name === serving ? ' (serving)' : ''}</th>
                  <td><span class={`state ${d.status.state}`}>{d.status.state}</span>{d.status.message ? ` — ${d.status.message}` : ''}</td>
                  <td>{d.status.replicas.ready}/{d.status.replicas.desired}</td>
                  <td class="namespace-mono">{d.spec.template.containers.map((c) => c.image.name).join(', ')}</td>
                  <td><time dateTime={d.meta.created}>{when(d.meta.created)}</time></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Pods({ svc, list }: { svc: string; list: PodWire[] }) {
  const p = useFilteredPages(list, (x) => `${x.meta.name} ${x.meta.deployment} ${x.meta.node} ${x.status.state}`);
  return (
    <section aria-labelledby="svc-pods-h">
      <h2 id="svc-pods-h">Pods ({list.length})</h2>
      {list.length > 10 && <FilterBox id="svc-pods-filter" label="Filter pods" list={p} />}
      {list.length === 0 ? <p>No pods.</p> : (
        <div class="scroll">
          <table data-testid="pods">
            <caption class="sr">Pods of {svc}: version, node, IP, state, restarts and why not ready</caption>
            <thead><tr><th scope="col">Pod</th><th scope="col">Version</th><th scope="col">Node</th><th scope="col">IP</th><th scope="col">State</th><th scope="col">Restarts</th><th scope="col">Why not ready</th></tr></thead>
            <tbody>
              {p.rows.map((x) => (
                <tr key={x.meta.name} data-pod={x.meta.name}>
                  <th scope="row" class="namespace-mono">{x.meta.name}</th>
                  <td>{x.meta.deployment}</td>
                  <td>{x.meta.node || '(not scheduled)'}</td>
                  <td class="namespace-mono">{x.status.network.pod_ip || '–'}</td>
                  <td data-testid="pod-state"><span class={`state ${x.status.state}`}>{x.spec.destroy && x.status.state !== 'destroying' ? `${x.status.state} (going)` : x.status.state}</span></td>
                  <td>{restarts(x)}</td>
                  <td>{whyNotReady(x)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Pods" paged={p} />
    </section>
  );
}

function Events({ list }: { list: ServiceEventView[] }) {
  const p = usePaged(list);
  return (
    <section aria-labelledby="svc-ev-h">
      <h2 id="svc-ev-h">Events ({list.length}{list.some(isWarning) ? `, ${list.filter(isWarning).length} warnings` : ''})</h2>
      {list.length === 0 ? <p>No events.</p> : (
        <ul class="events service-events" data-testid="service-events">
          {p.rows.map((e) => (
            <li key={e.meta.name} class={isWarning(e) ? 'service-warning' : undefined} data-reason={e.reason}>
              {isWarning(e) && <><strong class="service-warntag">Warning</strong> </>}
              <time dateTime={e.last_seen}>{when(e.last_seen)}</time> <strong>{e.reason}</strong> {e.object.kind} {e.object.name}: {e.message}{e.count > 1 ? ` (×${e.count})` : ''}
            </li>
          ))}
        </ul>
      )}
      <Pager label="Events" paged={p} first="Newest" prev="Newer" next="Older" />
    </section>
  );
}

export function ServicePage({ me, ns, svc }: { me: Identity; ns: string; svc: string }) {
  const nsBase = `/namespace/${encodeURIComponent(ns)}`;
  const base = `${nsBase}/service/${encodeURIComponent(svc)}`;
  const services = useLive<ServiceDetail>(`${nsBase}/service`);
  const s = services.items.get(`${ns}/${svc}`);
  // Its own lists are watched while it exists: a service's routes answer 404 once it is gone.
  const deployments = useLive<DeploymentWire>(s ? `${base}/deployment` : undefined);
  const pods = useLive<PodWire>(s ? `${base}/pod` : undefined);
  // The namespace's events, those of this service and its pods kept (as ?for=service/NAME selects them).
  const events = useLive<ServiceEventView>(`${nsBase}/event`);
  const versions = [...deployments.items.values()].sort((a, b) => b.spec.version - a.spec.version);
  const podList = [...pods.items.values()].sort((a, b) => cmp(a.meta.deployment, b.meta.deployment) || cmp(a.meta.name, b.meta.name));
  const evList = [...events.items.values()]
    .filter((e) => (e.object.kind === 'Service' && e.object.name === svc) || (e.object.kind === 'Pod' && e.object.service === svc))
    .sort((a, b) => cmp(b.last_seen, a.last_seen));
  const [format, setFormat] = useState<'manifest' | 'object'>('manifest');
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    if (s && !seen) setSeen(true);
  }, [s, seen]);

  return (
    <>
      <p class="namespace-crumbs"><AppLink href="/ui/namespaces">Namespaces</AppLink> / <AppLink href={namespacePath(ns)}>{ns}</AppLink> / {svc}</p>
      <h1>Service {svc}</h1>
      <Connection states={s ? [services, deployments, pods, events] : [services, events]} />
      {services.synced && !s && <p role="alert" class="error">There is no service {svc} in namespace {ns} (deleted, or never made).</p>}
      {s && (
        <>
          <dl class="service-summary" data-testid="service-summary">
            <div><dt>State</dt><dd><span class={`state ${s.status.state}`}>{s.status.state}</span>{s.status.message ? ` — ${s.status.message}` : ''}</dd></div>
            <div><dt>Replicas ready / desired</dt><dd data-testid="replicas">{s.status.replicas.ready}/{s.status.replicas.desired}</dd></div>
            <div><dt>Serving version</dt><dd data-testid="serving">{s.status.deployment ?? '–'}</dd></div>
            {s.status.rollout && <div><dt>Rollout of v{s.status.rollout.version}</dt><dd>{s.status.rollout.state}{s.status.rollout.message ? ` — ${s.status.rollout.message}` : ''}</dd></div>}
            <div><dt>Image</dt><dd class="namespace-mono">{images(s)}</dd></div>
          </dl>
        </>
      )}
      {/* Mounted from the first sight of the service on, so a delete's progress stays to its end. */}
      {(s || seen) && <ServiceActions me={me} namespace={ns} service={svc} replicas={s?.spec.replicas} />}
      <Versions svc={svc} serving={s?.status.deployment} list={versions} />
      <Pods svc={svc} list={podList} />
      <Events list={evList} />
      {s && <ServiceLogs ns={ns} svc={svc} />}
      {s && (
        <section aria-labelledby="svc-man-h">
          <h2 id="svc-man-h">Manifest</h2>
          <fieldset class="service-format">
            <legend>Show</legend>
            <label><input type="radio" name="svc-format" checked={format === 'manifest'} onChange={() => setFormat('manifest')} /> the manifest (as <code>lb export</code> writes it; <code>lb apply -f</code> takes it)</label>
            <label><input type="radio" name="svc-format" checked={format === 'object'} onChange={() => setFormat('object')} /> the object as the API answers it</label>
          </fieldset>
          <pre class="service-manifest" tabIndex={0} role="region" aria-label={`${format === 'manifest' ? 'Manifest' : 'API object'} of ${svc}, JSON`} data-testid="manifest">
            {JSON.stringify(format === 'manifest' ? serviceManifest(s as unknown as { kind: string; meta: Record<string, unknown>; spec: Record<string, unknown> }) : s, null, 2)}
          </pre>
        </section>
      )}
    </>
  );
}
