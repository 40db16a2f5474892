import * as dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns/promises';
import * as net from 'node:net';
import * as packet from 'dns-packet';
import { ipv4, type DriverLogger } from '@lastbackend/sdk';
import { AnswerCache, type AnswerStore } from './answer-cache';
import { Forwarder } from './forward';
import { NativeUdp } from './native-udp';
import { defaultUpstreams, isSelf, parseUpstream, type Upstream } from './resolv';
import { Zone, type DiscoveryRecords, type ZoneAnswer } from './zone';

export interface DiscoveryOptions {
  /** Zone apex; default 'lb.local'. */
  suffix?: string;
  /** Resolvers for names outside the zone ('ip', 'ip:port', '[ipv6]:port'); default: /etc/resolv.conf nameservers minus our own listen address. */
  upstreams?: string[];
  /** TTL of answers (and negative answers); default 5 s. */
  ttl?: number;
  logger?: DriverLogger;
  /** Per-upstream forwarding timeout; default 2000 ms. */
  forwardTimeoutMs?: number;
  /** Idle timeout of a client TCP connection; default 10000 ms. */
  tcpIdleTimeoutMs?: number;
  /**
   * IPv4 networks whose hosts get answers, besides loopback (always): the pods' subnets, given by the
   * embedder. Anyone else gets REFUSED and nothing is forwarded for them: not an open resolver. Default none.
   */
  allowFrom?: string[];
  /**
   * Serve UDP from the native thread (native/udp-answers.c: repeated zone queries answered in batches,
   * without JavaScript) where its addon is built and the address is IPv4; default true. false: node:dgram.
   */
  udpThread?: boolean;
}

/** Largest query accepted (UDP datagram or TCP frame); larger ones are dropped / the connection closed. */
const MAX_QUERY = 4096;
/** UDP response ceiling whatever EDNS buffer size the client advertises. */
const MAX_UDP_RESPONSE = 4096;
/** Our advertised EDNS buffer size (the DNS flag day 2020 value). */
const EDNS_SIZE = 1232;
const MAX_TCP_CONNECTIONS = 256;
const MAX_TCP_PENDING = 32;
const MAX_FORWARD_INFLIGHT = 1024;
const MAX_TCP_MESSAGE = 65535;

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
type Rcode = keyof typeof RCODE;

/**
 * The UDP socket only ever sends to the address a query came from: a literal the kernel reported, handed
 * back as it is. dns.lookup would defer even a literal to the next tick, and net.isIP costs a regular
 * expression per answer.
 */
