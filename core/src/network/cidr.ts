// IPv4 CIDR arithmetic for the cluster's address plan (pod subnets per node, service VIPs).

export interface Cidr {
  base: number;
  prefix: number;
}

const IP_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function ipToInt(ip: string): number | undefined {
  const m = IP_RE.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export const intToIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export function parseCidr(s: string): Cidr | undefined {
  const [ip, p] = s.split('/');
  const base = ipToInt(ip ?? '');
  const prefix = Number(p);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32 || p === undefined) return undefined;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  if ((base & mask) >>> 0 !== base) return undefined;
  return { base, prefix };
}

export const formatCidr = (c: Cidr) => `${intToIp(c.base)}/${c.prefix}`;
export const size = (c: Cidr) => 2 ** (32 - c.prefix);

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((s) => parseCidr(s)!);
export const isPrivate = (c: Cidr) => PRIVATE.some((p) => c.base >= p.base && c.base + size(c) <= p.base + size(p));

/** The subnets of `prefix` bits inside `within`, in order. */
export function* subnets(within: Cidr, prefix: number): Generator<Cidr> {
  const step = 2 ** (32 - prefix);
  for (let b = within.base; b < within.base + size(within); b += step) yield { base: b, prefix };
}
