// The driver registry: which driver serves each kind now, and how a driver gets there. A driver is loaded
// (in this process through instantiate(), or in a child process of its own), checked to serve the kind,
// probed, and falls back to the configured alternative only when the host cannot run it. Every driver has
// one identity, the same for both isolations: package name, version and a hash of its config; drivers
// made in one load pass are shared by identity (docker serves CRI and CII from one client).
import {
  DRIVER_KINDS,
  LbError,
  type DriverBase,
  type DriverIdentity,
  type DriverInstances,
  type DriverKind,
  type KernelHooks,
} from '@lastbackend/sdk';
import { stableStringify } from '../state/hash';
import { resolveDriverPackage, type PackageSources } from './driver-loader';
import { instantiate } from './instantiate';
import type { Logger } from './logger';
import { RemoteDriverHost } from './remote/remote-driver';

export type Isolation = 'in-process' | 'process';

/** A driver as the config file or a swap names it. */
export interface DriverRef {
  package: string;
  config: Record<string, unknown>;
  isolation?: Isolation;
}

/** A driver and what to run instead when this host cannot run it. */
export interface DriverChoice extends DriverRef {
  fallback?: DriverRef;
}

export interface ActiveDriver {
  kind: DriverKind;
  ref: DriverRef;
  /** Who it is, from its package.json. */
  identity: DriverIdentity;
  /** Its one identity: isolation, package@version and config hash. */
  key: string;
  instance: DriverBase;
  /** The child process of an out-of-process driver. */
  host?: RemoteDriverHost;
  /** Why this driver runs instead of the configured one, when it is a fallback. */
  note?: string;
}

/** The drivers one load pass created, by identity key, so kinds one package serves share them. */
export type LoadPass = Map<string, { identity: DriverIdentity; instances: DriverInstances; host?: RemoteDriverHost }>;

/** A driver's one identity: the same package, version and config is the same driver. */
export function driverKey(isolation: Isolation, identity: Pick<DriverIdentity, 'package' | 'version'>, config: unknown): string {
  return `${isolation} ${identity.package}@${identity.version} ${stableStringify(config ?? {})}`;
}

export interface RegistryOptions {
  hooks: KernelHooks;
  log: Logger;
  node: string;
  stateRoot: string;
  logLevel: string;
  logFormat?: string;
  /** An out-of-process driver restarted: the kernel re-syncs the kinds it serves. */
  onRestart(host: RemoteDriverHost, kinds: DriverKind[]): void;
}

export class DriverRegistry {
  private readonly active = new Map<DriverKind, ActiveDriver>();
  /** Every instance created and not disposed, in creation order (disposed in reverse). */
  private readonly owned: DriverBase[] = [];

  constructor(private readonly o: RegistryOptions) {}

  get(kind: DriverKind): ActiveDriver | undefined {
    return this.active.get(kind);
  }

  set(kind: DriverKind, d: ActiveDriver): void {
    this.active.set(kind, d);
  }

  all(): ActiveDriver[] {
    return [...this.active.values()];
  }

  /** Whether an active kind uses this instance (one instance may serve several kinds). */
  inUse(instance: DriverBase): boolean {
    return this.all().some((d) => d.instance === instance);
  }

