// Nodes: each node live (state, version, OS/arch, address and pod subnet, CPU, memory and pods allocated
// against capacity) with what its containers use (GET /cluster/stats, read when the page opens and on
// request: usage is a sample, not a watched object); and a node's own page (/ui/nodes/NAME): its facts,
// its drivers (live, as its agent reports them) and its pods (live for the first namespaces, see below).
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, type Identity } from '../api';
import { useLive } from '../live';
import { cores, mib, type NamespaceView, type NodeDetailView, type NodeUsageView, type PodSummaryView } from '../models';
import { Connection } from './connection';
import { DriverHead, DriverRows } from '../components/cluster-drivers';
import { Pager, useFilteredPages, usePaged } from '../components/paged';
import { cmp } from '../order';

type Go = (path: string) => void;

/** A link inside the page that moves without a reload (and still opens in a new tab). */
function Link({ href, go, children }: { href: string; go: Go; children: ComponentChildren }) {
  return <a href={href} onClick={(e) => { if (e.ctrlKey || e.metaKey || e.shiftKey) return; e.preventDefault(); go(href); }}>{children}</a>;
}

const nodePath = (name: string) => `/ui/nodes/${encodeURIComponent(name)}`;
const used = (v: number | undefined, show: (n: number) => string) => (v === undefined ? '–' : show(v));

function Amount({ label, used: u, allocated, capacity, show }: { label: string; used?: number; allocated: number; capacity: number; show: (n: number) => string }) {
  return (
    <>
      {u !== undefined && <>{show(u)} used · </>}
      {show(allocated)} / {show(capacity)}
      <meter class="nodes-meter" min={0} max={Math.max(capacity, 1)} value={allocated} aria-label={`${label} allocated of capacity`} />
    </>
  );
}

type Usage = { at: string; by: Map<string, NodeUsageView> } | { error: string };

function useUsage(): [Usage | undefined, boolean, () => void] {
  const [usage, setUsage] = useState<Usage | undefined>();
  const [busy, setBusy] = useState(false);
  const load = () => {
    setBusy(true);
    call<NodeUsageView[]>('GET', '/cluster/stats')
      .then((list) => setUsage({ at: new Date().toLocaleTimeString(), by: new Map(list.map((u) => [u.name, u])) }), (e) => setUsage({ error: (e as Error).message }))
      .finally(() => setBusy(false));
  };
  useEffect(load, []);
  return [usage, busy, load];
}

function UsageNote({ usage, busy, load }: { usage: Usage | undefined; busy: boolean; load: () => void }) {
  return (
    <p class="help nodes-usage">
      {usage === undefined ? 'Reading what the containers use…' : 'error' in usage ? `Usage unavailable: ${usage.error}` : `CPU and memory used: sampled at ${usage.at}.`}{' '}
      <button type="button" onClick={load} disabled={busy}>Read usage again</button>
    </p>
  );
}

