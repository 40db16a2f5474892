// How a watched object is shown: the stored object as its list route answers it (before the wire
// encoder), by the name of the route's item schema. Kinds not named here are shown as stored.
import type { Namespace, Node } from '@lastbackend/sdk';
import { tokenInfo, type StoredToken } from '../../auth/auth';
import type { ClusterState } from '../../cluster/cluster';
import { redact, withReplicas, type NamespacedObject, type Resources, type StoredService } from '../../state/resources';
import type { StoredObject } from '../../store/store';

export type WatchView = (stored: StoredObject) => unknown;

export function watchViews(r: Resources, cluster: ClusterState): (item: string) => WatchView {
  const views: Record<string, WatchView> = {
    Namespace: (o) => r.namespaceView(o as unknown as Namespace),
    Service: (o) => withReplicas(o as unknown as StoredService),
    Node: (o) => cluster.nodeView(o as unknown as Node),
    TokenInfo: (o) => tokenInfo(o as unknown as StoredToken),
    // Values masked, as the list shows them.
    Secret: (o) => redact(o as unknown as NamespacedObject),
  };
  return (item) => views[item] ?? ((o) => o);
}
