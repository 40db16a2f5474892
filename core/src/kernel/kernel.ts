// The plugin kernel: loads the driver package named for each kind, checks and probes it, gives it its
// own child container, and exposes the active drivers to the rest of the platform only through the
// SDK interfaces. Hook plugins named in the config tap the kernel's hooks.
import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import {
  DRIVER_KINDS,
  LABEL_NODE,
  LbError,
  createKernelHooks,
  invalid,
  type DriverBase,
  type DriverInstances,
  type DriverKind,
  type DriverState,
  type KernelHooks,
  type ContainerRuntime,
  type ContainerStatus,
  type ProxyDriver,
} from '@lastbackend/sdk';
import { z } from 'zod';
import { DriverPackage, DriverSwapRequest, type KernelConfig } from '../config/config';
import { NAME_ONLY_REASON, isPackageName } from '../config/package-name';
import { stableStringify } from '../state/hash';
import { createDriver, kernelPackageSources, loadDriverPackage, loadHookPlugin, validateDriverConfig, type PackageSources } from './driver-loader';
import type { Logger } from './logger';
import { RemoteDriverHost } from './remote/remote-driver';
import { RuntimeSet } from './runtime-set';

type Isolation = 'in-process' | 'process';
/** What a hot swap asks for. */
export type DriverSwap = z.input<typeof DriverSwapRequest>;
interface DriverRefInput {
  package: string;
  config: Record<string, unknown>;
  isolation?: Isolation;
}

/** Where an active driver's code came from. */
interface DriverOrigin {
  name: string;
  version: string;
  dir: string;
}

interface ActiveDriver {
  kind: DriverKind;
  ref: DriverRefInput;
  loaded: DriverOrigin;
  instance: DriverBase;
  /** The child process of an out-of-process driver. */
  host?: RemoteDriverHost;
  /** Why this driver runs instead of the configured one, when it is a fallback. */
  note?: string;
}

/** Swaps made through the API: package names only, as the API takes them. */
const SwappedFile = z.partialRecord(z.enum(DRIVER_KINDS), DriverSwapRequest);
/** Runtimes swapped out, whichever way they came (the config file may name a path). */
const RetiredFile = z.array(DriverPackage);
/** Who named a package: the admin's config file (a path is allowed) or the API (names only). */
type Origin = 'config' | 'api';

/** Drivers created in one load pass, shared by the kinds one package serves (docker: CRI and CII). */
type SharedDrivers = Map<string, { origin: DriverOrigin; instances: DriverInstances; host?: RemoteDriverHost }>;

