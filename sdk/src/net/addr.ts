// IPv4 and IPv6 addresses and networks as numbers, for allow-lists that hold either family
// (a namespace's egress). Pure: no I/O. IPv4-mapped IPv6 (::ffff:a.b.c.d) is read as the IPv4 address
// it carries, so a check of 127.0.0.1 cannot be dodged by writing it as IPv6.
import { isIP } from 'node:net';

export interface Addr {
  family: 4 | 6;
  /** 32 bits (IPv4) or 128 bits (IPv6). */
  value: bigint;
}
export interface Net {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

const bits = (f: 4 | 6) => (f === 4 ? 32 : 128);
const MAPPED = 0xffffn << 32n;

function v4(s: string): bigint {
  return s.split('.').reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}

function v6(s: string): bigint {
  let text = s;
  let tail: bigint | undefined;
  const dot = text.lastIndexOf(':');
  if (text.includes('.')) {
    tail = v4(text.slice(dot + 1));
    text = `${text.slice(0, dot + 1)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined ? (rest ? rest.split(':') : []) : [];
  const groups = rest !== undefined ? [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r] : h;
  let n = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (tail !== undefined) n = (n & ~0xffffffffn) | tail;
  return n;
}

/** An address as written ("10.0.0.1", "::1", "[::1]"); undefined if it is none. IPv4-mapped IPv6 is IPv4. */
export function parseAddr(text: string): Addr | undefined {
  const s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (s.includes('%')) return undefined;
  const f = isIP(s);
  if (f === 4) return { family: 4, value: v4(s) };
  if (f !== 6) return undefined;
  const n = v6(s);
  return n >> 32n === 0xffffn ? { family: 4, value: n - MAPPED } : { family: 6, value: n };
}

/** "10.0.0.0/8", "fd00:ec2::254/128"; undefined when malformed or when host bits are set. */
export function parseNet(text: string): Net | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const s = m[1]!;
  const f = isIP(s);
  if (f !== 4 && f !== 6) return undefined;
  const prefix = Number(m[2]);
  if (prefix > bits(f)) return undefined;
  const network = f === 4 ? v4(s) : v6(s);
  if (network !== (network & mask(f, prefix))) return undefined;
  return { family: f, network, prefix };
}

function mask(f: 4 | 6, prefix: number): bigint {
  const all = (1n << BigInt(bits(f))) - 1n;
  return (all << BigInt(bits(f) - prefix)) & all;
}

export const netContains = (n: Net, a: Addr): boolean => n.family === a.family && (a.value & mask(n.family, n.prefix)) === n.network;

/** Whether every address of `inner` lies in `outer`. */
export const netWithin = (inner: Net, outer: Net): boolean =>
  inner.family === outer.family && inner.prefix >= outer.prefix && (inner.network & mask(outer.family, outer.prefix)) === outer.network;

export const sameAddr = (a: Addr, b: Addr): boolean => a.family === b.family && a.value === b.value;

export function formatAddr(a: Addr): string {
  if (a.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((a.value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // The longest run of zero groups becomes "::" (RFC 5952).
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

export const formatNet = (n: Net): string => `${formatAddr({ family: n.family, value: n.network })}/${n.prefix}`;

/** The network of one address (/32 or /128). */
export const hostNet = (a: Addr): Net => ({ family: a.family, network: a.value, prefix: bits(a.family) });
