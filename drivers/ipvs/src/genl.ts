// IPVS over generic netlink: constants from include/uapi/linux/ip_vs.h and pure functions that build
// and parse the attribute payloads (everything after the genl header). No I/O here.
import { LbError, ipv4 } from '@lastbackend/sdk';

export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

export const IPVS_CMD = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  FLUSH: 17,
} as const;

/** First-level attributes of IPVS commands. */
export const IPVS_CMD_ATTR = { SERVICE: 1, DEST: 2 } as const;

export const IPVS_SVC_ATTR = {
  AF: 1, // u16
  PROTOCOL: 2, // u16
  ADDR: 3, // 16 bytes (union nf_inet_addr)
  PORT: 4, // u16, network order
  FWMARK: 5, // u32
  SCHED_NAME: 6, // NUL-terminated string
  FLAGS: 7, // struct ip_vs_flags { u32 flags; u32 mask; }
  TIMEOUT: 8, // u32, persistence timeout
  NETMASK: 9, // u32, persistence netmask
  STATS: 10,
  PE_NAME: 11,
  STATS64: 12,
} as const;

export const IPVS_DEST_ATTR = {
  ADDR: 1, // 16 bytes
  PORT: 2, // u16, network order
  FWD_METHOD: 3, // u32
  WEIGHT: 4, // u32
  U_THRESH: 5, // u32
  L_THRESH: 6, // u32
  ACTIVE_CONNS: 7,
  INACT_CONNS: 8,
  PERSIST_CONNS: 9,
  STATS: 10,
  ADDR_FAMILY: 11, // u16
  STATS64: 12,
} as const;

export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO = { tcp: 6, udp: 17 } as const;
export type Protocol = keyof typeof IPPROTO;

/** Forwarding methods (IP_VS_CONN_F_FWD_MASK bits): masquerading (NAT) is 0. */
export const FWD = { MASQ: 0, LOCALNODE: 1, TUNNEL: 2, DROUTE: 3, BYPASS: 4 } as const;
export const FWD_MASK = 0x7;

const NLA_F_NESTED = 1 << 15;
const NLA_TYPE_MASK = (1 << 14) - 1;

// ------------------------------------------------------------------ TLV helpers

const align4 = (n: number): number => (n + 3) & ~3;

/** One netlink attribute, padded to 4 bytes. */
export function attr(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  if (len >= 0x10000) throw new LbError('INTERNAL', `netlink attribute ${type} too long (${len} bytes)`);
  const out = Buffer.alloc(align4(len));
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, 4);
  return out;
}

export const nested = (type: number, children: Buffer[]): Buffer => attr(type | NLA_F_NESTED, Buffer.concat(children));

export const u16 = (type: number, v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v, 0);
  return attr(type, b);
};
export const u16be = (type: number, v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v, 0);
  return attr(type, b);
};
export const u32 = (type: number, v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return attr(type, b);
};
export const str = (type: number, v: string): Buffer => attr(type, Buffer.from(`${v}\0`, 'utf8'));