export function Nodes({ go }: { me: Identity; go: Go }) {
  const live = useLive<NodeDetailView>('/cluster/node');
  const [usage, busy, load] = useUsage();
  const all = [...live.items.values()].sort((a, b) => cmp(a.meta.name, b.meta.name));
  const paged = useFilteredPages(all, (n) => [n.meta.name, n.status.phase, n.meta.version, n.meta.ip.internal, n.meta.os_name].join(' '));
  const by = usage && 'by' in usage ? usage.by : undefined;
  return (
    <>
      <h1>Nodes</h1>
      <Connection states={[live]} />
      <UsageNote usage={usage} busy={busy} load={load} />
      <div class="nodes-filter">
        <label for="nodes-filter">Filter nodes</label>
        <input id="nodes-filter" type="search" value={paged.filter} placeholder="name, state, version, address" onInput={(e) => paged.setFilter((e.target as HTMLInputElement).value)} />
      </div>
      <div class="scroll">
        <table data-testid="node-list">
          <caption class="sr">Nodes: state, version, platform, address, and CPU and memory used, and CPU, memory and pods allocated against capacity</caption>
          <thead>
            <tr><th scope="col">Node</th><th scope="col">State</th><th scope="col">Version</th><th scope="col">OS / arch</th><th scope="col">Address</th><th scope="col">Pod subnet</th><th scope="col">CPU used · allocated / capacity</th><th scope="col">Memory used · allocated / capacity</th><th scope="col">Pods allocated / capacity</th></tr>
          </thead>
          <tbody>
            {paged.rows.map((n) => {
              const u = by?.get(n.meta.name);
              const c = n.status.capacity;
              const a = n.status.allocated;
              return (
                <tr key={n.meta.name} data-node={n.meta.name}>
                  <th scope="row"><Link href={nodePath(n.meta.name)} go={go}>{n.meta.name}</Link></th>
                  <td data-testid="state"><span class={`state ${n.status.phase}`}>{n.status.phase}</span>{n.spec.unschedulable ? ' (unschedulable)' : ''}</td>
                  <td>{n.meta.version}</td>
                  <td>{n.meta.os_name || '–'} / {n.meta.architecture || '–'}</td>
                  <td>{n.meta.ip.internal || '–'}</td>
                  <td>{n.meta.cidr || '–'}</td>
                  <td data-testid="cpu"><Amount label="CPU" used={u?.cpu.used} allocated={a.cpu_millicores} capacity={c.cpu_millicores} show={cores} /></td>
                  <td data-testid="memory"><Amount label="Memory" used={u?.memory.used} allocated={a.ram_bytes} capacity={c.ram_bytes} show={mib} /></td>
                  <td data-testid="pods">{a.pods} / {c.pods}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <Pager label="Nodes" paged={paged} />
      {live.synced && live.items.size === 0 && <p>No nodes yet: start one with <code>lb agent</code>.</p>}
      {live.synced && live.items.size > 0 && paged.total === 0 && <p>No node matches the filter.</p>}
    </>
  );
}

/**
 * Namespaces whose pods a node's page watches live. A browser holds six connections to one server over
 * HTTP/1.1: two go to the nodes and namespaces, three to pods, one stays for calls. The pods of the other
 * namespaces are read once when the page opens (and again on request).
 */
const LIVE_POD_NAMESPACES = 3;

function LivePods({ ns, node, onPods }: { ns: string; node: string; onPods: (ns: string, pods: PodSummaryView[] | undefined, down: boolean) => void }) {
  const live = useLive<PodSummaryView>(`/namespace/${encodeURIComponent(ns)}/pod`);
  useEffect(() => onPods(ns, [...live.items.values()].filter((p) => p.meta.node === node), live.down), [live]);
  useEffect(() => () => onPods(ns, undefined, false), []);
  return null;
}

export function NodeDetails({ name, go }: { me: Identity; name: string; go: Go }) {
  const nodes = useLive<NodeDetailView>('/cluster/node');
  const namespaces = useLive<NamespaceView>('/namespace');
  const [usage, busy, load] = useUsage();
  const [livePods, setLivePods] = useState<Record<string, { pods: PodSummaryView[]; down: boolean }>>({});
  const [oncePods, setOncePods] = useState<{ pods: PodSummaryView[]; at: string } | undefined>();
  const nsNames = [...namespaces.items.values()].map((n) => n.meta.name).sort();
  const liveNs = nsNames.slice(0, LIVE_POD_NAMESPACES);
  const onceNs = nsNames.slice(LIVE_POD_NAMESPACES);
  const n = nodes.items.get(`/${name}`);

  const readOnce = () => {
    Promise.all(onceNs.map((ns) => call<PodSummaryView[]>('GET', `/namespace/${encodeURIComponent(ns)}/pod`).catch(() => [])))
      .then((lists) => setOncePods({ pods: lists.flat().filter((p) => p.meta.node === name), at: new Date().toLocaleTimeString() }))
      .catch(() => undefined);
  };
  useEffect(() => {
    if (onceNs.length > 0) readOnce();
  }, [onceNs.join(','), name]);

  const onPods = (ns: string, pods: PodSummaryView[] | undefined, down: boolean) =>
    setLivePods((prev) => {
      const next = { ...prev };
      if (pods === undefined) delete next[ns];
      else next[ns] = { pods, down };
      return next;
    });
  const pods = [...liveNs.flatMap((ns) => livePods[ns]?.pods ?? []), ...(onceNs.length > 0 ? (oncePods?.pods ?? []) : [])].sort(
    (a, b) => cmp(a.meta.namespace, b.meta.namespace) || cmp(a.meta.name, b.meta.name),
  );
  const paged = usePaged(pods);
  const podsDown = liveNs.some((ns) => livePods[ns]?.down);
  const u = usage && 'by' in usage ? usage.by.get(name) : undefined;

  return (
    <>
      <p><Link href="/ui/nodes" go={go}>← All nodes</Link></p>
      <h1>Node {name}</h1>
      <Connection states={[nodes, namespaces]} />
      {liveNs.map((ns) => <LivePods key={ns} ns={ns} node={name} onPods={onPods} />)}
      {nodes.synced && !n && <p role="alert" class="error">No node named {name}.</p>}
      {n && (
        <>
          <section aria-labelledby="node-facts-h">
            <h2 id="node-facts-h">State and capacity</h2>
            <dl class="nodes-facts" data-testid="node-facts">
              <dt>State</dt><dd data-testid="state"><span class={`state ${n.status.phase}`}>{n.status.phase}</span>{n.spec.unschedulable ? ' (unschedulable)' : ''}</dd>
              <dt>Version</dt><dd>{n.meta.version || '–'}</dd>
              <dt>Hostname</dt><dd>{n.meta.hostname || '–'}</dd>
              <dt>OS / arch</dt><dd>{n.meta.os_name || '–'} / {n.meta.architecture || '–'}</dd>
              <dt>Addresses</dt><dd>{(n.status.addresses ?? [n.meta.ip.internal]).filter(Boolean).join(', ') || '–'}</dd>
              <dt>Pod subnet</dt><dd>{n.meta.cidr || '–'}</dd>
              <dt>Last heartbeat</dt><dd>{n.status.heartbeat ? <time dateTime={n.status.heartbeat}>{new Date(n.status.heartbeat).toLocaleString()}</time> : '–'}</dd>
              <dt>Labels</dt><dd>{Object.entries(n.meta.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '–'}</dd>
              <dt>CPU</dt><dd><Amount label="CPU" used={u?.cpu.used} allocated={n.status.allocated.cpu_millicores} capacity={n.status.capacity.cpu_millicores} show={cores} /></dd>
              <dt>Memory</dt><dd><Amount label="Memory" used={u?.memory.used} allocated={n.status.allocated.ram_bytes} capacity={n.status.capacity.ram_bytes} show={mib} /></dd>
              <dt>Pods</dt><dd>{n.status.allocated.pods} / {n.status.capacity.pods}{u?.pods.used !== undefined ? ` (${used(u.pods.used, String)} running)` : ''}</dd>
            </dl>
            <UsageNote usage={usage} busy={busy} load={load} />
          </section>
          <section aria-labelledby="node-drivers-h">
            <h2 id="node-drivers-h">Drivers</h2>
            <div class="scroll">
              <table data-testid="node-drivers">
                <caption class="sr">Drivers of node {name}</caption>
                <DriverHead withNode={false} />
                <tbody><DriverRows drivers={n.status.drivers ?? []} /></tbody>
              </table>
            </div>
            {(n.status.plugins ?? []).length > 0 && (
              <ul class="nodes-plugins">
                {(n.status.plugins ?? []).map((p) => <li key={p.capability}>{p.capability}: {p.package} — {p.state}{p.address ? ` at ${p.address}` : ''}{p.message ? `: ${p.message}` : ''}</li>)}
              </ul>
            )}
          </section>
        </>
      )}
      <section aria-labelledby="node-pods-h">
        <h2 id="node-pods-h">Pods</h2>
        {podsDown && <p role="status" class="down">Pods: disconnected — reconnecting…</p>}
        {onceNs.length > 0 && (
          <p class="help">
            Live for the namespaces {liveNs.join(', ')}; the pods of {onceNs.length} other namespace{onceNs.length > 1 ? 's' : ''} as read at {oncePods?.at ?? '…'}.{' '}
            <button type="button" onClick={readOnce}>Read them again</button>
          </p>
        )}
        <div class="scroll">
          <table data-testid="node-pods">
            <caption class="sr">Pods on node {name}</caption>
            <thead><tr><th scope="col">Pod</th><th scope="col">Namespace</th><th scope="col">Service</th><th scope="col">State</th><th scope="col">IP</th><th scope="col">Ready</th><th scope="col">Restarts</th><th scope="col">Message</th></tr></thead>
            <tbody>
              {paged.rows.map((p) => (
                <tr key={`${p.meta.namespace}/${p.meta.name}`} data-pod={p.meta.name}>
                  <th scope="row">{p.meta.name}</th>
                  <td>{p.meta.namespace}</td>
                  <td>{p.meta.service}</td>
                  <td data-testid="pod-state"><span class={`state ${p.status.state}`}>{p.status.state}</span></td>
                  <td>{p.status.network.pod_ip || '–'}</td>
                  <td>{p.status.containers.filter((c) => c.ready).length}/{p.status.containers.length}</td>
                  <td>{p.status.containers.reduce((s, c) => s + c.restarts, 0)}</td>
                  <td>{p.status.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager label="Pods" paged={paged} />
        {namespaces.synced && pods.length === 0 && <p>No pods on this node.</p>}
      </section>
    </>
  );
}
