// IPv4 CIDR arithmetic for the cluster's address plan (node subnets, pod and service addresses).
// Pure: no I/O, numbers are unsigned 32-bit.
import { LbError } from '../errors';

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  network: number;
  prefix: number;
}

const invalid = (what: string, value: string): LbError =>
  new LbError('INVALID_ARGUMENT', `invalid IPv4 ${what}: ${JSON.stringify(value)}`);

/** "10.0.0.1" → 167772161. Rejects anything that is not four decimal octets. */
export function parseIp(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw invalid('address', ip);
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) throw invalid('address', ip);
    const v = Number(p);
    if (v > 255) throw invalid('address', ip);
    n = n * 256 + v;
  }
  return n >>> 0;
}

export function formatIp(n: number): string {
  const u = n >>> 0;
  return [u >>> 24, (u >>> 16) & 255, (u >>> 8) & 255, u & 255].join('.');
}

export function ipBytes(ip: string | number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(typeof ip === 'number' ? ip >>> 0 : parseIp(ip), 0);
  return b;
}

export function ipFromBytes(b: Buffer): string {
  if (b.length !== 4) throw new LbError('INVALID_ARGUMENT', `not an IPv4 address: ${b.toString('hex')}`);
  return formatIp(b.readUInt32BE(0));
}

export const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** Parses "10.210.3.0/24". The address must be the network address (host bits zero). */
export function parseCidr(cidr: string): Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  if (!m) throw invalid('CIDR', cidr);
  const prefix = Number(m[2]);
  if (prefix > 32) throw invalid('CIDR', cidr);
  const addr = parseIp(m[1]!);
  const network = (addr & maskOf(prefix)) >>> 0;
  if (network !== addr) throw new LbError('INVALID_ARGUMENT', `CIDR ${cidr} has host bits set (network is ${formatIp(network)}/${prefix})`);
  return { network, prefix };
}

export const formatCidr = (c: Cidr): string => `${formatIp(c.network)}/${c.prefix}`;

export const size = (c: Cidr): number => 2 ** (32 - c.prefix);

export const broadcast = (c: Cidr): number => (c.network + size(c) - 1) >>> 0;

export function contains(c: Cidr, ip: string | number): boolean {
  const n = typeof ip === 'number' ? ip >>> 0 : parseIp(ip);
  return ((n & maskOf(c.prefix)) >>> 0) === c.network;
}

/** The n-th address of the subnet (0 = network address). */
export function nth(c: Cidr, n: number): number {
  if (n < 0 || n >= size(c)) throw new LbError('INVALID_ARGUMENT', `${formatCidr(c)} has no address #${n}`);
  return (c.network + n) >>> 0;
}

/** Gateway on the node bridge: the first host address (.1 of a /24). */
export const gateway = (c: Cidr): number => nth(c, 1);

/** Like parseCidr, but undefined instead of an error. */
export function tryParseCidr(cidr: string): Cidr | undefined {
  try {
    return parseCidr(cidr);
  } catch {
    return undefined;
  }
}

export const overlaps = (a: Cidr, b: Cidr): boolean => a.network < b.network + size(b) && b.network < a.network + size(a);

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(parseCidr);

/** Inside 10/8, 172.16/12 or 192.168/16. */
export const isPrivate = (c: Cidr): boolean => PRIVATE.some((p) => c.network >= p.network && c.network + size(c) <= p.network + size(p));

/** The subnets of `prefix` bits inside `within`, in order. */
export function* subnets(within: Cidr, prefix: number): Generator<Cidr> {
  const step = 2 ** (32 - prefix);
  for (let n = within.network; n < within.network + size(within); n += step) yield { network: n, prefix };
}
