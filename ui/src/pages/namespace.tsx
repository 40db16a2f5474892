// A namespace: its services (live: state, ready / desired, the serving version, images), routes, volumes,
// secrets (names and keys only: the API masks values, and the page never shows what it got) and configs.
// Every list is a watch; long lists are filtered and paged in the browser.
import type { ComponentChildren } from 'preact';
import type { Identity } from '../api';
import { useLive } from '../live';
import type { ConfigWire, RouteWire, SecretWire, ServiceDetail, VolumeWire } from '../models';
import { AppLink, servicePath } from '../components/service-nav';
import { FilterBox, Pager, useFilteredPages } from '../components/paged';
import { Connection } from './connection';
import { cmp } from '../order';

const byName = <T extends { meta: { name: string } }>(m: ReadonlyMap<string, T>): T[] => [...m.values()].sort((a, b) => cmp(a.meta.name, b.meta.name));

export const images = (s: ServiceDetail): string => s.spec.template.containers.map((c) => c.image.name).join(', ');

function Services({ ns, list }: { ns: string; list: ServiceDetail[] }) {
  const p = useFilteredPages(list, (s) => `${s.meta.name} ${s.status.state} ${images(s)}`);
  return (
    <section aria-labelledby="ns-svc-h">
      <h2 id="ns-svc-h">Services ({list.length})</h2>
      {list.length > 10 && <FilterBox id="ns-svc-filter" label="Filter services" list={p} />}
      <div class="scroll">
        <table data-testid="ns-services">
          <caption class="sr">Services of {ns}: state, ready replicas, the serving version and images</caption>
          <thead><tr><th scope="col">Service</th><th scope="col">State</th><th scope="col">Ready / desired</th><th scope="col">Serving</th><th scope="col">Image</th></tr></thead>
          <tbody>
            {p.rows.map((s) => (
              <tr key={s.meta.name} data-service={s.meta.name}>
                <th scope="row"><AppLink href={servicePath(ns, s.meta.name)}>{s.meta.name}</AppLink></th>
                <td><span class={`state ${s.status.state}`}>{s.status.state}</span></td>
                <td data-testid="ready">{s.status.replicas.ready}/{s.status.replicas.desired}</td>
                <td>{s.status.deployment ?? '–'}</td>
                <td class="namespace-mono">{images(s)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager label="Services" paged={p} />
    </section>
  );
}

function Simple<T extends { meta: { name: string } }>({ id, title, caption, cols, list, row, empty }: {
  id: string;
  title: string;
  caption: string;
  cols: string[];
  list: T[];
  row: (t: T) => ComponentChildren[];
  empty: string;
}) {
  const p = useFilteredPages(list, (t) => t.meta.name);
  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{title} ({list.length})</h2>
      {list.length === 0 ? <p>{empty}</p> : (
        <>
          {list.length > 10 && <FilterBox id={`${id}-filter`} label={`Filter ${title.toLowerCase()}`} list={p} />}
          <div class="scroll">
            <table data-testid={id}>
              <caption class="sr">{caption}</caption>
              <thead><tr><th scope="col">Name</th>{cols.map((c) => <th scope="col" key={c}>{c}</th>)}</tr></thead>
              <tbody>
                {p.rows.map((t) => (
                  <tr key={t.meta.name}>
                    <th scope="row">{t.meta.name}</th>
                    {row(t).map((c, i) => <td key={i}>{c}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager label={title} paged={p} />
        </>
      )}
    </section>
  );
}

const keysOf = (data: Record<string, unknown> | undefined): string => Object.keys(data ?? {}).sort().join(', ') || '–';

export function NamespacePage({ ns }: { me: Identity; ns: string }) {
  const base = `/namespace/${encodeURIComponent(ns)}`;
  const services = useLive<ServiceDetail>(`${base}/service`);
  const routes = useLive<RouteWire>(`${base}/route`);
  const volumes = useLive<VolumeWire>(`${base}/volume`);
  const secrets = useLive<SecretWire>(`${base}/secret`);
  const configs = useLive<ConfigWire>(`${base}/config`);
  return (
    <>
      <p class="namespace-crumbs"><AppLink href="/ui/namespaces">Namespaces</AppLink> / {ns}</p>
      <h1>Namespace {ns}</h1>
      <Connection states={[services, routes, volumes, secrets, configs]} />
      <Services ns={ns} list={byName(services.items)} />
      <Simple<RouteWire>
        id="ns-routes" title="Routes" caption={`Routes of ${ns}: domain, rules and state`} empty="No routes."
        cols={['Domain', 'Rules', 'State']} list={byName(routes.items)}
        row={(r) => [r.spec.domain ?? '(default)', r.spec.rules.map((x) => `${x.path} → ${x.service}:${x.port}`).join(', '), `${r.status.state}${r.status.message ? `: ${r.status.message}` : ''}`]}
      />
      <Simple<VolumeWire>
        id="ns-volumes" title="Volumes" caption={`Volumes of ${ns}: capacity, state and node`} empty="No volumes."
        cols={['Capacity', 'State', 'Node']} list={byName(volumes.items)}
        row={(v) => [v.spec.capacity?.storage ?? '–', `${v.status?.state ?? '–'}${v.status?.message ? `: ${v.status.message}` : ''}`, v.status?.node ?? '–']}
      />
      <Simple<SecretWire>
        id="ns-secrets" title="Secrets" caption={`Secrets of ${ns}: type and keys (values are not shown)`} empty="No secrets."
        cols={['Type', 'Keys (values hidden)']} list={byName(secrets.items)}
        row={(s) => [s.spec.type, keysOf(s.spec.data)]}
      />
      <Simple<ConfigWire>
        id="ns-configs" title="Configs" caption={`Configs of ${ns}: their keys`} empty="No configs."
        cols={['Keys']} list={byName(configs.items)}
        row={(c) => [keysOf(c.spec.data)]}
      />
    </>
  );
}
