// Namespaces: each with its state and quota, used / limit (status.resources.used against spec.resources.limits).
import type { Identity } from '../api';
import { useLive } from '../live';
import { cores, mib, type NamespaceView } from '../models';
import { Connection } from './connection';
import { AppLink, namespacePath } from '../components/service-nav';
import { cmp } from '../order';

const QUOTAS: { key: string; label: string; show: (n: number) => string }[] = [
  { key: 'cpu', label: 'CPU', show: cores },
  { key: 'ram', label: 'Memory', show: mib },
  { key: 'pods', label: 'Pods', show: String },
  { key: 'services', label: 'Services', show: String },
  { key: 'volumes', label: 'Volumes', show: String },
];

function quota(n: NamespaceView, key: string, show: (v: number) => string): string {
  const used = n.status.resources?.used[key];
  const limit = n.spec.resources?.limits?.[key];
  return `${used === undefined ? '–' : show(used)} / ${limit ?? 'no limit'}`;
}

export function Namespaces({ me }: { me: Identity }) {
  const live = useLive<NamespaceView>('/namespace');
  const list = [...live.items.values()].sort((a, b) => cmp(a.meta.name, b.meta.name));
  return (
    <>
      <h1>Namespaces</h1>
      <Connection states={[live]} />
      {me.namespaces && <p class="help">This token sees the namespaces {me.namespaces.join(', ')} only.</p>}
      <div class="scroll">
        <table data-testid="namespaces">
          <caption class="sr">Namespaces and their quota, used / limit</caption>
          <thead><tr><th scope="col">Namespace</th><th scope="col">State</th>{QUOTAS.map((q) => <th scope="col" key={q.key}>{q.label} used / limit</th>)}</tr></thead>
          <tbody>
            {list.map((n) => (
              <tr key={n.meta.name}>
                <th scope="row"><AppLink href={namespacePath(n.meta.name)}>{n.meta.name}</AppLink></th>
                <td>{n.status.state}</td>
                {QUOTAS.map((q) => <td key={q.key}>{quota(n, q.key, q.show)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {live.synced && list.length === 0 && <p>No namespaces.</p>}
    </>
  );
}
