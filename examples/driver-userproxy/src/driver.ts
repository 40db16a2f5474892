// The CPI implementation: the service table lives in memory; every TCP entry gets a listener (see
// proxy.ts). setTable checks the table first (a bad entry is left out and reported, the rest goes on),
// opens the listeners it lacks (rolling them back if one cannot listen), then closes the ones no longer
// wanted and updates the rest in place.
import {
  LbError,
  checkServiceTable,
  describeSkipped,
  type DriverInfo,
  type DriverLogger,
  type FieldError,
  type ProbeResult,
  type ProxyDriver,
  type VirtualService,
} from '@lastbackend/sdk';
import type { UserproxyConfig } from './config';
import { ServiceListener } from './proxy';

/**
 * The table with every bad entry left out and named (the SDK's check: bad IPs, ports outside 1..65535,
 * unknown protocol or scheduler, repeats). One bad entry costs that entry only.
 */
export function checkTable(services: unknown): { table: VirtualService[]; skipped: FieldError[] } {
  const { entries, skipped } = checkServiceTable(services);
  return { table: entries, skipped };
}

const copy = (t: VirtualService[]): VirtualService[] => t.map((s) => ({ ...s, backends: s.backends.map((b) => ({ ...b })) }));

/** Turns a listen() failure into a coded error that says what to do. */
function listenError(e: unknown, host: string, port: number, bind: string): LbError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'EADDRNOTAVAIL')
    return new LbError('FAILED_PRECONDITION', `cannot listen on ${where}: not an address of this host`, {
      fix: bind === 'vip' ? `add the VIP to an interface (ip addr add ${host}/32 dev lo) or set the driver's bind to an address of this host` : `set bind to an address of this host`,
    });
  if (code === 'EACCES') return new LbError('FAILED_PRECONDITION', `cannot listen on ${where}: permission denied`, { fix: 'run the agent with CAP_NET_BIND_SERVICE for ports below 1024' });
  if (code === 'EADDRINUSE') return new LbError('CONFLICT', `cannot listen on ${where}: address already in use by another process`);
  return new LbError('UNAVAILABLE', `cannot listen on ${where}: ${msg}`);
}

export class UserProxy implements ProxyDriver {
  private table: VirtualService[] = [];
  /** TCP listeners by listen address and port. */
  private readonly listeners = new Map<string, ServiceListener>();
  /** setTable calls run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** Entries the last setTable left out, for probe(): the node's driver state shows them. */
  private skipped: FieldError[] = [];

  constructor(
    private readonly config: UserproxyConfig,
    private readonly logger: DriverLogger,
    /** Identity from the package (DriverContext.info). */
    private readonly about: DriverInfo,
  ) {}

  info(): DriverInfo {
    return this.about;
  }

  async probe(): Promise<ProbeResult> {
    if (this.disposed) return { state: 'error', message: 'the driver was disposed' };
    return this.skipped.length ? { state: 'ready', message: `service table: ${describeSkipped(this.skipped)}` } : { state: 'ready' };
  }

  setTable(services: VirtualService[]): Promise<void> {
    const run = this.queue.then(() => this.apply(services));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async list(): Promise<VirtualService[]> {
    return copy(this.table);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.queue;
    for (const l of this.listeners.values()) l.destroy();
    this.listeners.clear();
    this.table = [];
  }

  private listenHost(s: VirtualService): string {
    return this.config.bind === 'vip' ? s.ip : this.config.bind;
  }

  private async apply(services: VirtualService[]): Promise<void> {
    if (this.disposed) throw new LbError('FAILED_PRECONDITION', 'the userproxy driver was disposed');
    const checked = checkTable(services);
    const skipped = checked.skipped;
    // What each listener should serve. With a fixed bind address, two TCP services on one port collide:
    // the first keeps the port, the other is left out like a bad entry.
    const wanted = new Map<string, VirtualService>();
    const table = checked.table.filter((s) => {
      if (s.protocol !== 'tcp') return true; // UDP: kept in the table, not proxied (see README)
      const host = this.listenHost(s);
      const key = `${host}|${s.port}`;
      const other = wanted.get(key);
      if (other) {
        skipped.push({ field: 'services', reason: `${s.ip}:${s.port}/tcp would listen on ${host}:${s.port} (bind ${this.config.bind}), taken by ${other.ip}:${other.port}/tcp` });
        return false;
      }
      wanted.set(key, s);
      return true;
    });
    if (skipped.length) this.logger.warn(`service table: ${describeSkipped(skipped)}`, { skipped });

    // Open what is missing; if one fails, close the ones just opened and leave everything as it was.
    const opened: [string, ServiceListener][] = [];
    for (const [key, s] of wanted) {
      if (this.listeners.has(key)) continue;
      const l = new ServiceListener(this.listenHost(s), s.port, this.logger);
      try {
        await l.listen();
      } catch (e) {
        for (const [, o] of opened) o.close();
        throw listenError(e, l.host, l.port, this.config.bind);
      }
      opened.push([key, l]);
    }
    for (const [key, l] of opened) this.listeners.set(key, l);

    // Close what is no longer wanted (open connections finish), update the rest in place.
    for (const [key, l] of this.listeners) {
      const s = wanted.get(key);
      if (!s) {
        l.close();
        this.listeners.delete(key);
      } else l.balancer.set(s.scheduler ?? 'rr', s.backends);
    }
    this.table = table;
    this.skipped = skipped;
    this.logger.debug('userproxy service table applied', { services: table.length, listeners: this.listeners.size, opened: opened.length });
  }
}
