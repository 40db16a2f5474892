// The plugin kernel: runs the driver the config names for each kind and exposes the active drivers to the
// rest of the platform only through the SDK interfaces. It is put together from parts with one job each:
// the registry (load with fallback, one identity per driver), the swap transaction (all or none) with its
// per-kind handover rules, the journal of what outlives a restart, and the retired runtimes. Hook plugins
// named in the config tap the kernel's hooks.
import { join } from 'node:path';
import {
  DRIVER_KINDS,
  LbError,
  createKernelHooks,
  invalid,
  type ContainerRuntime,
  type DriverBase,
  type DriverInstances,
  type DriverKind,
  type DriverState,
  type KernelHooks,
} from '@lastbackend/sdk';
import type { z } from 'zod';
import type { DriverSwapRequest, KernelConfig } from '../config/config';
import { NAME_ONLY_REASON, isPackageName } from '../config/package-name';
import { kernelPackageSources, loadHookPlugin, type PackageSources } from './driver-loader';
import { HandoverRules } from './handover';
import { DriverJournal } from './journal';
import type { Logger } from './logger';
import { measured } from '../metrics/measured-driver';
import { agentRegistry, driverUp, onScrape } from '../metrics/metrics';
import { DriverRegistry, type ActiveDriver, type LoadPass } from './registry';
import type { RemoteDriverHost } from './remote/remote-driver';
import { RetiredRuntimes } from './retired';
import { swapGroup, type SwapChange, type SwapSource } from './swap';

/** What a hot swap asks for. */
export type DriverSwap = z.input<typeof DriverSwapRequest>;
export type { SwapChange, SwapSource } from './swap';

export class Kernel {
  readonly hooks: KernelHooks = createKernelHooks();
  /** What happens to the driver a swap replaces, by kind; register a rule for a kind that needs one. */
  readonly handover = HandoverRules.defaults();
  private readonly registry: DriverRegistry;
  private readonly journal: DriverJournal;
  private readonly retired: RetiredRuntimes;
  /** Called after a new driver of `kind` is loaded and probed, before it takes over: re-sync it here. */
  private readonly resyncers = new Map<DriverKind, (instance: DriverBase) => Promise<void>>();

  constructor(
    /** Read, never written: what runs now is the registry's business. */
    private readonly cfg: Readonly<KernelConfig>,
    private readonly log: Logger,
  ) {
    const stateRoot = join(cfg.data_dir, 'drivers-state');
    this.registry = new DriverRegistry({
      hooks: this.hooks,
      log,
      node: cfg.node.name,
      stateRoot,
      logLevel: cfg.log_level,
      logFormat: cfg.log?.format,
      onRestart: (host, kinds) => void this.recover(host, kinds),
    });
    this.journal = new DriverJournal(stateRoot, log);
    this.retired = new RetiredRuntimes({ node: cfg.node.name, journal: this.journal, log, release: (d) => this.release(d) });
  }

  private unscrape?: () => void;

