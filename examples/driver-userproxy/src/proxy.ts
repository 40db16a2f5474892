// One TCP listener and its backends: accepts connections and pipes each one to a backend picked by the
// service's scheduler. Backends are replaced in place; connections already open are left alone.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { DriverLogger, VirtualService } from '@lastbackend/sdk';

type Backend = VirtualService['backends'][number];
export type Scheduler = NonNullable<VirtualService['scheduler']>;

/** How long a backend may take to accept a connection before the client's connection is closed. */
const CONNECT_TIMEOUT_MS = 5000;

const keyOf = (b: { ip: string; port: number }): string => `${b.ip.includes(':') ? `[${b.ip}]` : b.ip}:${b.port}`;

interface Slot {
  key: string;
  ip: string;
  port: number;
  weight: number;
  /** Connections open to this backend through this listener (lc). */
  active: number;
  /** Smooth weighted round-robin state (wrr). */
  current: number;
}

/** Picks backends: rr in turn, wrr in proportion to weight (smooth, like nginx), lc the fewest open per weight. */
export class Balancer {
  private slots: Slot[] = [];
  private next = 0;
  private scheduler: Scheduler = 'rr';

  set(scheduler: Scheduler, backends: Backend[]): void {
    const old = new Map(this.slots.map((s) => [s.key, s]));
    this.scheduler = scheduler;
    // A backend that stays keeps its slot object: connections open to it release their count on it.
    this.slots = backends.map((b) => {
      const key = keyOf(b);
      const slot = old.get(key) ?? { key, ip: b.ip, port: b.port, weight: 1, active: 0, current: 0 };
      slot.weight = b.weight ?? 1;
      slot.current = 0;
      return slot;
    });
    this.next = this.slots.length ? this.next % this.slots.length : 0;
  }

  /** A backend for a new connection, or undefined when none can take one (none, or all weight 0). */
  pick(): Slot | undefined {
    const live = this.slots.filter((s) => s.weight > 0);
    if (!live.length) return undefined;
    switch (this.scheduler) {
      case 'wrr': {
        const total = live.reduce((n, s) => n + s.weight, 0);
        let best = live[0];
        for (const s of live) {
          s.current += s.weight;
          if (s.current > best.current) best = s;
        }
        best.current -= total;
        return best;
      }
      case 'lc': {
        // Fewest open connections per unit of weight; ties go round-robin so idle backends share the load.
        const start = this.next++ % live.length;
        let best = live[start];
        for (let i = 1; i < live.length; i++) {
          const s = live[(start + i) % live.length];
          if (s.active * best.weight < best.active * s.weight) best = s;
        }
        return best;
      }
      default:
        return live[this.next++ % live.length];
    }
  }
}

/** A listening socket for one (listen address, port) and the connections it proxies. */
export class ServiceListener {
  readonly balancer = new Balancer();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly logger: DriverLogger,
  ) {
    this.server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => this.accept(client));
  }

  /** Resolves once listening; rejects with the system error (EADDRNOTAVAIL, EADDRINUSE, EACCES…). */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen({ host: this.host, port: this.port, exclusive: true }, () => {
        this.server.off('error', onError);
        this.server.on('error', (e) => this.logger.warn('userproxy listener error', { host: this.host, port: this.port, error: e.message }));
        resolve();
      });
    });
  }

  /** Stops accepting; connections already open finish on their own. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
  }

  /** Stops accepting and cuts every open connection. */
  destroy(): void {
    this.close();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  private accept(client: Socket): void {
    const slot = this.balancer.pick();
    if (!slot) {
      client.destroy(); // no backends: accept and close at once
      return;
    }
    this.track(client);
    slot.active++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      slot.active--;
    };
    const upstream = connect({ host: slot.ip, port: slot.port, allowHalfOpen: true });
    this.track(upstream);
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error(`connect to ${slot.key} timed out`)));
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      // Half-open on both sides: a client's FIN reaches the backend and the answer still comes back.
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', (e) => {
      this.logger.debug('userproxy backend connection failed', { backend: slot.key, error: e.message });
      client.destroy();
    });
    client.on('error', () => upstream.destroy());
    upstream.once('close', () => {
      release();
      client.destroy();
    });
    client.once('close', () => {
      release();
      upstream.destroy();
    });
  }
}
