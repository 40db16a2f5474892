// The files a container's /etc gets from its runtime when no engine network makes them (a CNI attaches the
// pod instead): its resolver and its hosts. Runtime drivers write them and bind-mount them in.
import type { ContainerSpec } from './types';

/** resolv.conf for the container: the spec's resolver, else the host's minus loopback servers (unreachable inside). */
export function resolvConf(dns: ContainerSpec['dns'], hostResolvConf: string): string {
  if (dns) {
    const lines = dns.servers.map((s) => `nameserver ${s}`);
    if (dns.search.length) lines.push(`search ${dns.search.join(' ')}`);
    if (dns.options?.length) lines.push(`options ${dns.options.join(' ')}`);
    return `${lines.join('\n')}\n`;
  }
  const kept = hostResolvConf
    .split('\n')
    .filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l))
    .join('\n');
  return kept.endsWith('\n') ? kept : `${kept}\n`;
}

/** /etc/hosts: localhost, and the container's own name when the runtime sets one. */
export const hostsFile = (hostname?: string): string =>
  `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${hostname ? `127.0.0.1\t${hostname}\n` : ''}`;
