// Pure table logic: checking a requested table and the operations that turn the kernel's table into it.
import { checkServiceTable, PROXY_SCHEDULERS, MAX_BACKEND_WEIGHT, type FieldError, type VirtualService } from '@lastbackend/sdk';
import { AF_INET, FWD, IPPROTO, type DestSpec, type KernelService, type ServiceKey, type ServiceSpec } from './genl';

export const SCHEDULERS = PROXY_SCHEDULERS;
/** Largest weight accepted (the kernel takes up to INT_MAX; ipvsadm caps at 65535, as the SDK's table does). */
export const MAX_WEIGHT = MAX_BACKEND_WEIGHT;

export interface DesiredService extends ServiceSpec {
  dests: DestSpec[];
}

export interface CurrentService {
  service: KernelService;
  dests: DestSpec[];
}

export type Op =
  | { op: 'delService'; service: ServiceKey }
  | { op: 'newService'; service: ServiceSpec }
  | { op: 'setService'; service: ServiceSpec }
  | { op: 'delDest'; service: ServiceKey; dest: { ip: string; port: number } }
  | { op: 'newDest'; service: ServiceKey; dest: DestSpec }
  | { op: 'setDest'; service: ServiceKey; dest: DestSpec };

export const serviceId = (s: ServiceKey): string => `${s.protocol}/${s.ip}:${s.port}`;
const destId = (d: { ip: string; port: number }): string => `${d.ip}:${d.port}`;

/** A table with its bad entries left out, and what was left out and why. */
export interface CheckedTable {
  services: DesiredService[];
  skipped: FieldError[];
}

/**
 * The SDK's check of the table (its schema lives there), for an IPv4 data plane, then ipvs defaults: scheduler
 * rr, weight 1, masquerading. A bad entry is left out and reported, not a reason to refuse the rest; only a
 * table that is not a list throws.
 */
export function checkTable(services: readonly VirtualService[]): CheckedTable {
  const { entries, skipped } = checkServiceTable(services, { family: 'ipv4', minWeight: 0 });
  const out = entries.map(
    (s): DesiredService => ({
      ip: s.ip,
      port: s.port,
      protocol: s.protocol,
      scheduler: s.scheduler ?? 'rr',
      flags: 0,
      timeout: 0,
      dests: s.backends.map((b) => ({ ip: b.ip, port: b.port, weight: b.weight ?? 1, fwd: FWD.MASQ, upperThreshold: 0, lowerThreshold: 0 })),
    }),
  );
  return { services: out, skipped };
}

/** Whether this driver manages a kernel service: IPv4, TCP or UDP, by address (not firewall mark). */
export const isManaged = (s: KernelService): boolean =>
  s.af === AF_INET && s.fwmark === 0 && (s.protocolNumber === IPPROTO.tcp || s.protocolNumber === IPPROTO.udp) && s.ip !== '';

const sameService = (a: ServiceSpec, b: ServiceSpec): boolean => a.scheduler === b.scheduler && a.flags === b.flags && a.timeout === b.timeout;
const sameDest = (a: DestSpec, b: DestSpec): boolean =>
  a.weight === b.weight && a.fwd === b.fwd && a.upperThreshold === b.upperThreshold && a.lowerThreshold === b.lowerThreshold;

const keyOf = (s: ServiceKey): ServiceKey => ({ ip: s.ip, port: s.port, protocol: s.protocol });

/**
 * Operations that make `current` equal `desired`: removed services first (their destinations go with
 * them), then per service adds and updates, destinations removed before new ones are added.
 * Services the driver does not manage (IPv6, firewall marks, other protocols) are left alone.
 */
export function diffTable(desired: DesiredService[], current: CurrentService[]): Op[] {
  const ops: Op[] = [];
  const want = new Map(desired.map((s) => [serviceId(s), s]));
  const have = new Map(current.filter((c) => isManaged(c.service)).map((c) => [serviceId(c.service), c]));
  for (const [id, c] of have) if (!want.has(id)) ops.push({ op: 'delService', service: keyOf(c.service) });
  for (const [id, s] of want) {
    const c = have.get(id);
    const service = keyOf(s);
    const spec: ServiceSpec = { ...service, scheduler: s.scheduler, flags: s.flags, timeout: s.timeout };
    if (!c) {
      ops.push({ op: 'newService', service: spec });
      for (const dest of s.dests) ops.push({ op: 'newDest', service, dest });
      continue;
    }
    if (!sameService(spec, c.service)) ops.push({ op: 'setService', service: spec });
    const wantDests = new Map(s.dests.map((d) => [destId(d), d]));
    const haveDests = new Map(c.dests.map((d) => [destId(d), d]));
    for (const [did, d] of haveDests) if (!wantDests.has(did)) ops.push({ op: 'delDest', service, dest: { ip: d.ip, port: d.port } });
    for (const [did, d] of wantDests) {
      const h = haveDests.get(did);
      if (!h) ops.push({ op: 'newDest', service, dest: d });
      else if (!sameDest(d, h)) ops.push({ op: 'setDest', service, dest: d });
    }
  }
  return ops;
}

/** The public view of the kernel's table (managed services only). */
export function toVirtualServices(current: CurrentService[]): VirtualService[] {
  return current
    .filter((c) => isManaged(c.service))
    .map((c) => ({
      ip: c.service.ip,
      port: c.service.port,
      protocol: c.service.protocol,
      scheduler: c.service.scheduler as NonNullable<VirtualService['scheduler']>,
      backends: c.dests.map((d) => ({ ip: d.ip, port: d.port, weight: d.weight })),
    }));
}

/**
 * Address changes on the VIP interface: every VIP present as a /32; /32 addresses that are not VIPs any
 * more are removed only when `ours` says this driver put them there (on a shared interface like lo).
 */
export function vipChanges(
  vips: Iterable<string>,
  present: { ip: string; prefix: number }[],
  ours: (ip: string) => boolean,
): { add: string[]; remove: string[] } {
  const want = new Set(vips);
  const have = new Set(present.filter((a) => a.prefix === 32).map((a) => a.ip));
  return {
    add: [...want].filter((ip) => !have.has(ip)).sort(),
    remove: [...have].filter((ip) => !want.has(ip) && ours(ip)).sort(),
  };
}
