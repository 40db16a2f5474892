import { randomInt } from 'node:crypto';
import * as dgram from 'node:dgram';
import { isIP, Socket } from 'node:net';
import * as packet from 'dns-packet';
import type { Upstream } from './resolv';

export interface ForwarderOptions {
  upstreams: Upstream[];
  /** Per-upstream timeout. */
  timeoutMs: number;
  /** Queries forwarded at once; beyond it the server answers SERVFAIL at once. */
  maxInflight: number;
}

/** Largest message accepted from an upstream over TCP. */
const MAX_TCP_RESPONSE = 65535;

function sameQuestion(a: packet.Question | undefined, b: packet.Question | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.name.toLowerCase() === b.name.toLowerCase() && a.type === b.type;
}

function withId(buf: Buffer, id: number): Buffer {
  const out = Buffer.from(buf);
  out.writeUInt16BE(id, 0);
  return out;
}

/** Relays queries for names outside the zone to upstream resolvers, trying them in order. */
export class Forwarder {
  private readonly closers = new Set<() => void>();
  private closed = false;

  constructor(private readonly opts: ForwarderOptions) {}

  get upstreams(): readonly Upstream[] {
    return this.opts.upstreams;
  }

  /**
   * Forwards a UDP query. The upstream sees a fresh random id on a fresh ephemeral port; the answer
   * carries the client's id again. `null` when no upstream gave a matching answer.
   */
  async forwardUdp(query: Buffer, req: packet.DecodedPacket): Promise<Buffer | null> {
    if (!this.admit()) return null;
    for (const up of this.opts.upstreams) {
      if (this.closed) return null;
      const res = await this.udpOnce(up, query, req);
      if (res) return res;
    }
    return null;
  }

  /** Forwards a TCP query over TCP (RFC 1035 length framing). */
  async forwardTcp(query: Buffer, req: packet.DecodedPacket): Promise<Buffer | null> {
    if (!this.admit()) return null;
    for (const up of this.opts.upstreams) {
      if (this.closed) return null;
      const res = await this.tcpOnce(up, query, req);
      if (res) return res;
    }
    return null;
  }

  /** Aborts every forward in flight; they resolve to null. */
  close(): void {
    this.closed = true;
    for (const c of [...this.closers]) c();
  }

  private admit(): boolean {
    return !this.closed && this.opts.upstreams.length > 0 && this.closers.size < this.opts.maxInflight;
  }

  private udpOnce(up: Upstream, query: Buffer, req: packet.DecodedPacket): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const clientId = req.id ?? 0;
      const upstreamId = randomInt(0, 65536);
      const sock = dgram.createSocket(isIP(up.host) === 6 ? 'udp6' : 'udp4');
      let done = false;
      const finish = (res: Buffer | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.closers.delete(cancel);
        try {
          sock.close();
        } catch {
          /* already closed */
        }
        resolve(res);
      };
      const cancel = (): void => finish(null);
      this.closers.add(cancel);
      const timer = setTimeout(cancel, this.opts.timeoutMs);
      sock.on('error', cancel); // e.g. ICMP port unreachable on the connected socket
      sock.on('message', (msg) => {
        let res: packet.DecodedPacket;
        try {
          res = packet.decode(msg);
        } catch {
          return; // garbage: keep waiting for a real answer until the timeout
        }
        if (res.id !== upstreamId || res.type !== 'response') return;
        if (!sameQuestion(res.questions?.[0], req.questions?.[0])) return;
        finish(withId(msg, clientId));
      });
      // connect(): only datagrams from this upstream are delivered, and ICMP errors surface.
      sock.connect(up.port, up.host, () => {
        if (done) return;
        sock.send(withId(query, upstreamId), (err) => {
          if (err) cancel();
        });
      });
    });
  }

  private tcpOnce(up: Upstream, query: Buffer, req: packet.DecodedPacket): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const sock = new Socket();
      let buf: Buffer = Buffer.alloc(0);
      let done = false;
      const finish = (res: Buffer | null): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.closers.delete(cancel);
        sock.destroy();
        resolve(res);
      };
      const cancel = (): void => finish(null);
      this.closers.add(cancel);
      const timer = setTimeout(cancel, this.opts.timeoutMs);
      sock.on('error', cancel);
      sock.on('close', cancel);
      sock.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length > MAX_TCP_RESPONSE + 2) return cancel();
        while (buf.length >= 2) {
          const len = buf.readUInt16BE(0);
          if (buf.length < len + 2) return;
          const msg = buf.subarray(2, len + 2);
          buf = buf.subarray(len + 2);
          let res: packet.DecodedPacket;
          try {
            res = packet.decode(msg);
          } catch {
            return cancel();
          }
          if (res.id === req.id && res.type === 'response' && sameQuestion(res.questions?.[0], req.questions?.[0])) {
            return finish(Buffer.from(msg));
          }
        }
      });
      sock.connect(up.port, up.host, () => {
        const frame = Buffer.alloc(2 + query.length);
        frame.writeUInt16BE(query.length, 0);
        query.copy(frame, 2);
        sock.write(frame);
      });
    });
  }
}
