// A Node on the wire (views/node.go): host facts in meta (hostname, os_name, architecture, ip, cidr),
// status.state the original's object {ready, cri, cni, cpi, csi} with today's state word in status.phase,
// resources as numbers (ram and storage in bytes, cpu in millicores): the original CLI's client (lastbackend
// cd27b47, which its last commit pins) decodes them as int64, though the server's last commit wrote
// strings; the CLI is what people run. A node list is a map by name.
import { z } from 'zod';
import { NodeObject } from '../models/answers';
import type { DriverState, Node } from '../models/resources';
import { selfLink, wireSchema } from './common';
export { decodeNode, decodeNodeList } from './decode';

const iface = z.object({ type: z.string().describe('driver package'), version: z.string(), state: z.string(), message: z.string() }).strict();
const resources = z
  .object({
    containers: z.number(),
    pods: z.number(),
    ram: z.number().describe('bytes'),
    cpu: z.number().describe('millicores'),
    storage: z.number().describe('bytes'),
    cpu_millicores: z.number(),
    ram_bytes: z.number(),
    storage_bytes: z.number().optional(),
  })
  .strict();

export const NodeView = wireSchema<Node>()(
  NodeObject.extend({
    meta: NodeObject.shape.meta
      .extend({
        self_link: z.string(),
        hostname: z.string(),
        os_name: z.string(),
        os_type: z.string(),
        architecture: z.string(),
        ip: z.object({ external: z.string(), internal: z.string() }).strict(),
        cidr: z.string().describe('the pod subnet leased to the node'),
        version: z.string(),
      })
      .strict(),
    status: NodeObject.shape.status
      .extend({
        state: z.object({ ready: z.boolean(), cri: iface, cni: iface, cpi: iface, csi: iface }).strict().describe('the original\'s per-interface state'),
        phase: z.enum(['ready', 'not-ready', 'offline']).describe('the node\'s state word'),
        capacity: resources,
        allocated: resources,
      })
      .strict(),
  }).strict(),
);
export type NodeView = z.output<typeof NodeView>;

/** GET /cluster/node: the original's NodeList, a map by node name. */
export const NodeListView = wireSchema<Node[]>()(z.record(z.string(), NodeView));
export type NodeListView = z.output<typeof NodeListView>;

function ifaceState(drivers: DriverState[], kind: string): z.output<typeof iface> {
  const d = drivers.find((x) => x.kind === kind);
  return { type: d?.package ?? '', version: d?.version ?? '', state: d?.state ?? '', message: d?.message ?? '' };
}

export function encodeNode(n: Node): NodeView {
  const s = n.status;
  const address = s.addresses[0] ?? '';
  return {
    ...n,
    meta: {
      ...n.meta,
      self_link: selfLink(n.meta.name),
      hostname: s.hostname,
      os_name: s.os,
      os_type: s.os,
      architecture: s.arch,
      ip: { external: address, internal: address },
      cidr: n.spec.network?.subnet ?? '',
      version: s.version,
    },
    status: {
      ...s,
      state: { ready: s.state === 'ready', cri: ifaceState(s.drivers, 'cri'), cni: ifaceState(s.drivers, 'cni'), cpi: ifaceState(s.drivers, 'cpi'), csi: ifaceState(s.drivers, 'csi') },
      phase: s.state,
      capacity: {
        containers: 0,
        pods: s.capacity.pods,
        ram: s.capacity.ram,
        cpu: s.capacity.cpu,
        storage: s.capacity.storage,
        cpu_millicores: s.capacity.cpu,
        ram_bytes: s.capacity.ram,
        storage_bytes: s.capacity.storage,
      },
      allocated: {
        containers: 0,
        pods: s.allocated.pods,
        ram: s.allocated.ram,
        cpu: s.allocated.cpu,
        storage: 0,
        cpu_millicores: s.allocated.cpu,
        ram_bytes: s.allocated.ram,
      },
    },
  };
}

export const encodeNodeList = (nodes: Node[]): NodeListView => Object.fromEntries(nodes.map((n) => [n.meta.name, encodeNode(n)]));
