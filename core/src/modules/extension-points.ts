// The five extension points as injection tokens, typed by the SDK's driver interfaces:
//   constructor(@Inject(CRI) private readonly cri: ContainerRuntime) {}
// What a token resolves to is a view of the kernel's live registry, not the driver that was active at
// injection: every call goes to kernel.driver(kind) at call time, so after a hot swap the same injected
// object reaches the new driver. A kind with no driver fails at call time, naming the config key.
import type { InjectionToken, Provider } from '@nestjs/common';
import type { DriverInstances, DriverKind } from '@lastbackend/sdk';
import type { Kernel } from '../kernel/kernel';

export const CRI = Symbol('cri');
export const CII = Symbol('cii');
export const CSI = Symbol('csi');
export const CNI = Symbol('cni');
export const CPI = Symbol('cpi');

export const EXTENSION_POINTS: Readonly<Record<DriverKind, symbol>> = { cri: CRI, cii: CII, csi: CSI, cni: CNI, cpi: CPI };

/** The driver interface behind an extension point (ContainerRuntime for cri, …). */
export type ExtensionPoint<K extends DriverKind> = NonNullable<DriverInstances[K]>;

/**
 * Names asked of every provider that are no driver's: Nest awaits what a factory returns (then) and
 * looks for lifecycle hooks on it, before any driver is loaded.
 */
const NOT_DRIVER_MEMBERS = new Set(['then', 'constructor', 'onModuleInit', 'onApplicationBootstrap', 'onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown']);

/**
 * A view of `kind` that forwards to whichever driver the kernel has active when it is used. Methods are
 * looked up and called on the driver of the moment; nothing of a driver is cached, so a method taken
 * off the view (`const list = cri.list`) follows swaps too.
 */
export function liveDriver<K extends DriverKind>(kernel: Pick<Kernel, 'driver'>, kind: K): ExtensionPoint<K> {
  const view = new Proxy(Object.create(null) as object, {
    get(_target, prop) {
      if (typeof prop === 'symbol' || NOT_DRIVER_MEMBERS.has(prop)) return undefined;
      const member = Reflect.get(kernel.driver(kind), prop) as unknown;
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => {
        const driver = kernel.driver(kind);
        return (Reflect.get(driver, prop) as (...a: unknown[]) => unknown).apply(driver, args);
      };
    },
    has: (_target, prop) => prop in kernel.driver(kind),
    set: () => false,
  });
  return view as ExtensionPoint<K>;
}

/** One provider per extension point, each a live view of the kernel provided under `kernelToken`. */
export function extensionPointProviders(kernelToken: InjectionToken): Provider[] {
  return (Object.entries(EXTENSION_POINTS) as [DriverKind, symbol][]).map(([kind, token]) => ({
    provide: token,
    useFactory: (kernel: Kernel) => liveDriver(kernel, kind),
    inject: [kernelToken],
  }));
}
