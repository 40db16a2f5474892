// The cluster's own addresses, which a namespace's outbound calls must not reach unless its egress names
// them: node addresses (from the stored nodes), the pod and service networks (server config network.*),
// and the API's listen address (every interface's when it listens on all).
import { networkInterfaces } from 'node:os';
import type { ClusterAddresses } from './classify';

export interface ClusterSource {
  network: { cluster_cidr: string; service_cidr: string };
  /** The API's listen host ("0.0.0.0", "::", "127.0.0.1", "10.0.0.5"). */
  listenHost: string;
  /** The stored nodes (only their addresses are read). */
  nodes: () => Promise<{ status?: { addresses?: readonly string[] } }[]>;
}

const localAddresses = (): string[] =>
  Object.values(networkInterfaces())
    .flat()
    .flatMap((i) => (i ? [i.address.replace(/%.*$/, '')] : []));

export function clusterAddresses(src: ClusterSource): () => Promise<ClusterAddresses> {
  const host = src.listenHost.replace(/^\[|\]$/g, '');
  const api = host === '0.0.0.0' || host === '::' ? localAddresses() : [host];
  return async () => ({
    nodes: (await src.nodes()).flatMap((n) => n.status?.addresses ?? []),
    pods: [src.network.cluster_cidr],
    services: [src.network.service_cidr],
    api,
  });
}
