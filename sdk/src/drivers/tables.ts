// Checks of the whole-table inputs every node programs: the service table (CPI) and the overlay map
// (CNI). Both are built from what every node reports, so one bad entry must cost that entry only: the
// checks keep every good entry and say which ones they left out and why, instead of refusing the table.
import { invalid, type FieldError } from '../errors';
import { isIpAddress } from '../net/ip';
import { tryParseCidr } from '../net/ipv4';
import type { NodeNetwork, VirtualService } from './types';

export const PROXY_SCHEDULERS = ['rr', 'wrr', 'lc'] as const;
export const MAX_BACKEND_WEIGHT = 65535;

/** What a check kept, and the entries it left out (field: where, reason: why, with the value). */
export interface CheckedTable<T> {
  entries: T[];
  skipped: FieldError[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** What a proxy driver can program beyond the table's schema. */
export interface ServiceTableLimits {
  /** "ipv4": VIPs and backends must be IPv4 (an IPv4-only data plane); "any" (default): IPv4 or IPv6. */
  family?: 'any' | 'ipv4';
  /** Smallest backend weight the driver can honour (default 0: a weight-0 backend takes no new connections). */
  minWeight?: number;
}

const UNSPECIFIED_VIPS = new Set(['0.0.0.0', '255.255.255.255', '::']);

/**
 * The proxy table's schema, the one check every CPI driver and the agent use: a service table with every bad
 * entry left out. A service with a bad VIP, port, protocol or scheduler goes whole; a bad or repeated backend
 * goes alone (its service keeps the others); a repeated service (same VIP, port and protocol) keeps its first
 * entry. Only a table that is not a list is refused. Reasons name the value and the entry (a bad VIP is its own
 * name). Entries come back as given, checked; defaults (scheduler rr, weight 1) are the driver's to fill in.
 */
export function checkServiceTable(input: unknown, limits: ServiceTableLimits = {}): CheckedTable<VirtualService> {
  if (!Array.isArray(input)) throw invalid([{ field: 'services', reason: 'must be a list of virtual services' }], 'invalid service table');
  const ipv4Only = limits.family === 'ipv4';
  const isIp = (v: unknown): v is string => isIpAddress(v) && (!ipv4Only || !v.includes(':'));
  const notIp = (v: unknown) => `not an ${ipv4Only ? 'IPv4' : 'IP'} address: ${show(v)}`;
  const minWeight = limits.minWeight ?? 0;
  const entries: VirtualService[] = [];
  const skipped: FieldError[] = [];
  const seen = new Map<string, number>();
  input.forEach((raw: unknown, i) => {
    const at = `services.${i}`;
    const skip = (field: string, reason: string) => void skipped.push({ field: field ? `${at}.${field}` : at, reason });
    if (!isObject(raw)) return skip('', 'must be an object');
    if (!isIp(raw.ip)) return skip('ip', notIp(raw.ip));
    if (UNSPECIFIED_VIPS.has(raw.ip)) return skip('ip', `${raw.ip} cannot be a virtual IP`);
    const entry = `(entry ${raw.ip}:${show(raw.port)}/${typeof raw.protocol === 'string' ? raw.protocol : show(raw.protocol)})`;
    if (!isPort(raw.port)) return skip('port', `not a port (1-65535): ${show(raw.port)} ${entry}`);
    if (raw.protocol !== 'tcp' && raw.protocol !== 'udp') return skip('protocol', `not tcp or udp: ${show(raw.protocol)} ${entry}`);
    if (raw.scheduler !== undefined && !(PROXY_SCHEDULERS as readonly unknown[]).includes(raw.scheduler))
      return skip('scheduler', `not one of ${PROXY_SCHEDULERS.join(', ')}: ${show(raw.scheduler)} ${entry}`);
    if (!Array.isArray(raw.backends)) return skip('backends', `must be a list (possibly empty) ${entry}`);
    const key = `${raw.ip}:${raw.port}/${raw.protocol}`;
    const first = seen.get(key);
    if (first !== undefined) return skip('', `${key} repeats services.${first}`);
    seen.set(key, i);
    const backends: VirtualService['backends'] = [];
    const seenBackends = new Set<string>();
    raw.backends.forEach((b: unknown, j) => {
      const bat = `backends.${j}`;
      if (!isObject(b)) return skip(bat, `must be an object (backend of ${key})`);
      if (!isIp(b.ip)) return skip(`${bat}.ip`, `${notIp(b.ip)} (backend of ${key})`);
      if (!isPort(b.port)) return skip(`${bat}.port`, `not a port (1-65535): ${show(b.port)} (backend of ${key})`);
      const w = b.weight;
      if (w !== undefined && !(typeof w === 'number' && Number.isInteger(w) && w >= minWeight && w <= MAX_BACKEND_WEIGHT))
        return skip(`${bat}.weight`, `not a weight (${minWeight}-${MAX_BACKEND_WEIGHT}): ${show(w)} (backend of ${key})${minWeight > 0 ? '; remove a backend instead of weighting it 0' : ''}`);
      const id = `${b.ip}:${b.port}`;
      if (seenBackends.has(id)) return skip(bat, `backend ${id} of ${key} is listed twice`);
      seenBackends.add(id);
      backends.push({ ip: b.ip, port: b.port, ...(w !== undefined ? { weight: w } : {}) });
    });
    entries.push({ ip: raw.ip, port: raw.port, protocol: raw.protocol, ...(raw.scheduler !== undefined ? { scheduler: raw.scheduler as VirtualService['scheduler'] } : {}), backends });
  });
  return { entries, skipped };
}

/**
 * Overlay entries (remote nodes, or the whole map) with every bad entry left out: a subnet that is not
 * an IPv4 network, an address that is not an IP, a repeated subnet. Good entries are returned as given.
 */
export function checkRemotes<T extends NodeNetwork>(input: readonly T[], what = 'remotes'): CheckedTable<T> {
  const entries: T[] = [];
  const skipped: FieldError[] = [];
  const seen = new Set<string>();
  input.forEach((raw: unknown, i) => {
    const skip = (field: string, reason: string) => void skipped.push({ field: `${what}.${i}${field ? `.${field}` : ''}`, reason });
    if (!isObject(raw)) return skip('', 'must be an object');
    if (typeof raw.subnet !== 'string' || !tryParseCidr(raw.subnet)) return skip('subnet', `not an IPv4 network (a.b.c.d/n): ${show(raw.subnet)}`);
    if (!isIpAddress(raw.address)) return skip('address', `not an IP address: ${show(raw.address)} (node of ${raw.subnet})`);
    if (seen.has(raw.subnet)) return skip('', `subnet ${raw.subnet} is listed twice`);
    seen.add(raw.subnet);
    entries.push(input[i]);
  });
  return { entries, skipped };
}

/** One line for a log or a driver state: how many entries were left out, and the first few. */
export function describeSkipped(skipped: readonly FieldError[], unit = 'entry', max = 3): string {
  const shown = skipped.slice(0, max).map((f) => `${f.field}: ${f.reason}`).join('; ');
  const units = skipped.length === 1 ? unit : unit.endsWith('y') ? `${unit.slice(0, -1)}ies` : `${unit}s`;
  return `${skipped.length} ${units} left out: ${shown}${skipped.length > max ? ` (+${skipped.length - max} more)` : ''}`;
}
