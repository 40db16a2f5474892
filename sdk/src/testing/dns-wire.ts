// Just enough DNS on the wire for the discovery conformance suite: one question out, rcode and A records
// back, over UDP or TCP (RFC 1035 §4). No dependency: a plugin author runs the suite with the SDK alone.
import * as dgram from 'node:dgram';
import * as net from 'node:net';

export interface DnsAnswer {
  rcode: number;
  /** IPv4 addresses of the A records in the answer section. */
  a: string[];
  /** Every answer record's type. */
  types: number[];
}

export const RCODE_NOERROR = 0;
export const RCODE_NXDOMAIN = 3;
export const TYPE_A = 1;

export function encodeQuery(id: number, name: string, type = TYPE_A): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const parts: Buffer[] = [Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'ascii'));
  parts.push(Buffer.from([0, type >> 8, type & 0xff, 0, 1]));
  return Buffer.concat(parts);
}

function skipName(buf: Buffer, off: number): number {
  for (;;) {
    const len = buf[off];
    if (len === undefined) throw new Error('truncated name');
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2;
    off += len + 1;
  }
}

export function decodeAnswer(buf: Buffer, id: number): DnsAnswer {
  if (buf.length < 12) throw new Error(`a DNS message of ${buf.length} bytes`);
  if (buf.readUInt16BE(0) !== id) throw new Error(`answer id ${buf.readUInt16BE(0)}, asked ${id}`);
  const flags = buf.readUInt16BE(2);
  if (!(flags & 0x8000)) throw new Error('not a response');
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let off = 12;
  for (let i = 0; i < qd; i++) off = skipName(buf, off) + 4;
  const out: DnsAnswer = { rcode: flags & 0x0f, a: [], types: [] };
  for (let i = 0; i < an; i++) {
    off = skipName(buf, off);
    const type = buf.readUInt16BE(off);
    const rdlen = buf.readUInt16BE(off + 8);
    const rdata = buf.subarray(off + 10, off + 10 + rdlen);
    out.types.push(type);
    if (type === TYPE_A && rdlen === 4) out.a.push([...rdata].join('.'));
    off += 10 + rdlen;
  }
  return out;
}

let nextId = 1;

/** One question over UDP to host:port; rejects after `ms` without an answer. */
export function queryUdp(host: string, port: number, name: string, ms = 3000): Promise<DnsAnswer> {
  const id = nextId++ & 0xffff;
  const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise<DnsAnswer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no UDP answer for ${name} from ${host}:${port} in ${ms} ms`)), ms);
    sock.on('error', (e) => (clearTimeout(timer), reject(e)));
    sock.on('message', (msg) => {
      clearTimeout(timer);
      try {
        resolve(decodeAnswer(msg, id));
      } catch (e) {
        reject(e);
      }
    });
    sock.send(encodeQuery(id, name), port, host);
  }).finally(() => sock.close());
}

/** One question over TCP (2-byte length framing). */
export function queryTcp(host: string, port: number, name: string, ms = 3000): Promise<DnsAnswer> {
  const id = nextId++ & 0xffff;
  return new Promise<DnsAnswer>((resolve, reject) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => (sock.destroy(), reject(new Error(`no TCP answer for ${name} from ${host}:${port} in ${ms} ms`))), ms);
    let buf = Buffer.alloc(0);
    sock.on('error', (e) => (clearTimeout(timer), reject(e)));
    sock.on('connect', () => {
      const q = encodeQuery(id, name);
      const frame = Buffer.alloc(q.length + 2);
      frame.writeUInt16BE(q.length, 0);
      q.copy(frame, 2);
      sock.write(frame);
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2 || buf.length < buf.readUInt16BE(0) + 2) return;
      clearTimeout(timer);
      sock.destroy();
      try {
        resolve(decodeAnswer(buf.subarray(2, buf.readUInt16BE(0) + 2), id));
      } catch (e) {
        reject(e);
      }
    });
  });
}
