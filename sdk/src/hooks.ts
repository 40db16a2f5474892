// Hooks observe and adjust; they never replace a driver. One frozen hooks object per owner; each tap
// is named after the plugin that made it, so a veto or a failure can be traced to it.
import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesWaterfallHook, SyncHook } from 'tapable';
import type { Pod } from './models/resources';
import type { ContainerSpec, DriverKind } from './drivers/types';

export interface DriverRef {
  kind: DriverKind;
  package: string;
  version?: string;
}

export interface KernelHooks {
  /** Before a driver package is loaded. */
  readonly driverLoading: SyncHook<[DriverRef]>;
  /** After a driver was loaded, validated and probed. */
  readonly driverLoaded: SyncHook<[DriverRef]>;
  /** A driver failed to load, validate or probe. */
  readonly driverFailed: SyncHook<[DriverRef, Error]>;
  /** A driver replaced another of the same kind. */
  readonly driverSwapped: SyncHook<[DriverRef, DriverRef]>;
  /** Bail: a tap that returns a string vetoes the pod with that reason. */
  readonly beforePodCreate: AsyncSeriesBailHook<[Pod], string | undefined>;
  /** Waterfall: taps may adjust each container's spec before it is created. */
  readonly podSpec: AsyncSeriesWaterfallHook<[ContainerSpec, Pod]>;
  /** Notification once a pod's containers were created. */
  readonly podCreated: AsyncParallelHook<[Pod]>;
  /** The kernel is stopping. */
  readonly shutdown: AsyncParallelHook<[]>;
}

export const HOOK_NAMES = [
  'driverLoading',
  'driverLoaded',
  'driverFailed',
  'driverSwapped',
  'beforePodCreate',
  'podSpec',
  'podCreated',
  'shutdown',
] as const satisfies readonly (keyof KernelHooks)[];

export function createKernelHooks(): KernelHooks {
  return Object.freeze({
    driverLoading: new SyncHook<[DriverRef]>(['driver']),
    driverLoaded: new SyncHook<[DriverRef]>(['driver']),
    driverFailed: new SyncHook<[DriverRef, Error]>(['driver', 'error']),
    driverSwapped: new SyncHook<[DriverRef, DriverRef]>(['from', 'to']),
    beforePodCreate: new AsyncSeriesBailHook<[Pod], string | undefined>(['pod']),
    podSpec: new AsyncSeriesWaterfallHook<[ContainerSpec, Pod]>(['spec', 'pod']),
    podCreated: new AsyncParallelHook<[Pod]>(['pod']),
    shutdown: new AsyncParallelHook<[]>([]),
  });
}

export const PLUGIN_BRAND: unique symbol = Symbol.for('io.lastbackend.plugin') as never;

/** A hook plugin: a package named in the config's `plugins` list that taps the kernel's hooks. */
export interface HookPlugin {
  readonly [PLUGIN_BRAND]: true;
  readonly name: string;
  apply(hooks: KernelHooks): void;
}

export function definePlugin(def: { name: string; apply(hooks: KernelHooks): void }): HookPlugin {
  return Object.freeze({ ...def, [PLUGIN_BRAND]: true as const });
}

export function isHookPlugin(v: unknown): v is HookPlugin {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[PLUGIN_BRAND] === true;
}