  /** Loads, creates and probes one driver for one kind. */
  async load(kind: DriverKind, ref: DriverRef, src: PackageSources, pass: LoadPass): Promise<ActiveDriver> {
    const info = { kind, package: ref.package };
    this.o.hooks.driverLoading.call(info);
    try {
      const isolation = ref.isolation ?? 'in-process';
      // Identity and manifest from package.json: a wrong kind or driver API is refused before any code runs.
      const resolved = resolveDriverPackage(kind, ref.package, src);
      const key = driverKey(isolation, resolved.identity, ref.config);
      let made = pass.get(key);
      if (!made) {
        made = isolation === 'process' ? await this.createRemote(kind, ref, src, resolved.identity) : await this.createLocal(kind, ref, src);
        pass.set(key, made);
        for (const d of distinct(made.instances)) this.owned.push(d);
      }
      const instance = made.instances[kind];
      if (!instance)
        throw new LbError('DRIVER_KIND_MISMATCH', `driver "${ref.package}" implements ${Object.keys(made.instances).join('/')}, not ${kind}`, {
          fix: `name a ${kind} driver in drivers.${kind}.package`,
        });
      const probe = await instance.probe();
      if (probe.state === 'error')
        // The driver says how to fix it (ProbeResult.fix, or a "Fix:" in its message); otherwise a generic hint.
        throw new LbError('DRIVER_PROBE_FAILED', `${kind} driver "${ref.package}" cannot work on this host: ${probe.message ?? 'probe failed'}`, {
          ...(probe.fix ? { fix: probe.fix } : /\bFix:/.test(probe.message ?? '') ? {} : { fix: `make the host meet the driver's needs, or name another ${kind} driver in drivers.${kind}.package` }),
        });
      const { identity } = made;
      this.o.hooks.driverLoaded.call({ ...info, version: identity.version });
      this.o.log.info(`${kind} driver ${identity.package}@${identity.version} loaded${made.host ? ` in process ${made.host.pid}` : ''} (probe: ${probe.state})`);
      return { kind, ref, identity, key, instance, ...(made.host ? { host: made.host } : {}) };
    } catch (e) {
      this.o.hooks.driverFailed.call(info, e as Error);
      throw e;
    }
  }

  /** Loads a driver; only a host that cannot run it (its probe says why) falls back, and says so. */
  async loadWithFallback(kind: DriverKind, ref: DriverChoice, src: PackageSources, pass: LoadPass): Promise<ActiveDriver> {
    try {
      return await this.load(kind, ref, src, pass);
    } catch (e) {
      const err = e as LbError;
      if (err.code !== 'DRIVER_PROBE_FAILED' || !ref.fallback) throw err;
      this.o.log.warn(`${err.message}; falling back to ${ref.fallback.package}`);
      const active = await this.load(kind, ref.fallback, src, pass);
      active.note = `fallback for ${ref.package}: ${err.message.replace(/^.*cannot work on this host: /, '').replace(/\. Fix:.*$/, '')}`;
      return active;
    }
  }

  private async createLocal(kind: DriverKind, ref: DriverRef, src: PackageSources) {
    const { loaded, instances } = await instantiate({ kind, package: ref.package, sources: src, config: ref.config, node: this.o.node, stateRoot: this.o.stateRoot, logger: this.o.log });
    return { identity: loaded.identity, instances };
  }

  /** The driver in a child process of its own: it instantiates the package there (new code on disk included). */
  private async createRemote(kind: DriverKind, ref: DriverRef, src: PackageSources, identity: DriverIdentity) {
    const { host, ready } = await RemoteDriverHost.start({
      init: { kind, package: ref.package, sources: src, config: ref.config, node: this.o.node, stateRoot: this.o.stateRoot, logLevel: this.o.logLevel, logFormat: this.o.logFormat },
      log: this.o.log.child(`driver:${ref.package}`),
      onRestart: (kinds) => this.o.onRestart(host, kinds),
    });
    // What the child loaded: the package on disk may have changed since this process read its package.json.
    return { identity: { ...identity, package: ready.name, version: ready.version }, instances: host.proxies(), host };
  }

  /** Disposes everything a pass created that no active kind uses (a swap that was refused). */
  async abandon(pass: LoadPass): Promise<void> {
    for (const made of pass.values()) for (const d of distinct(made.instances)) if (!this.inUse(d)) await this.disposeInstance(d, made.identity.package);
  }

  async disposeInstance(instance: DriverBase, name: string): Promise<void> {
    const i = this.owned.indexOf(instance);
    if (i >= 0) this.owned.splice(i, 1);
    await instance.dispose().catch((e: Error) => this.o.log.warn(`dispose ${name}: ${e.message}`));
  }

  /** Disposes every instance, newest first. */
  async disposeAll(): Promise<void> {
    const names = new Map<DriverBase, string>(this.all().map((d) => [d.instance, d.identity.package]));
    for (const d of this.owned.splice(0).reverse()) await d.dispose().catch((e: Error) => this.o.log.warn(`dispose ${names.get(d) ?? 'driver'}: ${e.message}`));
    this.active.clear();
  }
}

function distinct(instances: DriverInstances): DriverBase[] {
  return [...new Set(DRIVER_KINDS.map((k) => instances[k]).filter((d): d is NonNullable<typeof d> => d !== undefined))];
}
