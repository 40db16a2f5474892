// The Cluster on the wire (views/cluster.go): the original's meta fields at the top level, nodes with
// `offline`, resources as the original's strings ("2.000" cores) with the exact numbers beside them.
import { z } from 'zod';
import { ClusterObject } from '../models/answers';
import type { Cluster } from '../models/resources';
import { formatBytes, formatCores, selfLink, wireSchema } from './common';
export { decodeCluster } from './decode';

const resources = z
  .object({
    containers: z.number(),
    pods: z.number(),
    ram: z.string(),
    cpu: z.string().describe('cores, e.g. "2.000"'),
    storage: z.string(),
    cpu_millicores: z.number(),
    ram_bytes: z.number(),
  })
  .strict();

export const ClusterView = wireSchema<Cluster>()(
  ClusterObject.extend({
    name: z.string(),
    description: z.string(),
    self_link: z.string(),
    labels: z.record(z.string(), z.string()),
    status: z
      .object({
        nodes: z.object({ total: z.number(), online: z.number(), offline: z.number() }).strict(),
        capacity: resources,
        allocated: resources,
      })
      .strict(),
  }).strict(),
);
export type ClusterView = z.output<typeof ClusterView>;

const encodeResources = (r: Cluster['status']['capacity']): z.output<typeof resources> => ({
  containers: 0,
  pods: r.pods,
  ram: formatBytes(r.ram),
  cpu: formatCores(r.cpu),
  storage: formatBytes(0),
  cpu_millicores: r.cpu,
  ram_bytes: r.ram,
});

export function encodeCluster(c: Cluster): ClusterView {
  const { nodes } = c.status;
  return {
    ...c,
    name: c.meta.name,
    description: '',
    self_link: selfLink(c.meta.name),
    labels: {},
    status: {
      nodes: { ...nodes, offline: nodes.total - nodes.online },
      capacity: encodeResources(c.status.capacity),
      allocated: encodeResources(c.status.allocated),
    },
  };
}