/** Attributes of a payload by type (flags stripped). Later duplicates win. */
export function parseAttrs(buf: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2) & NLA_TYPE_MASK;
    if (len < 4 || off + len > buf.length) throw new LbError('INTERNAL', `malformed netlink attribute at offset ${off} (length ${len})`);
    out.set(type, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

const need = (m: Map<number, Buffer>, type: number, what: string): Buffer => {
  const v = m.get(type);
  if (!v) throw new LbError('INTERNAL', `IPVS reply without ${what}`);
  return v;
};
const readU16 = (b: Buffer): number => b.readUInt16LE(0);
const readU32 = (b: Buffer): number => b.readUInt32LE(0);

/** IPv4 address as the 16-byte union nf_inet_addr the kernel expects. */
export function addr16(ip: string): Buffer {
  const b = Buffer.alloc(16);
  ipv4.ipBytes(ip).copy(b, 0);
  return b;
}

// ------------------------------------------------------------------ services and destinations

/** Identifies a virtual service. */
export interface ServiceKey {
  ip: string;
  port: number;
  protocol: Protocol;
}

export interface ServiceSpec extends ServiceKey {
  scheduler: string;
  /** IP_VS_SVC_F_* (persistent, one-packet, …); 0 for the services this driver makes. */
  flags: number;
  /** Persistence timeout in seconds; 0 for none. */
  timeout: number;
}

export interface DestSpec {
  ip: string;
  port: number;
  weight: number;
  /** Forwarding method (FWD.*); this driver uses MASQ. */
  fwd: number;
  upperThreshold: number;
  lowerThreshold: number;
}

/** A service as the kernel reports it; fwmark and IPv6 services have no usable ip. */
export interface KernelService extends ServiceSpec {
  af: number;
  protocolNumber: number;
  fwmark: number;
}

const protocolNumber = (p: Protocol): number => IPPROTO[p];

function serviceKeyAttrs(k: ServiceKey): Buffer[] {
  return [u16(IPVS_SVC_ATTR.AF, AF_INET), u16(IPVS_SVC_ATTR.PROTOCOL, protocolNumber(k.protocol)), attr(IPVS_SVC_ATTR.ADDR, addr16(k.ip)), u16be(IPVS_SVC_ATTR.PORT, k.port)];
}

/** IPVS_CMD_ATTR_SERVICE with only the key: for DEL_SERVICE, GET_DEST and the service part of dest commands. */
export const encodeServiceKey = (k: ServiceKey): Buffer => nested(IPVS_CMD_ATTR.SERVICE, serviceKeyAttrs(k));

/**
 * IPVS_CMD_ATTR_SERVICE with every field NEW_SERVICE/SET_SERVICE require (a "full entry": the kernel
 * rejects one without sched_name, flags, timeout and netmask with EINVAL).
 */
export function encodeService(s: ServiceSpec): Buffer {
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(s.flags >>> 0, 0);
  flags.writeUInt32LE(0xffffffff, 4); // mask: set every flag to the given value
  return nested(IPVS_CMD_ATTR.SERVICE, [
    ...serviceKeyAttrs(s),
    str(IPVS_SVC_ATTR.SCHED_NAME, s.scheduler),
    attr(IPVS_SVC_ATTR.FLAGS, flags),
    u32(IPVS_SVC_ATTR.TIMEOUT, s.timeout),
    u32(IPVS_SVC_ATTR.NETMASK, 0xffffffff),
  ]);
}

/** IPVS_CMD_ATTR_DEST, full entry (NEW_DEST / SET_DEST). */
export function encodeDest(d: DestSpec): Buffer {
  return nested(IPVS_CMD_ATTR.DEST, [
    attr(IPVS_DEST_ATTR.ADDR, addr16(d.ip)),
    u16be(IPVS_DEST_ATTR.PORT, d.port),
    u32(IPVS_DEST_ATTR.FWD_METHOD, d.fwd),
    u32(IPVS_DEST_ATTR.WEIGHT, d.weight),
    u32(IPVS_DEST_ATTR.U_THRESH, d.upperThreshold),
    u32(IPVS_DEST_ATTR.L_THRESH, d.lowerThreshold),
    u16(IPVS_DEST_ATTR.ADDR_FAMILY, AF_INET),
  ]);
}

/** IPVS_CMD_ATTR_DEST with only address and port (DEL_DEST). */
export const encodeDestKey = (d: { ip: string; port: number }): Buffer =>
  nested(IPVS_CMD_ATTR.DEST, [attr(IPVS_DEST_ATTR.ADDR, addr16(d.ip)), u16be(IPVS_DEST_ATTR.PORT, d.port)]);

const PROTOCOL_NAMES = new Map<number, Protocol>([
  [IPPROTO.tcp, 'tcp'],
  [IPPROTO.udp, 'udp'],
]);

/** One message of a GET_SERVICE dump (the payload after the genl header). */
export function parseServiceMessage(payload: Buffer): KernelService {
  const top = parseAttrs(payload);
  const svc = parseAttrs(need(top, IPVS_CMD_ATTR.SERVICE, 'a service attribute'));
  const af = readU16(need(svc, IPVS_SVC_ATTR.AF, 'the address family'));
  const fwmark = svc.get(IPVS_SVC_ATTR.FWMARK) ? readU32(svc.get(IPVS_SVC_ATTR.FWMARK)!) : 0;
  const protocolNumber = svc.get(IPVS_SVC_ATTR.PROTOCOL) ? readU16(svc.get(IPVS_SVC_ATTR.PROTOCOL)!) : 0;
  const addr = svc.get(IPVS_SVC_ATTR.ADDR);
  const port = svc.get(IPVS_SVC_ATTR.PORT);
  const flags = svc.get(IPVS_SVC_ATTR.FLAGS);
  return {
    af,
    fwmark,
    protocolNumber,
    protocol: PROTOCOL_NAMES.get(protocolNumber) ?? ('tcp' as Protocol),
    ip: af === AF_INET && addr && addr.length >= 4 ? ipv4.ipFromBytes(addr.subarray(0, 4)) : '',
    port: port && port.length >= 2 ? port.readUInt16BE(0) : 0,
    scheduler: svc.get(IPVS_SVC_ATTR.SCHED_NAME)?.toString('utf8').replace(/\0.*$/s, '') ?? '',
    flags: flags && flags.length >= 4 ? flags.readUInt32LE(0) : 0,
    timeout: svc.get(IPVS_SVC_ATTR.TIMEOUT) ? readU32(svc.get(IPVS_SVC_ATTR.TIMEOUT)!) : 0,
  };
}

/** One message of a GET_DEST dump. */
export function parseDestMessage(payload: Buffer): DestSpec & { af: number } {
  const top = parseAttrs(payload);
  const d = parseAttrs(need(top, IPVS_CMD_ATTR.DEST, 'a destination attribute'));
  const af = d.get(IPVS_DEST_ATTR.ADDR_FAMILY) ? readU16(d.get(IPVS_DEST_ATTR.ADDR_FAMILY)!) : AF_INET;
  const addr = need(d, IPVS_DEST_ATTR.ADDR, 'the destination address');
  return {
    af,
    ip: af === AF_INET ? ipv4.ipFromBytes(addr.subarray(0, 4)) : '',
    port: need(d, IPVS_DEST_ATTR.PORT, 'the destination port').readUInt16BE(0),
    fwd: d.get(IPVS_DEST_ATTR.FWD_METHOD) ? readU32(d.get(IPVS_DEST_ATTR.FWD_METHOD)!) & FWD_MASK : FWD.MASQ,
    weight: d.get(IPVS_DEST_ATTR.WEIGHT) ? readU32(d.get(IPVS_DEST_ATTR.WEIGHT)!) : 0,
    upperThreshold: d.get(IPVS_DEST_ATTR.U_THRESH) ? readU32(d.get(IPVS_DEST_ATTR.U_THRESH)!) : 0,
    lowerThreshold: d.get(IPVS_DEST_ATTR.L_THRESH) ? readU32(d.get(IPVS_DEST_ATTR.L_THRESH)!) : 0,
  };
}