const sourceLookup = (address: string, family: unknown, cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void =>
  cb(null, address, family === 6 ? 6 : 4);

/** Sources remembered by the UDP path's verdict memo before it starts again empty. */
const MAX_REMEMBERED_SOURCES = 4096;

const noopLogger: DriverLogger = { debug() {}, info() {}, warn() {}, error() {} };

type Transport = 'udp' | 'tcp';

/** The UDP socket a query came in on, which its answer goes out of. */
type UdpSocket = dgram.Socket | NativeUdp;

/**
 * Service discovery DNS: authoritative for `<suffix>` (built from services and pods with setRecords),
 * forwarding everything else to upstream resolvers. UDP and TCP on one host:port. Only loopback and the
 * `allowFrom` networks get answers; other sources get REFUSED (an open resolver would serve the world).
 */
export class DiscoveryServer {
  private readonly suffix: string;
  private readonly ttl: number;
  private readonly log: DriverLogger;
  private readonly forwardTimeoutMs: number;
  private readonly tcpIdleTimeoutMs: number;
  private zone: Zone;
  private serial = Math.floor(Date.now() / 1000) >>> 0;
  /** The UDP socket: node:dgram's, or the native thread's (one of the two, while listening). */
  private udp?: UdpSocket;
  private tcp?: net.Server;
  private readonly conns = new Set<net.Socket>();
  private forwarder?: Forwarder;
  private allowed: ipv4.Cidr[] = [];
  /** isAllowedSource by UDP source address (a pod asks again and again); emptied with the networks. */
  private readonly verdicts = new Map<string, boolean>();
  /** Encoded UDP zone answers by query (bytes after the ID) for node:dgram; dropped whenever the zone is replaced. */
  private readonly cache = new AnswerCache();
  /** Where zone answers are stored: the cache, or the native thread, which answers repeats itself. */
  private answers: AnswerStore = this.cache;

  constructor(private readonly opts: DiscoveryOptions = {}) {
    this.suffix = opts.suffix ?? 'lb.local';
    this.ttl = opts.ttl ?? 5;
    if (!Number.isFinite(this.ttl) || this.ttl < 0) throw new Error(`invalid ttl ${opts.ttl}`);
    this.log = opts.logger ?? noopLogger;
    this.forwardTimeoutMs = opts.forwardTimeoutMs ?? 2000;
    this.tcpIdleTimeoutMs = opts.tcpIdleTimeoutMs ?? 10000;
    this.setAllowedSources(opts.allowFrom ?? []);
    // Validates the suffix now, so a bad one fails at construction.
    this.zone = new Zone({ services: [], pods: [] }, { suffix: this.suffix, ttl: this.ttl, serial: this.serial });
  }

  /** Binds UDP and TCP on host:port (port 0: one ephemeral number for both); a host name is resolved once, here. */
  async listen(name: string, port: number): Promise<{ port: number }> {
    if (this.udp || this.tcp) throw new Error('discovery DNS is already listening');
    // The UDP socket's lookup takes literals only (sourceLookup).
    const host = net.isIP(name) ? name : (await dnsLookup(name)).address;
    const attempts = port === 0 ? 20 : 1;
    let lastErr: unknown;
    for (let i = 0; i < attempts; i++) {
      const native: NativeUdp | undefined =
        this.opts.udpThread === false ? undefined : NativeUdp.bind(host, port, (msg, address, from) => this.onDatagram(msg, address, from, native!));
      const udp = native ?? (await this.bindDgram(host, port));
      const actual = udp instanceof NativeUdp ? udp.port : udp.address().port;
      const tcp = net.createServer({ pauseOnConnect: false }, (s) => this.onConnection(s));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ host, port: actual, exclusive: true }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        lastErr = e;
        udp.close();
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' && port === 0) continue;
        throw e;
      }
      if (udp instanceof NativeUdp) {
        udp.allow(this.allowed);
        this.answers = udp;
      } else {
        udp.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo.address, rinfo.port, udp));
      }
      tcp.on('error', (err) => this.log.error('discovery DNS TCP server error', { error: String(err) }));
      tcp.maxConnections = MAX_TCP_CONNECTIONS;
      this.udp = udp;
      this.tcp = tcp;
      this.forwarder = new Forwarder({
        upstreams: this.resolveUpstreams(host, actual),
        timeoutMs: this.forwardTimeoutMs,
        maxInflight: MAX_FORWARD_INFLIGHT,
      });
      this.log.info('discovery DNS listening', {
        host,
        port: actual,
        udp: udp instanceof NativeUdp ? 'native thread' : 'node:dgram',
        suffix: this.suffix,
        upstreams: this.forwarder.upstreams.map((u) => `${u.host}:${u.port}`),
      });
      return { port: actual };
    }
    throw lastErr instanceof Error ? lastErr : new Error('could not bind UDP and TCP on one port');
  }

  private async bindDgram(host: string, port: number): Promise<dgram.Socket> {
    const udp = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', lookup: sourceLookup });
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      udp.close();
      throw e;
    }
    udp.on('error', (err) => this.log.error('discovery DNS UDP socket error', { error: String(err) }));
    return udp;
  }

  /** Replaces the whole zone; the next query sees the new records. Invalid entries are skipped and logged. */
  setRecords(records: DiscoveryRecords): void {
    this.serial = (this.serial + 1) >>> 0;
    const zone = new Zone(records, { suffix: this.suffix, ttl: this.ttl, serial: this.serial });
    if (zone.warnings.length > 0) {
      this.log.warn('discovery DNS skipped invalid records', {
        count: zone.warnings.length,
        first: zone.warnings.slice(0, 10),
      });
    }
    this.zone = zone;
    this.answers.forget();
  }

  /** Replaces the networks whose hosts get answers (besides loopback); the next query sees them. */
  setAllowedSources(cidrs: string[]): void {
    this.allowed = cidrs.map((c) => {
      const parsed = ipv4.tryParseCidr(c);
      if (!parsed) throw new Error(`allowFrom: ${JSON.stringify(c)} is not an IPv4 network such as 10.210.0.0/24`);
      return parsed;
    });
    this.verdicts.clear();
    if (this.udp instanceof NativeUdp) this.udp.allow(this.allowed);
  }

  /** Loopback, or an IPv4 address inside an allowed network (IPv4-mapped IPv6 as its IPv4 address). */
  isAllowedSource(address: string): boolean {
    const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
    if (v4 === '::1') return true;
    if (!net.isIPv4(v4)) return false;
    if (v4.startsWith('127.')) return true;
    return this.allowed.some((c) => ipv4.contains(c, v4));
  }

  /** Queries the native UDP thread answered itself and handed over; undefined while it does not serve UDP. */
  udpThreadStats(): { answered: number; handed: number } | undefined {
    return this.udp instanceof NativeUdp ? this.udp.stats() : undefined;
  }

  async close(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    this.answers = this.cache;
    this.forwarder?.close();
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    await Promise.all([
      udp instanceof NativeUdp ? udp.close() : udp ? new Promise<void>((r) => udp.close(() => r())) : undefined,
      tcp ? new Promise<void>((r) => tcp.close(() => r())) : undefined,
    ]);
  }

  /**
   * One DNS message in, the response out (null: send nothing). Never throws for bad input.
   * Exposed for tests and embedding; the sockets call it.
   */
  async handle(msg: Buffer, transport: Transport): Promise<Buffer | null> {
    return this.answer(msg, transport, false);
  }

  /** handle(), storing a zone answer for repeats when `remember` (UDP only: TCP answers have another size limit). */
  private async answer(msg: Buffer, transport: Transport, remember: boolean): Promise<Buffer | null> {
    if (msg.length < 12 || msg.length > MAX_QUERY) return null;
    // The header is readable: 12 fixed bytes. Never answer a response (no reflection loops).
    const id = msg.readUInt16BE(0);
    const hflags = msg.readUInt16BE(2);
    if (hflags & 0x8000) return null;
    const opcodeBits = hflags & 0x7800;
    const rd = hflags & packet.RECURSION_DESIRED;

    let req: packet.DecodedPacket;
    try {
      req = packet.decode(msg);
    } catch {
      this.log.debug('discovery DNS: malformed query', { transport, bytes: msg.length });
      return this.encodeError(id, opcodeBits | rd, 'FORMERR');
    }
    const opcode = (req as { opcode?: string }).opcode;
    const questions = req.questions ?? [];
    const opt = (req.additionals ?? []).find((a): a is packet.OptAnswer => a.type === 'OPT');
    if (opcode !== 'QUERY') return this.encodeError(id, opcodeBits | rd, 'NOTIMP', questions, opt);
    if (questions.length !== 1) return this.encodeError(id, rd, 'FORMERR', [], opt);
    const q = questions[0];

    let zoneAnswer: ZoneAnswer | null;
    try {
      zoneAnswer = this.zone.resolve(q);
    } catch (e) {
      this.log.error('discovery DNS: zone lookup failed', { error: String(e) });
      return this.encodeError(id, rd, 'SERVFAIL', questions, opt);
    }
    if (zoneAnswer === null) return this.forward(msg, req, transport, opt);

    const flags = packet.AUTHORITATIVE_ANSWER | rd | packet.RECURSION_AVAILABLE | RCODE[zoneAnswer.rcode];
    const res: packet.Packet = {
      type: 'response',
      id,
      flags,
      questions: [q],
      answers: zoneAnswer.answers,
      authorities: zoneAnswer.authorities,
      additionals: [...zoneAnswer.additionals, ...(opt ? [this.opt()] : [])],
    };
    const out = this.encodeSized(res, transport, opt);
    if (out && remember) this.answers.remember(msg, out);
    return out;
  }

  /**
   * The answer to a client that is not allowed: REFUSED with its question, never a lookup or a forward.
   * No larger than the query, so it cannot amplify a spoofed one; responses and junk get nothing.
   */
  refuse(msg: Buffer): Buffer | null {
    if (msg.length < 12 || msg.length > MAX_QUERY) return null;
    const id = msg.readUInt16BE(0);
    const hflags = msg.readUInt16BE(2);
    if (hflags & 0x8000) return null;
    const flags = (hflags & 0x7800) | (hflags & packet.RECURSION_DESIRED);
    let questions: packet.Question[] = [];
    try {
      const q = packet.decode(msg).questions ?? [];
      if (q.length === 1) questions = q;
    } catch {
      /* the header alone is enough to refuse */
    }
    const base = { type: 'response' as const, id, flags: flags | RCODE.REFUSED };
    try {
      const out = packet.encode({ ...base, questions });
      return out.length <= msg.length ? out : packet.encode(base);
    } catch {
      return null;
    }
  }

  private async forward(
    msg: Buffer,
    req: packet.DecodedPacket,
    transport: Transport,
    opt: packet.OptAnswer | undefined,
  ): Promise<Buffer | null> {
    const rd = (req.flags ?? 0) & packet.RECURSION_DESIRED;
    const fwd = this.forwarder;
    let res: Buffer | null = null;
    if (fwd) {
      try {
        res = transport === 'udp' ? await fwd.forwardUdp(msg, req) : await fwd.forwardTcp(msg, req);
      } catch (e) {
        this.log.warn('discovery DNS: forwarding failed', { error: String(e) });
      }
    }
    if (res) return res;
    this.log.debug('discovery DNS: no upstream answered', { name: req.questions?.[0]?.name });
    return this.encodeError(req.id ?? 0, rd, 'SERVFAIL', req.questions ?? [], opt);
  }

  private opt(): packet.OptAnswer {
    return { type: 'OPT', name: '.', udpPayloadSize: EDNS_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
  }

  private encodeError(
    id: number,
    flags: number,
    rcode: Rcode,
    questions: packet.Question[] = [],
    opt?: packet.OptAnswer,
  ): Buffer | null {
    const base = { type: 'response' as const, id, flags: flags | packet.RECURSION_AVAILABLE | RCODE[rcode] };
    try {
      return packet.encode({ ...base, questions, additionals: opt ? [this.opt()] : [] });
    } catch {
      try {
        return packet.encode(base); // e.g. a question dns-packet cannot re-encode
      } catch {
        return null;
      }
    }
  }

  /** Encodes a response, truncating it (TC, empty sections) when it exceeds what the transport allows. */
  private encodeSized(res: packet.Packet, transport: Transport, opt: packet.OptAnswer | undefined): Buffer | null {
    let buf: Buffer;
    try {
      buf = packet.encode(res);
    } catch (e) {
      this.log.error('discovery DNS: cannot encode response', { error: String(e) });
      return this.encodeError(res.id ?? 0, (res.flags ?? 0) & packet.RECURSION_DESIRED, 'SERVFAIL', res.questions, opt);
    }
    const limit =
      transport === 'tcp' ? MAX_TCP_MESSAGE : opt ? Math.max(512, Math.min(opt.udpPayloadSize, MAX_UDP_RESPONSE)) : 512;
    if (buf.length <= limit) return buf;
    try {
      return packet.encode({
        ...res,
        flags: (res.flags ?? 0) | packet.TRUNCATED_RESPONSE,
        answers: [],
        authorities: [],
        additionals: opt ? [this.opt()] : [],
      });
    } catch {
      return null;
    }
  }

  private refused(msg: Buffer, transport: Transport, source: string): Buffer | null {
    this.log.debug('discovery DNS: refused a client outside the pod networks', { transport, source });
    return this.refuse(msg);
  }

  private resolveUpstreams(host: string, port: number): Upstream[] {
    if (this.opts.upstreams === undefined) return defaultUpstreams(host, port);
    const out: Upstream[] = [];
    for (const spec of this.opts.upstreams) {
      let up: Upstream;
      try {
        up = parseUpstream(spec);
      } catch (e) {
        this.log.warn('discovery DNS: ignoring upstream', { upstream: spec, error: String(e) });
        continue;
      }
      if (isSelf(up, host, port)) {
        this.log.warn('discovery DNS: ignoring upstream that is this server (forwarding loop)', { upstream: spec });
        continue;
      }
      out.push(up);
    }
    return out;
  }

  /** A UDP datagram from address:port on `udp` (the native thread hands over only those it did not answer). */
  private onDatagram(msg: Buffer, address: string, port: number, udp: UdpSocket): void {
    let allowed = this.verdicts.get(address);
    if (allowed === undefined) {
      if (this.verdicts.size >= MAX_REMEMBERED_SOURCES) this.verdicts.clear();
      this.verdicts.set(address, (allowed = this.isAllowedSource(address)));
    }
    // The hot path of node:dgram: a query answered before from this zone is answered now, synchronously,
    // from its bytes.
    const hit = allowed && this.answers === this.cache ? this.cache.get(msg) : undefined;
    if (hit) return this.send(udp, hit, address, port);
    const answer = allowed ? this.answer(msg, 'udp', true) : Promise.resolve(this.refused(msg, 'udp', address));
    answer.then(
      (res) => {
        if (res) this.send(udp, res, address, port);
      },
      (e) => this.log.error('discovery DNS: query failed', { error: String(e) }),
    );
  }

  /** Sends an answer on the socket the query came in on, unless that socket was closed meanwhile. */
  private send(udp: UdpSocket, res: Buffer, address: string, port: number): void {
    if (udp !== this.udp) return;
    try {
      // No callback: Node then tries a synchronous send first, with no completion to call back per answer.
      // A failed send is a lost answer either way (the client asks again); it was only ever logged at debug.
      if (udp instanceof NativeUdp) udp.send(res, address, port);
      else udp.send(res, port, address);
    } catch {
      /* socket closed meanwhile */
    }
  }

  private onConnection(sock: net.Socket): void {
    if (!this.tcp || this.conns.size >= MAX_TCP_CONNECTIONS) {
      sock.destroy();
      return;
    }
    // Decided once per connection: its source cannot change.
    const allowed = this.isAllowedSource(sock.remoteAddress ?? '');
    const source = sock.remoteAddress ?? '';
    this.conns.add(sock);
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setNoDelay(true);
    sock.setTimeout(this.tcpIdleTimeoutMs, () => sock.destroy());
    let buf: Buffer = Buffer.alloc(0);
    let pending = 0;
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (len < 12 || len > MAX_QUERY || pending >= MAX_TCP_PENDING) {
          // Unframeable garbage or a flood: nothing sensible to answer; drop the connection.
          sock.destroy();
          return;
        }
        if (buf.length < len + 2) return;
        const msg = Buffer.from(buf.subarray(2, len + 2));
        buf = buf.subarray(len + 2);
        pending++;
        (allowed ? this.handle(msg, 'tcp') : Promise.resolve(this.refused(msg, 'tcp', source)))
          .then(
            (res) => {
              if (!res || sock.destroyed || res.length > MAX_TCP_MESSAGE) return;
              const frame = Buffer.alloc(res.length + 2);
              frame.writeUInt16BE(res.length, 0);
              res.copy(frame, 2);
              sock.write(frame);
            },
            (e) => this.log.error('discovery DNS: query failed', { error: String(e) }),
          )
          .finally(() => pending--);
      }
    });
  }
}