export class Kernel {
  readonly hooks: KernelHooks = createKernelHooks();
  private readonly active = new Map<DriverKind, ActiveDriver>();
  private readonly instances: DriverInstances[] = [];
  /** Container runtimes swapped out while they still ran this node's containers, by package dir. */
  private readonly retired = new Map<string, ActiveDriver>();
  private runtimes?: RuntimeSet;
  private runtimesGeneration = new AbortController();
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly cfg: KernelConfig,
    private readonly log: Logger,
  ) {}

  /** Loads, validates, creates and probes one driver package for one kind. */
  private async load(kind: DriverKind, ref: DriverRefInput, src: PackageSources, shared: SharedDrivers): Promise<ActiveDriver> {
    const info = { kind, package: ref.package };
    this.hooks.driverLoading.call(info);
    try {
      const created = ref.isolation === 'process' ? await this.createRemote(kind, ref, src, shared) : await this.createLocal(kind, ref, src, shared);
      const instance = created.instances[kind];
      if (!instance)
        throw new LbError('DRIVER_KIND_MISMATCH', `driver "${ref.package}" created no ${kind} implementation`, { fix: `name a ${kind} driver in drivers.${kind}.package` });
      const probe = await instance.probe();
      if (probe.state === 'error')
        // A driver's own message may already say how to fix it.
        throw new LbError('DRIVER_PROBE_FAILED', `${kind} driver "${ref.package}" cannot work on this host: ${probe.message ?? 'probe failed'}`, {
          ...(/\bFix:/.test(probe.message ?? '') ? {} : { fix: fixForProbe(kind, ref.package) }),
        });
      const { origin } = created;
      this.hooks.driverLoaded.call({ ...info, version: origin.version });
      this.log.info(`${kind} driver ${origin.name}@${origin.version} loaded${created.host ? ` in process ${created.host.pid}` : ''} (probe: ${probe.state})`);
      return { kind, ref, loaded: origin, instance, ...(created.host ? { host: created.host } : {}) };
    } catch (e) {
      this.hooks.driverFailed.call(info, e as Error);
      throw e;
    }
  }

  private async createLocal(kind: DriverKind, ref: DriverRefInput, src: PackageSources, shared: SharedDrivers) {
    const loaded = loadDriverPackage(kind, ref.package, src);
    const config = validateDriverConfig(kind, loaded, ref.config);
    // One instance per package and config: docker serves CRI and CII from one client.
    const id = `in-process\u0000${loaded.dir}\u0000${stableStringify(config)}`;
    let entry = shared.get(id);
    if (!entry) {
      const instances = await createDriver({ kind, loaded, config, node: this.cfg.node.name, stateRoot: this.stateRoot, logger: this.log, container: rootContainer });
      entry = { origin: { name: loaded.name, version: loaded.version, dir: loaded.dir }, instances };
      shared.set(id, entry);
      this.instances.push(instances);
    }
    return entry;
  }

  /** The driver in a child process of its own: it loads the package there (new code on disk included). */
  private async createRemote(kind: DriverKind, ref: DriverRefInput, src: PackageSources, shared: SharedDrivers) {
    const id = `process\u0000${ref.package}\u0000${stableStringify(ref.config)}`;
    const known = shared.get(id);
    if (known) {
      if (!known.instances[kind]) throw new LbError('DRIVER_KIND_MISMATCH', `driver "${ref.package}" implements ${Object.keys(known.instances).join('/')}, not ${kind}`, { fix: `name a ${kind} driver in drivers.${kind}.package` });
      return known;
    }
    const { host, ready } = await RemoteDriverHost.start({
      init: { kind, package: ref.package, sources: src, config: ref.config, node: this.cfg.node.name, stateRoot: this.stateRoot, logLevel: this.cfg.log_level },
      log: this.log.child(`driver:${ref.package}`),
      onRestart: (kinds) => void this.recover(host, kinds),
    });
    const instances = host.proxies();
    const entry = { origin: { name: ready.name, version: ready.version, dir: ready.dir }, instances, host };
    shared.set(id, entry);
    this.instances.push(instances);
    return entry;
  }

  /** A restarted out-of-process driver is re-synced from the desired state, as after a swap. */
  private async recover(host: RemoteDriverHost, kinds: DriverKind[]): Promise<void> {
    for (const kind of kinds) {
      const active = this.active.get(kind);
      if (active?.host !== host) continue;
      try {
        await this.resyncers.get(kind)?.(active.instance);
        this.log.info(`${kind} driver ${active.loaded.name} recovered after a restart`);
      } catch (e) {
        this.log.error(`${kind} driver ${active.loaded.name} restarted but its re-sync failed: ${(e as Error).message}`);
      }
    }
  }

  /** Where packages come from: installed for this node or with lb; a path only from the config file. */
  private sources(origin: Origin): PackageSources {
    return kernelPackageSources(this.cfg.data_dir, origin === 'config' ? { configFile: this.cfg.configFile } : undefined);
  }

  private get stateRoot(): string {
    return join(this.cfg.data_dir, 'drivers-state');
  }

  /** Loads hook plugins, then every configured driver. Any failure stops start-up with its reason. */
  async start(): Promise<void> {
    this.loadPlugins();
    const fromFile = { ...this.cfg.drivers };
    const swapped = this.applySwapped();
    const shared: SharedDrivers = new Map();
    const errors: Error[] = [];
    for (const kind of DRIVER_KINDS) {
      const ref = this.cfg.drivers[kind];
      if (!ref) continue;
      try {
        this.active.set(kind, await this.loadWithFallback(kind, ref, this.sources(swapped.has(kind) ? 'api' : 'config'), shared));
      } catch (e) {
        const configured = fromFile[kind];
        if (!swapped.has(kind) || !configured) {
          errors.push(e as Error);
          continue;
        }
        // A driver swapped in through the API that cannot load any more (removed, broken) must not keep
        // the node down: the config file's driver takes its place, and the swap is forgotten.
        this.log.error(`${(e as Error).message}; using drivers.${kind} from the config file (${configured.package}) instead`);
        this.recordSwap(kind, undefined);
        this.cfg.drivers[kind] = configured;
        try {
          this.active.set(kind, await this.loadWithFallback(kind, configured, this.sources('config'), shared));
        } catch (e2) {
          errors.push(e2 as Error);
        }
      }
    }
    if (errors.length) {
      await this.dispose();
      if (errors.length === 1) throw errors[0];
      throw new LbError('DRIVER_INVALID', `driver start-up failed:\n  - ${errors.map((e) => e.message).join('\n  - ')}`);
    }
    await this.loadRetired(this.sources('config'), shared);
  }

  /** Loads a driver; only a host that cannot run it (its probe says why) falls back, and says so. */
  private async loadWithFallback(kind: DriverKind, ref: DriverRefInput & { fallback?: DriverRefInput }, src: PackageSources, shared: SharedDrivers): Promise<ActiveDriver> {
    try {
      return await this.load(kind, ref, src, shared);
    } catch (e) {
      const err = e as LbError;
      if (err.code !== 'DRIVER_PROBE_FAILED' || !ref.fallback) throw err;
      this.log.warn(`${err.message}; falling back to ${ref.fallback.package}`);
      const active = await this.load(kind, ref.fallback, src, shared);
      active.note = `fallback for ${ref.package}: ${err.message.replace(/^.*cannot work on this host: /, '').replace(/\. Fix:.*$/, '')}`;
      return active;
    }
  }

  /** Hook plugins named in the config: from the same places, with the same manifest check, as drivers. */
  private loadPlugins(): void {
    for (const pkg of this.cfg.plugins) {
      const plugin = loadHookPlugin(pkg, this.sources('config'));
      plugin.apply(this.hooks);
      this.log.info(`hook plugin ${plugin.name} loaded`);
    }
  }

  /** Called after a new driver of `kind` is loaded and probed, before it takes over: re-sync it here. */
  private readonly resyncers = new Map<DriverKind, (instance: DriverBase) => Promise<void>>();

  onSwap(kind: DriverKind, resync: (instance: DriverBase) => Promise<void>): void {
    this.resyncers.set(kind, resync);
  }

  /**
   * Hot swap: loads and probes the new driver, re-syncs it from the desired state, switches, then
   * disposes the old one (unless it still serves another kind). Any failure leaves the old driver in
   * place and says why. Workloads keep running: nothing here touches them.
   */
  async swap(kind: DriverKind, ref: DriverSwap, source: Origin = 'api'): Promise<DriverState> {
    return (await this.swapAll([kind], ref, source))[0];
  }

  /**
   * Swaps several kinds to one package together (a runtime and its image service: cri,cii): every new
   * driver is loaded, probed and re-synced before any of them takes over, so a refusal of one leaves
   * all the old ones in place; a runtime never ends up with another runtime's image service.
   */
  async swapAll(kinds: DriverKind[], ref: DriverSwap, source: Origin = 'api'): Promise<DriverState[]> {
    // The API's schema refuses paths already; the kernel holds the line for any other caller too.
    if (source === 'api' && !isPackageName(ref.package)) throw invalid([{ field: 'package', reason: NAME_ONLY_REASON }], 'invalid driver swap');
    const target: DriverRefInput = { package: ref.package, config: ref.config ?? {}, ...(ref.isolation ? { isolation: ref.isolation } : {}) };
    const prepared: { kind: DriverKind; next: ActiveDriver }[] = [];
    try {
      for (const kind of kinds) prepared.push({ kind, next: await this.prepareSwap(kind, target, source) });
    } catch (e) {
      for (const p of prepared) await p.next.instance.dispose().catch(() => undefined);
      throw e;
    }
    for (const { kind, next } of prepared) await this.commitSwap(kind, next, target, source);
    const states = await this.states();
    return kinds.map((kind) => states.find((s) => s.kind === kind)!);
  }

  /** The new driver of a swap, loaded, probed and re-synced, not yet in use. */
  private async prepareSwap(kind: DriverKind, target: DriverRefInput, source: Origin): Promise<ActiveDriver> {
    const old = this.active.get(kind);
    const keep = old ? `; ${old.loaded.name} stays` : '';
    let next: ActiveDriver;
    try {
      next = await this.load(kind, target, this.sources(source), new Map());
    } catch (e) {
      throw new LbError((e as LbError).code ?? 'DRIVER_INVALID', `swap of ${kind} to ${target.package} refused: ${(e as Error).message}${keep}`);
    }
    try {
      await this.resyncers.get(kind)?.(next.instance);
    } catch (e) {
      await next.instance.dispose().catch(() => undefined);
      this.hooks.driverFailed.call({ kind, package: target.package }, e as Error);
      throw new LbError('DRIVER_PROBE_FAILED', `swap of ${kind} to ${target.package} refused: re-sync failed: ${(e as Error).message}${keep}`);
    }
    return next;
  }

  /** Puts a prepared driver in use and retires or disposes the one it replaces. */
  private async commitSwap(kind: DriverKind, next: ActiveDriver, target: DriverRefInput, source: Origin): Promise<void> {
    const old = this.active.get(kind);
    this.instances.push({ [kind]: next.instance });
    this.active.set(kind, next);
    this.cfg.drivers[kind] = target;
    this.recordSwap(kind, source === 'api' ? target : undefined);
    if (old) {
      // Another proxy package, or the same one with another config (e.g. another nft table), programs its
      // own table: the old one's entries go once the new ones serve. The same package and config (a
      // reload of new code) programs the very same table, so nothing is cleared.
      const sameTable = old.loaded.dir === next.loaded.dir && stableStringify(old.ref.config) === stableStringify(next.ref.config);
      if (kind === 'cpi' && !sameTable)
        await (old.instance as ProxyDriver).setTable([]).catch((e: Error) => this.log.warn(`clearing the table of ${old.loaded.name}: ${e.message}`));
      this.hooks.driverSwapped.call({ kind, package: old.loaded.name, version: old.loaded.version }, { kind, package: next.loaded.name, version: next.loaded.version });
      if (kind === 'cri' && old.loaded.dir !== next.loaded.dir && (await this.holdsContainers(old))) {
        this.retired.set(old.loaded.dir, old);
        this.log.info(`cri driver ${old.loaded.name} keeps running the containers of pods created before the swap; new pods go to ${next.loaded.name}`);
      } else if (![...this.active.values()].some((d) => d.instance === old.instance)) {
        await this.disposeDriver(old);
      }
    }
    const back = kind === 'cri' ? this.retired.get(next.loaded.dir) : undefined;
    if (back) {
      // Swapped back to a runtime that was retired: the new instance now serves its containers.
      this.retired.delete(next.loaded.dir);
      await this.disposeDriver(back);
    }
    if (kind === 'cri') this.runtimesChanged();
    this.log.info(`${kind} driver swapped${old ? ` from ${old.loaded.name}` : ''} to ${next.loaded.name}@${next.loaded.version}`);
  }

  driver<K extends DriverKind>(kind: K): NonNullable<DriverInstances[K]> {
    const d = this.active.get(kind);
    if (!d) throw new LbError('UNAVAILABLE', `no ${kind} driver is configured`, { fix: `name one in drivers.${kind}.package` });
    if (kind === 'cri' && this.retired.size) {
      this.runtimes ??= new RuntimeSet(d.instance as ContainerRuntime, [...this.retired.values()].map((r) => r.instance as ContainerRuntime), this.runtimesGeneration.signal);
      return this.runtimes as unknown as NonNullable<DriverInstances[K]>;
    }
    return d.instance as NonNullable<DriverInstances[K]>;
  }

  private async disposeDriver(d: ActiveDriver): Promise<void> {
    await d.instance.dispose().catch((e: Error) => this.log.warn(`dispose ${d.loaded.name}: ${e.message}`));
    for (const inst of this.instances) for (const k of DRIVER_KINDS) if (inst[k] === d.instance) delete inst[k];
  }

  // ---------------------------------------------------------------- swaps made through the API

  private get swappedFile(): string {
    return join(this.stateRoot, 'swapped-drivers.json');
  }

  private readSwapped(): Partial<Record<DriverKind, DriverRefInput>> {
    return this.readState(this.swappedFile, SwappedFile, {}, "the config file's drivers apply");
  }

  /** A state file of the kernel's, checked: torn or foreign content is reported and treated as absent. */
  private readState<T>(file: string, schema: z.ZodType<T>, absent: T, consequence: string): T {
    if (!existsSync(file)) return absent;
    let why: string;
    try {
      const r = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (r.success) return r.data;
      why = r.error.issues[0]?.message ?? 'unexpected content';
    } catch (e) {
      why = (e as Error).message;
    }
    this.log.warn(`${file} is unreadable (${why}); ${consequence}`);
    return absent;
  }

  /** A swap through the API outlives a restart; it holds until the config file's entry for that kind changes. */
  private applySwapped(): Set<DriverKind> {
    const applied = new Set<DriverKind>();
    for (const [kind, ref] of Object.entries(this.readSwapped()) as [DriverKind, DriverRefInput][]) {
      if (!this.cfg.drivers[kind]) continue; // a kind this process does not run (e.g. a control-plane-only server)
      this.cfg.drivers[kind] = ref;
      applied.add(kind);
      this.log.info(`drivers.${kind} is ${ref.package}, as swapped through the API (until drivers.${kind} in the config file changes)`);
    }
    return applied;
  }

  private recordSwap(kind: DriverKind, ref: DriverRefInput | undefined): void {
    const all = this.readSwapped();
    if (ref) all[kind] = ref;
    else if (!all[kind]) return;
    else delete all[kind];
    writeAtomic(this.swappedFile, JSON.stringify(all));
  }

  // ---------------------------------------------------------------- retired container runtimes

  /** This node's containers (running or not) that a container runtime holds; none when it cannot say. */
  private nodeContainers(d: ActiveDriver): Promise<ContainerStatus[]> {
    return (d.instance as ContainerRuntime).list({ labels: { [LABEL_NODE]: this.cfg.node.name }, all: true }).catch(() => []);
  }

  private async holdsContainers(d: ActiveDriver): Promise<boolean> {
    return (await this.nodeContainers(d)).length > 0;
  }

  private get retiredFile(): string {
    return join(this.stateRoot, 'retired-runtimes.json');
  }

  /** The set of runtimes changed: persist it, and end event streams so consumers see the new set. */
  private runtimesChanged(): void {
    writeAtomic(this.retiredFile, JSON.stringify([...this.retired.values()].map((r) => r.ref)));
    this.runtimes = undefined;
    this.runtimesGeneration.abort();
    this.runtimesGeneration = new AbortController();
    if (this.retired.size && !this.pruneTimer) {
      this.pruneTimer = setInterval(() => void this.pruneRetired(), 15_000);
      this.pruneTimer.unref();
    }
  }

  /** Retired runtimes survive a restart: their containers keep being served, not recreated elsewhere. */
  private async loadRetired(src: PackageSources, shared: SharedDrivers): Promise<void> {
    if (!existsSync(this.retiredFile)) return;
    const refs = this.readState(this.retiredFile, RetiredFile, [], 'retired runtimes are forgotten');
    for (const ref of refs) {
      try {
        const d = await this.load('cri', ref, src, shared);
        if (d.loaded.dir !== this.active.get('cri')?.loaded.dir) this.retired.set(d.loaded.dir, d);
      } catch (e) {
        this.log.warn(`retired cri driver ${ref.package} cannot be loaded; containers it ran are not served: ${(e as Error).message}`);
      }
    }
    this.runtimesChanged();
    await this.pruneRetired();
  }

  /** A retired runtime whose last container of this node is gone is disposed. */
  async pruneRetired(): Promise<void> {
    let changed = false;
    for (const [dir, d] of this.retired) {
      if (await this.holdsContainers(d)) continue;
      this.retired.delete(dir);
      changed = true;
      this.log.info(`retired cri driver ${d.loaded.name} runs no containers any more; disposed`);
      if (![...this.active.values()].some((a) => a.instance === d.instance)) await this.disposeDriver(d);
    }
    if (changed) this.runtimesChanged();
    if (!this.retired.size && this.pruneTimer) {
      clearInterval(this.pruneTimer);
      this.pruneTimer = undefined;
    }
  }

  has(kind: DriverKind): boolean {
    return this.active.has(kind);
  }

  /** Kind, package, version and probe result of every driver, as nodes report them. */
  async states(): Promise<DriverState[]> {
    const retired = [...this.retired.values()].map(async (d): Promise<DriverState> => {
      const held = await this.nodeContainers(d);
      return { kind: d.kind, package: d.loaded.name, version: d.loaded.version, state: 'retired', message: `runs ${held.length} container(s) of pods created before the swap`, isolation: d.host ? 'process' : 'in-process' };
    });
    const active = Promise.all(
      [...this.active.values()].map(async (d) => {
        const p = await d.instance.probe().catch((e: Error) => ({ state: 'error' as const, message: e.message }));
        return {
          kind: d.kind,
          package: d.loaded.name,
          version: d.loaded.version,
          state: p.state,
          message: [d.note, p.message].filter(Boolean).join('; '),
          isolation: d.host ? ('process' as const) : ('in-process' as const),
          ...(d.host ? { pid: d.host.pid, restarts: d.host.restarts } : {}),
        };
      }),
    );
    return [...(await active), ...(await Promise.all(retired))];
  }

  async dispose(): Promise<void> {
    await this.hooks.shutdown.promise().catch(() => undefined);
    const seen = new Set<DriverBase>();
    for (const inst of this.instances.reverse()) {
      for (const d of Object.values(inst) as DriverBase[]) {
        if (seen.has(d)) continue;
        seen.add(d);
        await d.dispose().catch((e: Error) => this.log.warn(`dispose ${d.info().name}: ${e.message}`));
      }
    }
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.runtimesGeneration.abort();
    this.active.clear();
    this.retired.clear();
    this.instances.length = 0;
  }
}

function writeAtomic(file: string, data: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
}

function fixForProbe(kind: DriverKind, pkg: string): string {
  if (pkg === '@lastbackend/driver-docker') return 'start the Docker engine (dockerd), or run `npm start` as root to install and start it';
  return `make the host meet the driver's needs, or name another ${kind} driver in drivers.${kind}.package`;
}
