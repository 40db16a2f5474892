// The CPI implementation: the service table is the kernel's IPVS table (masquerading to backends),
// programmed over generic netlink; VIPs are /32 addresses on a dummy link (or lo) so the host accepts them.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  LbError,
  describeSkipped,
  type FieldError,
  type DriverInfo,
  type DriverLogger,
  type ProbeResult,
  type ProxyDriver,
  type VirtualService,
} from '@lastbackend/sdk';
import type { IpvsDriverConfig } from './config';
import { IpvsClient, NO_IPVS } from './ipvs';
import { Links, type VipInterface } from './links';
import { checkTable, diffTable, isManaged, toVirtualServices, vipChanges } from './table';

const STATE_FILE = 'vips.json';

export class IpvsProxy implements ProxyDriver {
  private client: IpvsClient | undefined;
  private links: Links | undefined;
  /** setTable and list run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Entries the last setTable left out (reported by probe(), so they show in the node's driver state). */
  private skipped: FieldError[] = [];

  constructor(
    private readonly config: IpvsDriverConfig,
    private readonly logger: DriverLogger,
    private readonly stateDir: string,
    /** Identity from the package (DriverContext.info). */
    private readonly about: DriverInfo,
  ) {}

  info(): DriverInfo {
    return this.about;
  }

  async probe(): Promise<ProbeResult> {
    try {
      await this.ipvs();
      return this.skipped.length ? { state: 'ready', message: `service table: ${describeSkipped(this.skipped)}` } : { state: 'ready' };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // Only a missing IPVS family says NO_IPVS: other failures (a lost socket, no permission) are not a reason to
      // fall back to another proxy driver.
      return { state: 'error', message: message.includes(NO_IPVS) ? message : `ipvs probe failed: ${message}` };
    }
  }

  async dispose(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.reset();
  }

  setTable(services: VirtualService[]): Promise<void> {
    return this.serial(() => this.apply(services));
  }

  list(): Promise<VirtualService[]> {
    return this.serial(async () => toVirtualServices(await this.guard(async () => (await this.ipvs()).table())));
  }

  // ------------------------------------------------------------------ internals

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async ipvs(): Promise<IpvsClient> {
    this.client ??= await IpvsClient.open();
    return this.client;
  }

  private rt(): Links {
    this.links ??= Links.open();
    return this.links;
  }

  private reset(): void {
    this.client?.close();
    this.links?.close();
    this.client = undefined;
    this.links = undefined;
  }

  /** Drops the sockets after an unexpected failure, so the next call starts from fresh ones. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof LbError)) this.reset();
      throw e;
    }
  }

  private async apply(services: VirtualService[]): Promise<void> {
    // A bad entry costs that entry only: the rest of the table is programmed, the entry is reported.
    const { services: desired, skipped } = checkTable(services);
    if (skipped.length) this.logger.warn(`service table: ${describeSkipped(skipped)}`, { skipped });
    this.skipped = skipped;
    await this.guard(async () => {
      const ipvs = await this.ipvs();
      const current = await ipvs.table();
      const iface = await this.rt().ensureVipInterface(this.config.interface);
      const vips = new Set(desired.map((s) => s.ip));
      const owned = new Set([...(await this.readOwned()), ...current.filter((c) => isManaged(c.service)).map((c) => c.service.ip)]);
      const present = await this.rt().addresses(iface.index);
      const changes = vipChanges(vips, present, (ip) => !iface.shared || owned.has(ip));

      // VIPs first, so a service accepts traffic as soon as it exists; stale VIPs go last.
      if (iface.shared) await this.writeOwned([...new Set([...owned, ...vips])]);
      for (const ip of changes.add) await this.rt().addAddress(iface.index, ip);
      const ops = diffTable(desired, current);
      for (const op of ops) await ipvs.apply(op);
      for (const ip of changes.remove) await this.rt().delAddress(iface.index, ip);
      if (iface.shared) await this.writeOwned([...vips]);
      if (ops.length || changes.add.length || changes.remove.length) {
        this.logger.debug('ipvs table applied', { services: desired.length, operations: ops.length, vipsAdded: changes.add, vipsRemoved: changes.remove, interface: describeIface(iface) });
      }
    });
  }

  /** VIPs this driver added to a shared interface (lo). */
  private async readOwned(): Promise<string[]> {
    try {
      const v = JSON.parse(await readFile(join(this.stateDir, STATE_FILE), 'utf8')) as { vips?: unknown };
      return Array.isArray(v.vips) ? v.vips.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  private async writeOwned(vips: string[]): Promise<void> {
    await mkdir(this.stateDir, { recursive: true });
    const file = join(this.stateDir, STATE_FILE);
    await writeFile(`${file}.tmp`, JSON.stringify({ vips: vips.sort() }));
    await rename(`${file}.tmp`, file);
  }
}

const describeIface = (i: VipInterface): string => (i.shared ? `${i.name} (shared)` : i.name);
