// Matching an outbound URL and the addresses its host resolved to against a namespace's egress
// allow-list (grammar: sdk/src/models/egress.ts). Pure: resolution and the connection are guard.ts's.
import { addr as ip, parseEgressEntry, type addr, type EgressEntry } from '@lastbackend/sdk';
import { classify, type SpecialRange } from './classify';

type Addr = addr.Addr;

/** What of a URL the allow-list looks at. */
export interface Target {
  protocol: 'http:' | 'https:';
  /** Lower case, IPv6 without brackets. */
  host: string;
  /** Set when the host is an IP address. */
  addr?: Addr;
  /** The port connected to (the scheme's default when the URL gives none). */
  port: number;
  /** Path and query, as the request sends them. */
  path: string;
}

/** The URL's target, or why it cannot be called (only http and https). */
export function targetOf(url: URL): Target | string {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme ${url.protocol.slice(0, -1)} is not allowed (http or https only)`;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { protocol: url.protocol, host, addr: ip.parseAddr(host), port, path: `${url.pathname}${url.search}` };
}

/** The stored entries, parsed (they were validated when written; one that no longer parses is ignored). */
export function parseAllow(allow: readonly string[] | undefined): EgressEntry[] {
  return (allow ?? []).map(parseEgressEntry).filter((e): e is EgressEntry => typeof e !== 'string');
}

const sameHost = (e: { host: string; addr?: Addr }, t: Target) => (e.addr && t.addr ? ip.sameAddr(e.addr, t.addr) : !e.addr && !t.addr && e.host === t.host);

/** Whether an entry names the URL by scheme/host/port/path (a CIDR entry names addresses, not URLs). */
export function namesUrl(e: EgressEntry, t: Target): boolean {
  if (e.type === 'url') return e.protocol === t.protocol && e.port === t.port && sameHost(e, t) && t.path.startsWith(e.path);
  if (e.type === 'host') {
    if (e.port !== undefined && e.port !== t.port) return false;
    return e.wildcard ? !t.addr && t.host.endsWith(`.${e.host}`) : sameHost(e, t);
  }
  return false;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/**
 * Whether a call to `t`, whose host resolved to `resolved`, is allowed: every address must be allowed —
 * by an entry naming the URL, or a CIDR containing it — and an address in a special range (loopback,
 * link-local, metadata, the cluster's own) only when an entry names it explicitly: the literal IP as the
 * URL's host, or a CIDR lying inside that range (10.0.0.0/8 does not name the pod network inside it;
 * 0.0.0.0/0 names nothing special).
 */
export function judge(ns: string, t: Target, entries: readonly EgressEntry[], resolved: readonly Addr[], ranges: readonly SpecialRange[]): Verdict {
  const where = `namespace "${ns}"'s egress`;
  if (!resolved.length) return { ok: false, reason: `${t.host} resolved to no address` };
  const named = entries.filter((e) => namesUrl(e, t));
  const cidrs = entries.flatMap((e) => (e.type === 'cidr' ? [e] : []));
  for (const a of resolved) {
    const shown = ip.formatAddr(a);
    const of = t.addr ? shown : `${t.host} (${shown})`;
    const containing = cidrs.filter((c) => ip.netContains(c.net, a));
    if (!named.length && !containing.length) return { ok: false, reason: `${of} is not allowed by ${where}` };
    for (const r of classify(a, ranges)) {
      const literal = named.some((e) => e.type !== 'cidr' && e.addr !== undefined && ip.sameAddr(e.addr, a));
      if (literal || containing.some((c) => ip.netWithin(c.net, r.net))) continue;
      return { ok: false, reason: `${of} is ${r.what} and not allowed by ${where}` };
    }
  }
  return { ok: true };
}
