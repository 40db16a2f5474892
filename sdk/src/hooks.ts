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

// Plugins (hook plugins and capability plugins alike) are defined in ./plugins.
