// A namespace's egress allow-list (spec.egress.allow): where the server may call on the namespace's
// behalf (a job's HTTP provider and hook). The grammar lives here so the API refuses a bad entry when
// it is written; the server matches URLs against the parsed entries (core/src/egress/).
import { z } from 'zod';
import { parseAddr, parseNet, type Addr, type Net } from '../net/addr';

export type EgressEntry =
  /** `https://queue.example.com/jobs/`: that scheme, host and port, and paths under the prefix. */
  | { type: 'url'; text: string; protocol: 'http:' | 'https:'; host: string; addr?: Addr; port: number; path: string }
  /** `queue.example.com`, `*.example.com:8443`, `127.0.0.1`, `[::1]:8080`: any scheme and path; any port when none is given. */
  | { type: 'host'; text: string; host: string; wildcard: boolean; addr?: Addr; port?: number }
  /** `10.1.0.0/16`, `fd00::/8`: any URL whose host resolves inside it. */
  | { type: 'cidr'; text: string; net: Net };

export const EGRESS_LIMITS = { entries: 100, length: 512 } as const;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const isHostname = (h: string) => h.length <= 253 && h.split('.').every((l) => LABEL.test(l));
const defaultPort = (p: string) => (p === 'https:' ? 443 : 80);

function portOf(text: string): number | string {
  const n = Number(text);
  return /^\d{1,5}$/.test(text) && n >= 1 && n <= 65535 ? n : `port "${text}" must be 1-65535`;
}

/** An entry parsed, or why it is refused. */
export function parseEgressEntry(raw: string): EgressEntry | string {
  const text = raw.trim();
  if (!text) return 'is empty';
  if (text.length > EGRESS_LIMITS.length) return `is longer than ${EGRESS_LIMITS.length} characters`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      return 'is not a URL';
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `scheme ${u.protocol.slice(0, -1)} is not allowed: use http or https`;
    if (u.username || u.password) return 'must not carry a user or password (send credentials in the headers)';
    if (u.search || u.hash || text.includes('?') || text.includes('#')) return 'must be a URL prefix without ? or #';
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return { type: 'url', text, protocol: u.protocol, host, addr: parseAddr(host), port: u.port ? Number(u.port) : defaultPort(u.protocol), path: u.pathname };
  }
  if (text.includes('/')) {
    const net = parseNet(text);
    if (net) return { type: 'cidr', text, net };
    const at = text.split('/')[0]!;
    return parseAddr(at) ? 'is not a network: the address has bits set past the prefix, or the prefix is too long' : 'is neither a URL (http:// or https://), a host[:port] nor a CIDR';
  }
  // host[:port]: an IPv6 host is written in brackets when a port follows.
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  const bare = parseAddr(text);
  let host: string;
  let portText: string | undefined;
  if (v6) [host, portText] = [v6[1]!, v6[2]];
  else if (bare) host = text;
  else {
    const i = text.lastIndexOf(':');
    [host, portText] = i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
  }
  const port = portText === undefined ? undefined : portOf(portText);
  if (typeof port === 'string') return port;
  const addr = parseAddr(host);
  if (addr) return { type: 'host', text, host, wildcard: false, addr, ...(port !== undefined ? { port } : {}) };
  const lower = host.toLowerCase();
  const wildcard = lower.startsWith('*.');
  const name = wildcard ? lower.slice(2) : lower;
  if (!isHostname(name) || (wildcard && !name.includes('.')))
    return wildcard ? `"${host}" must be *. followed by a domain with at least two labels` : `"${host}" is not a host name or IP address`;
  return { type: 'host', text, host: name, wildcard, ...(port !== undefined ? { port } : {}) };
}

/** spec.egress of a Namespace: set by admins (only admins write namespaces). */
export const NamespaceEgress = z
  .object({
    allow: z
      .array(z.string().max(EGRESS_LIMITS.length))
      .max(EGRESS_LIMITS.entries)
      .default([])
      .superRefine((list, ctx) =>
        list.forEach((e, i) => {
          const p = parseEgressEntry(e);
          if (typeof p === 'string') ctx.addIssue({ code: 'custom', path: [i], message: `"${e}" ${p}` });
        }),
      )
      .describe('where the server may call for this namespace (job providers and hooks): URL prefixes (https://queue.example.com/jobs/), host[:port] patterns (*.example.com, 10.0.0.5:8080), or CIDRs'),
  })
  .strict();
export type NamespaceEgress = z.infer<typeof NamespaceEgress>;
