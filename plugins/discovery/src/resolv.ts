import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** An upstream resolver address. */
export interface Upstream {
  host: string;
  port: number;
}

/** Nameserver addresses from resolv.conf text (`nameserver` lines; comments and zone ids dropped). */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const m = /^nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const addr = m[1].replace(/%.*$/, '');
    if (isIP(addr) && !out.includes(addr)) out.push(addr);
  }
  return out;
}

/** Reads nameservers from /etc/resolv.conf (or `path`); [] when the file is missing. */
export function readResolvConf(path = '/etc/resolv.conf'): string[] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

/** Parses '1.2.3.4', '1.2.3.4:5353', '::1', '[::1]:5353'. Throws on anything else. */
export function parseUpstream(spec: string): Upstream {
  const s = spec.trim();
  let host = s;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1];
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (isIP(s) === 0) {
    const i = s.lastIndexOf(':');
    if (i > 0 && isIP(s.slice(0, i)) === 4) {
      host = s.slice(0, i);
      port = Number(s.slice(i + 1));
    }
  }
  if (isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`invalid upstream resolver '${spec}' (want ip, ip:port or [ipv6]:port)`);
  }
  return { host, port };
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

function isLoopback(host: string): boolean {
  return host.startsWith('127.') || host === '::1' || host.startsWith('::ffff:127.');
}

/**
 * Whether sending to `up` would reach our own listener at `listenHost:listenPort` (a forwarding loop).
 * With a wildcard listen address, every local interface address (and loopback) counts as ours.
 */
export function isSelf(up: Upstream, listenHost: string, listenPort: number): boolean {
  if (up.port !== listenPort) return false;
  if (up.host === listenHost) return true;
  if (!isWildcard(listenHost)) return false;
  if (isLoopback(up.host)) return true;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.address === up.host) return true;
  }
  return false;
}

/** Default upstreams: resolv.conf nameservers, minus our own listen address. */
export function defaultUpstreams(listenHost: string, listenPort: number, path?: string): Upstream[] {
  return readResolvConf(path)
    .map((a) => ({ host: a, port: 53 }))
    .filter((u) => !isSelf(u, listenHost, listenPort));
}
