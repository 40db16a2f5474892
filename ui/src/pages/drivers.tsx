// Drivers: every node's drivers (kind, package, version, isolation, state, message) live, as each node's
// agent reports them with its heartbeat (status.drivers of the watched nodes, what `lb driver ls` lists);
// and, for an admin, a swap (`lb driver set`): PUT /cluster/driver/KIND?node= (several kinds: PUT
// /cluster/driver, all or none). The kernel's refusal is shown as it words it, a success as the new state.
import { useState } from 'preact/hooks';
import { swapDriver, type Identity } from '../api';
import { useLive } from '../live';
import { DRIVER_KIND_LIST, type DriverStateView, type NodeDetailView } from '../models';
import { Connection } from './connection';
import { DriverHead, DriverRows } from '../components/cluster-drivers';
import { Pager, usePaged } from '../components/paged';
import { cmp } from '../order';

type Outcome = { ok: string[] } | { error: string };

function SwapForm({ nodes }: { nodes: NodeDetailView[] }) {
  const names = nodes.map((n) => n.meta.name);
  const [node, setNode] = useState('');
  const [kinds, setKinds] = useState<string[]>(['csi']);
  const [pkg, setPkg] = useState('');
  const [isolation, setIsolation] = useState('');
  const [config, setConfig] = useState('{}');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const target = node || names[0] || '';
  const packages = [...new Set(nodes.flatMap((n) => (n.status.drivers ?? []).map((d) => d.package)))].sort();

  const submit = async (e: Event) => {
    e.preventDefault();
    setOutcome(undefined);
    let cfg: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(config || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('must be a JSON object');
      cfg = parsed as Record<string, unknown>;
    } catch (err) {
      setOutcome({ error: `config: not a JSON object: ${(err as Error).message}` });
      return;
    }
    if (kinds.length === 0) {
      setOutcome({ error: 'kind: choose at least one' });
      return;
    }
    setBusy(true);
    try {
      const states = await swapDriver<DriverStateView>({ node: target, kinds: DRIVER_KIND_LIST.filter((k) => kinds.includes(k)), package: pkg.trim(), config: cfg, ...(isolation ? { isolation: isolation as 'in-process' | 'process' } : {}) });
      setOutcome({ ok: states.map((d) => `${d.kind} driver of ${target} is ${d.package}@${d.version} (${d.state}${d.isolation === 'process' ? `, process ${d.pid ?? '–'}` : ''})`) });
    } catch (err) {
      setOutcome({ error: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const toggle = (k: string, on: boolean) => setKinds((prev) => (on ? [...prev.filter((x) => x !== k), k] : prev.filter((x) => x !== k)));

  return (
    <section aria-labelledby="swap-h">
      <h2 id="swap-h">Swap a driver</h2>
      <p class="help">Hot, as <code>lb driver set</code>: the new driver is loaded, probed and re-synced before it takes over; workloads keep running. A swap that cannot work leaves the running driver in place and says why.</p>
      <form class="drivers-swap" onSubmit={submit} data-testid="swap-form">
        <label for="swap-node">Node</label>
        <select id="swap-node" value={target} onChange={(e) => setNode((e.target as HTMLSelectElement).value)}>
          {names.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
        <fieldset>
          <legend>Kind (several are swapped together, all or none: cri and cii for a runtime)</legend>
          {DRIVER_KIND_LIST.map((k) => (
            <label key={k} class="drivers-kind">
              <input type="checkbox" name="kind" value={k} checked={kinds.includes(k)} onChange={(e) => toggle(k, (e.target as HTMLInputElement).checked)} /> {k}
            </label>
          ))}
        </fieldset>
        <label for="swap-package">Package</label>
        <input id="swap-package" required list="swap-packages" value={pkg} autocomplete="off" aria-describedby="swap-package-help" onInput={(e) => setPkg((e.target as HTMLInputElement).value)} />
        <datalist id="swap-packages">{packages.map((p) => <option key={p} value={p} />)}</datalist>
        <p id="swap-package-help" class="help">An npm package name installed on the node (in its data dir's <code>drivers</code>, or with <code>lb</code>).</p>
        <label for="swap-isolation">Isolation</label>
        <select id="swap-isolation" value={isolation} onChange={(e) => setIsolation((e.target as HTMLSelectElement).value)}>
          <option value="">as configured</option>
          <option value="in-process">in-process</option>
          <option value="process">process (a child process, restarted when it dies)</option>
        </select>
        <label for="swap-config">Config (JSON)</label>
        <textarea id="swap-config" rows={3} value={config} spellcheck={false} onInput={(e) => setConfig((e.target as HTMLTextAreaElement).value)} />
        <div><button type="submit" disabled={busy || !target}>{busy ? 'Swapping…' : 'Swap driver'}</button></div>
      </form>
      {outcome && 'error' in outcome && <p role="alert" class="error" data-testid="swap-error">{outcome.error}</p>}
      {outcome && 'ok' in outcome && (
        <div role="status" data-testid="swap-result">
          {outcome.ok.map((line) => <p key={line} class="live">{line}</p>)}
        </div>
      )}
    </section>
  );
}

export function Drivers({ me }: { me: Identity }) {
  const live = useLive<NodeDetailView>('/cluster/node');
  const [filter, setFilter] = useState('');
  const nodes = [...live.items.values()].sort((a, b) => cmp(a.meta.name, b.meta.name));
  const f = filter.trim().toLowerCase();
  const rows = nodes
    .flatMap((n) => (n.status.drivers ?? []).map((d) => ({ node: n.meta.name, d })))
    .filter(({ node, d }) => !f || [node, d.kind, d.package, d.version, d.state, d.isolation ?? 'in-process'].some((x) => x.toLowerCase().includes(f)));
  const paged = usePaged(rows);
  const admin = me.role === 'admin';
  return (
    <>
      <h1>Drivers</h1>
      <Connection states={[live]} />
      <p class="help">As each node's agent last reported them (every heartbeat).</p>
      <div class="nodes-filter">
        <label for="drivers-filter">Filter drivers</label>
        <input id="drivers-filter" type="search" value={filter} placeholder="node, kind, package, state" onInput={(e) => { setFilter((e.target as HTMLInputElement).value); paged.setPage(0); }} />
      </div>
      <div class="scroll">
        <table data-testid="drivers">
          <caption class="sr">Each node's drivers: kind, package, version, isolation, state and message</caption>
          <DriverHead withNode />
          <tbody>
            {paged.rows.map(({ node, d }) => <DriverRows key={`${node}/${d.kind}/${d.package}/${d.state}`} node={node} drivers={[d]} />)}
          </tbody>
        </table>
      </div>
      <Pager label="Drivers" paged={paged} />
      {live.synced && rows.length === 0 && <p>{nodes.length === 0 ? 'No nodes yet.' : 'No driver matches the filter.'}</p>}
      {admin ? <SwapForm nodes={nodes} /> : <p class="help">Swapping a driver takes an admin token.</p>}
    </>
  );
}
