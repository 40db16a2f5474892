// Docker's default bridge, where containers go when no CNI driver is configured: its IPv4 subnet and the
// host's address on it (the gateway), from the engine's IPAM configuration. Known whether or not the bridge
// has carrier (docker0 has none until a container joins it), unlike what the host's interface list shows.
import { isIPv4 } from 'node:net';
import type Docker from 'dockerode';
import { ipv4, type RuntimeNetwork } from '@lastbackend/sdk';
import { statusOf, toLbError } from './errors';

interface IpamConfig {
  Subnet?: string;
  Gateway?: string;
}

/** The first IPv4 IPAM entry: its subnet, and its gateway (the subnet's first host when the engine names none). */
export function networkFromIpam(configs: IpamConfig[] | null | undefined): RuntimeNetwork | undefined {
  for (const c of configs ?? []) {
    const subnet = c.Subnet ? ipv4.tryParseCidr(c.Subnet) : undefined;
    if (!subnet) continue;
    const gateway = c.Gateway && isIPv4(c.Gateway) ? c.Gateway : ipv4.formatIp(ipv4.gateway(subnet));
    return { gateway, subnet: ipv4.formatCidr(subnet) };
  }
  return undefined;
}

/** The engine's `bridge` network; undefined when the engine runs without one (e.g. dockerd --bridge=none). */
export async function defaultBridge(api: Docker): Promise<RuntimeNetwork | undefined> {
  try {
    const net = (await api.getNetwork('bridge').inspect()) as { IPAM?: { Config?: IpamConfig[] | null } };
    return networkFromIpam(net.IPAM?.Config);
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw toLbError(e, 'inspect the bridge network');
  }
}
