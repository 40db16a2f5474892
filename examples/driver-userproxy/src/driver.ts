// The CPI implementation: the service table lives in memory; every TCP entry gets a listener (see
// proxy.ts). setTable validates the whole table first, opens the listeners it lacks (rolling them back
// if one cannot listen), then closes the ones no longer wanted and updates the rest in place.
import { isIP } from 'node:net';
import {
  DRIVER_API_VERSION,
  LbError,
  type DriverInfo,
  type DriverLogger,
  type FieldError,
  type ProbeResult,
  type ProxyDriver,
  type VirtualService,
} from '@lastbackend/sdk';
import type { UserproxyConfig } from './config';
import { ServiceListener, type Scheduler } from './proxy';

export const DRIVER_NAME = 'userproxy';

const PROTOCOLS = ['tcp', 'udp'];
const SCHEDULERS = ['rr', 'wrr', 'lc'];

const isPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;

/** A deep copy of the table, or LbError INVALID_ARGUMENT naming every bad field. */
export function validateTable(services: unknown): VirtualService[] {
  const fields: FieldError[] = [];
  const bad = (field: string, reason: string) => fields.push({ field, reason });
  if (!Array.isArray(services)) throw new LbError('INVALID_ARGUMENT', 'invalid service table: not a list', { fields: [{ field: '', reason: 'not a list' }] });
  const seen = new Set<string>();
  const out: VirtualService[] = [];
  services.forEach((raw: unknown, i) => {
    const at = `services.${i}`;
    if (typeof raw !== 'object' || raw === null) return void bad(at, 'not an object');
    const s = raw as Partial<Record<keyof VirtualService, unknown>>;
    if (typeof s.ip !== 'string' || !isIP(s.ip)) bad(`${at}.ip`, `not an IP address: ${JSON.stringify(s.ip)}`);
    if (!isPort(s.port)) bad(`${at}.port`, `not a port (1..65535): ${JSON.stringify(s.port)}`);
    if (typeof s.protocol !== 'string' || !PROTOCOLS.includes(s.protocol)) bad(`${at}.protocol`, `not tcp or udp: ${JSON.stringify(s.protocol)}`);
    if (s.scheduler !== undefined && (typeof s.scheduler !== 'string' || !SCHEDULERS.includes(s.scheduler)))
      bad(`${at}.scheduler`, `not rr, wrr or lc: ${JSON.stringify(s.scheduler)}`);
    const key = `${String(s.ip)}:${String(s.port)}/${String(s.protocol)}`;
    if (seen.has(key)) bad(at, `duplicate service ${key}`);
    seen.add(key);
    const backends: VirtualService['backends'] = [];
    if (!Array.isArray(s.backends)) bad(`${at}.backends`, 'not a list');
    else {
      const seenB = new Set<string>();
      s.backends.forEach((rb: unknown, j) => {
        const bat = `${at}.backends.${j}`;
        if (typeof rb !== 'object' || rb === null) return void bad(bat, 'not an object');
        const b = rb as { ip?: unknown; port?: unknown; weight?: unknown };
        if (typeof b.ip !== 'string' || !isIP(b.ip)) bad(`${bat}.ip`, `not an IP address: ${JSON.stringify(b.ip)}`);
        if (!isPort(b.port)) bad(`${bat}.port`, `not a port (1..65535): ${JSON.stringify(b.port)}`);
        if (b.weight !== undefined && !(typeof b.weight === 'number' && Number.isInteger(b.weight) && b.weight >= 0 && b.weight <= 65535))
          bad(`${bat}.weight`, `not a weight (0..65535): ${JSON.stringify(b.weight)}`);
        const bkey = `${String(b.ip)}:${String(b.port)}`;
        if (seenB.has(bkey)) bad(bat, `duplicate backend ${bkey}`);
        seenB.add(bkey);
        backends.push({ ip: b.ip as string, port: b.port as number, ...(b.weight !== undefined ? { weight: b.weight as number } : {}) });
      });
    }
    out.push({
      ip: s.ip as string,
      port: s.port as number,
      protocol: s.protocol as VirtualService['protocol'],
      ...(s.scheduler !== undefined ? { scheduler: s.scheduler as Scheduler } : {}),
      backends,
    });
  });
  if (fields.length) {
    const shown = fields.slice(0, 5).map((f) => `${f.field}: ${f.reason}`).join('; ');
    throw new LbError('INVALID_ARGUMENT', `invalid service table: ${shown}${fields.length > 5 ? ` (+${fields.length - 5} more)` : ''}`, { fields });
  }
  return out;
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

  constructor(
    private readonly config: UserproxyConfig,
    private readonly logger: DriverLogger,
    private readonly version: string,
  ) {}

  info(): DriverInfo {
    return { name: DRIVER_NAME, version: this.version, api: [DRIVER_API_VERSION] };
  }

  async probe(): Promise<ProbeResult> {
    return this.disposed ? { state: 'error', message: 'the driver was disposed' } : { state: 'ready' };
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
    const table = validateTable(services);
    // What each listener should serve. With a fixed bind address, two TCP services on one port collide.
    const wanted = new Map<string, VirtualService>();
    table.forEach((s, i) => {
      if (s.protocol !== 'tcp') return; // UDP: kept in the table, not proxied (see README)
      const host = this.listenHost(s);
      const key = `${host}|${s.port}`;
      const other = wanted.get(key);
      if (other)
        throw new LbError('INVALID_ARGUMENT', `invalid service table: services.${i}: ${s.ip}:${s.port} and ${other.ip}:${other.port} would both listen on ${host}:${s.port} (bind ${this.config.bind})`, {
          fields: [{ field: `services.${i}`, reason: `listen address ${host}:${s.port} taken by ${other.ip}:${other.port}` }],
        });
      wanted.set(key, s);
    });

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
    this.logger.debug('userproxy service table applied', { services: table.length, listeners: this.listeners.size, opened: opened.length });
  }
}
