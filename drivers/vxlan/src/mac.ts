// MAC addresses of the overlay, derived from node subnets so no node has to tell others its MACs.
import { ipv4 } from '@lastbackend/sdk';

/**
 * Deterministic VTEP MAC of a node subnet: 0a:58 followed by the four bytes of the network address
 * (10.210.3.0/24 → 0a:58:0a:d2:03:00). Locally administered, unicast.
 */
export function vtepMac(c: ipv4.Cidr): Buffer {
  return Buffer.concat([Buffer.from([0x0a, 0x58]), ipv4.ipBytes(c.network)]);
}

/** MAC of the node bridge: 0a:58 followed by the gateway address, fixed so it never follows its ports. */
export function bridgeMac(c: ipv4.Cidr): Buffer {
  return Buffer.concat([Buffer.from([0x0a, 0x58]), ipv4.ipBytes(ipv4.gateway(c))]);
}

/**
 * MAC of a pod's interface: 0a:58 followed by its address. An address given to a new pod soon after its
 * last owner went keeps its MAC, so the node's neighbour entry for it (and a peer's) stays right instead of
 * sending its traffic to a port that no longer exists until the entry times out.
 */
export function podMac(ip: string): Buffer {
  return Buffer.concat([Buffer.from([0x0a, 0x58]), ipv4.ipBytes(ip)]);
}

export const formatMac = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
