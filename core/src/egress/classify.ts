// Which addresses a namespace's outbound call must not reach unless its egress names them: the host's
// own (loopback, unspecified), link-local and cloud metadata ranges, and the cluster's own addresses
// (nodes, pods, service VIPs, the API). Pure: the cluster's addresses are passed in.
import { addr as ip, type addr } from '@lastbackend/sdk';

type Addr = addr.Addr;
type Net = addr.Net;

/** A range an address fell in, with the words a refusal uses. */
export interface SpecialRange {
  net: Net;
  /** "loopback", "link-local (the metadata range)", "a node's address" … */
  what: string;
}

const net = (text: string): Net => {
  const n = ip.parseNet(text);
  if (!n) throw new Error(`bad built-in range ${text}`);
  return n;
};

/** The host's own and the metadata ranges, refused for every namespace that does not name them. */
export const HOST_RANGES: readonly SpecialRange[] = [
  { net: net('127.0.0.0/8'), what: 'loopback' },
  { net: net('::1/128'), what: 'loopback' },
  { net: net('0.0.0.0/8'), what: 'unspecified' },
  { net: net('::/128'), what: 'unspecified' },
  { net: net('169.254.0.0/16'), what: 'link-local (the metadata range)' },
  { net: net('fd00:ec2::254/128'), what: 'in the metadata range' },
  { net: net('fe80::/10'), what: 'link-local' },
];

/** The cluster's own addresses, as the server knows them (cluster.ts gathers them). */
export interface ClusterAddresses {
  /** Node addresses (each node's status.addresses). */
  nodes: string[];
  /** Pod networks (network.cluster_cidr). */
  pods: string[];
  /** Service VIP ranges (network.service_cidr). */
  services: string[];
  /** Where the API listens (its interfaces' addresses when it listens on all). */
  api: string[];
}

/** The ranges of the cluster's addresses (a node or API address is a /32 or /128). */
export function clusterRanges(c: ClusterAddresses): SpecialRange[] {
  const hosts = (list: string[], what: string) =>
    list.flatMap((s) => {
      const a = ip.parseAddr(s);
      return a ? [{ net: ip.hostNet(a), what }] : [];
    });
  const nets = (list: string[], what: (n: string) => string) =>
    list.flatMap((s) => {
      const n = ip.parseNet(s);
      return n ? [{ net: n, what: what(s) }] : [];
    });
  return [
    ...hosts(c.nodes, "a node's address"),
    ...hosts(c.api, "the API server's address"),
    ...nets(c.pods, (n) => `in the pod network ${n}`),
    ...nets(c.services, (n) => `in the service network ${n}`),
  ];
}

/** The special ranges an address is in (empty: an ordinary address). */
export function classify(a: Addr, ranges: readonly SpecialRange[]): SpecialRange[] {
  return ranges.filter((r) => ip.netContains(r.net, a));
}