  /** Loads hook plugins, then every configured driver. Any failure stops start-up with its reason. */
  async start(): Promise<void> {
    // Driver health (lb_driver_up), probed when the node's metrics are scraped.
    this.unscrape ??= onScrape(agentRegistry, async () => {
      const states = await this.states();
      driverUp.reset();
      for (const s of states) if (s.state !== 'retired') driverUp.set({ kind: s.kind, package: s.package }, s.state === 'ready' ? 1 : 0);
    });
    this.loadPlugins();
    const swapped = this.journal.swapped();
    const pass: LoadPass = new Map();
    const errors: Error[] = [];
    for (const kind of DRIVER_KINDS) {
      const configured = this.cfg.drivers[kind];
      if (!configured) continue; // a kind this process does not run (e.g. a control-plane-only server)
      const viaApi = swapped[kind];
      if (viaApi) this.log.info(`drivers.${kind} is ${viaApi.package}, as swapped through the API (until drivers.${kind} in the config file changes)`);
      try {
        this.registry.set(kind, await this.registry.loadWithFallback(kind, viaApi ?? configured, this.sources(viaApi ? 'api' : 'config'), pass));
      } catch (e) {
        if (!viaApi) {
          errors.push(e as Error);
          continue;
        }
        // A driver swapped in through the API that cannot load any more (removed, broken) must not keep
        // the node down: the config file's driver takes its place, and the swap is forgotten.
        this.log.error(`${(e as Error).message}; using drivers.${kind} from the config file (${configured.package}) instead`);
        this.journal.recordSwap(kind, undefined);
        try {
          this.registry.set(kind, await this.registry.loadWithFallback(kind, configured, this.sources('config'), pass));
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
    await this.loadRetired(pass);
  }

  /** Hook plugins named in the config: from the same places, with the same manifest check, as drivers. */
  private loadPlugins(): void {
    for (const pkg of this.cfg.plugins) {
      const plugin = loadHookPlugin(pkg, this.sources('config'));
      plugin.apply(this.hooks);
      this.log.info(`hook plugin ${plugin.name} loaded`);
    }
  }

  /** Retired runtimes survive a restart: their containers keep being served, not recreated elsewhere. */
  private async loadRetired(pass: LoadPass): Promise<void> {
    const refs = this.journal.retired();
    if (!refs.length) return;
    for (const ref of refs) {
      try {
        const d = await this.registry.load('cri', ref, this.sources('config'), pass);
        if (d.identity.package !== this.registry.get('cri')?.identity.package) this.retired.add(d);
      } catch (e) {
        this.log.warn(`retired cri driver ${ref.package} cannot be loaded; containers it ran are not served: ${(e as Error).message}`);
      }
    }
    this.retired.persist();
    await this.retired.prune();
  }

  /** Where packages come from: installed for this node or with lb; a path only from the config file. */
  private sources(source: SwapSource): PackageSources {
    return kernelPackageSources(this.cfg.data_dir, source === 'config' ? { configFile: this.cfg.configFile } : undefined);
  }

  /** A restarted out-of-process driver is re-synced from the desired state, as after a swap. */
  private async recover(host: RemoteDriverHost, kinds: DriverKind[]): Promise<void> {
    for (const kind of kinds) {
      const active = this.registry.get(kind);
      if (active?.host !== host) continue;
      try {
        await this.resyncers.get(kind)?.(measured(kind, active.instance));
        this.log.info(`${kind} driver ${active.identity.package} recovered after a restart`);
      } catch (e) {
        this.log.error(`${kind} driver ${active.identity.package} restarted but its re-sync failed: ${(e as Error).message}`);
      }
    }
  }

  onSwap(kind: DriverKind, resync: (instance: DriverBase) => Promise<void>): void {
    this.resyncers.set(kind, resync);
  }

  /** Hot swap of one kind; see swapGroup. */
  async swap(kind: DriverKind, ref: DriverSwap, source: SwapSource = 'api'): Promise<DriverState> {
    return (await this.swapAll([kind], ref, source))[0];
  }

  /** Swaps several kinds to one package together (a runtime and its image service: cri,cii): all or none. */
  async swapAll(kinds: DriverKind[], ref: DriverSwap, source: SwapSource = 'api'): Promise<DriverState[]> {
    const target = { package: ref.package, config: ref.config ?? {}, ...(ref.isolation ? { isolation: ref.isolation } : {}) };
    return this.swapGroup(kinds.map((kind) => ({ kind, ref: target })), source);
  }

  /**
   * Swaps each kind to its own driver, all or none: every new driver is loaded (falling back where it says
   * so and the host cannot run it), probed and re-synced before any takes over; any failure leaves every old
   * driver in place and says why. Workloads keep running: nothing here touches them.
   */
  async swapGroup(changes: SwapChange[], source: SwapSource = 'api'): Promise<DriverState[]> {
    // The API's schema refuses paths already; the kernel holds the line for any other caller too.
    if (source === 'api')
      for (const { ref } of changes) if (!isPackageName(ref.package)) throw invalid([{ field: 'package', reason: NAME_ONLY_REASON }], 'invalid driver swap');
    await swapGroup(
      {
        registry: this.registry,
        retired: this.retired,
        journal: this.journal,
        rules: this.handover,
        hooks: this.hooks,
        log: this.log,
        sources: (s) => this.sources(s),
        resync: async (kind, instance) => this.resyncers.get(kind)?.(measured(kind, instance)),
        release: (d) => this.release(d),
      },
      changes,
      source,
    );
    const states = await this.states();
    return changes.map(({ kind }) => states.find((s) => s.kind === kind && s.state !== 'retired')!);
  }

  /** Disposes a driver let go of (swapped out, or retired and done), unless an active kind still uses it. */
  private async release(d: ActiveDriver): Promise<void> {
    if (!this.registry.inUse(d.instance)) await this.registry.disposeInstance(d.instance, d.identity.package);
  }

  driver<K extends DriverKind>(kind: K): NonNullable<DriverInstances[K]> {
    const d = this.registry.get(kind);
    if (!d) throw new LbError('UNAVAILABLE', `no ${kind} driver is configured`, { fix: `name one in drivers.${kind}.package` });
    // Container runtimes swapped out keep serving their containers: the CRI the platform sees covers them.
    const instance = kind === 'cri' ? this.retired.runtime(d.instance as ContainerRuntime) : d.instance;
    // Every call the platform makes to a driver goes through here: timed once, by kind and method.
    return measured(kind, instance) as NonNullable<DriverInstances[K]>;
  }

  has(kind: DriverKind): boolean {
    return this.registry.get(kind) !== undefined;
  }

  /** A retired runtime whose last container of this node is gone is disposed. */
  pruneRetired(): Promise<void> {
    return this.retired.prune();
  }

  /** Kind, package, version and probe result of every driver, as nodes report them. */
  async states(): Promise<DriverState[]> {
    const active = Promise.all(
      this.registry.all().map(async (d): Promise<DriverState> => {
        const p = await d.instance.probe().catch((e: Error) => ({ state: 'error' as const, message: e.message }));
        return {
          kind: d.kind,
          package: d.identity.package,
          version: d.identity.version,
          state: p.state,
          message: [d.note, p.message].filter(Boolean).join('; '),
          isolation: d.host ? 'process' : 'in-process',
          ...(d.host ? { pid: d.host.pid, restarts: d.host.restarts } : {}),
        };
      }),
    );
    return [...(await active), ...(await this.retired.states())];
  }

  async dispose(): Promise<void> {
    this.unscrape?.();
    this.unscrape = undefined;
    await this.hooks.shutdown.promise().catch(() => undefined);
    this.retired.clear();
    await this.registry.disposeAll();
  }
}
