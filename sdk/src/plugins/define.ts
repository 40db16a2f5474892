// One plugin contract. A plugin is a package whose package.json says `"lastbackend": { "kind": ["plugin"],
// "api": "<driver API>" }` and whose default export is definePlugin({...}). A plugin may tap the kernel's
// hooks (`apply`, for packages named in the config's `plugins` list) and/or provide a capability the kernel
// uses through an SDK interface: `discovery` (the node's DNS) or `ingress` (the HTTP(S) proxy), named by
// package in the config (`discovery.plugin`, `ingress.plugin`). The kernel never imports a plugin: it loads
// it by name, from the same places and with the same manifest check as a driver.
import type { KernelHooks } from '../hooks';
import type { DiscoveryFactory } from './discovery';
import type { IngressFactory } from './ingress';

/**
 * The plugin contract's version, which a plugin's manifest names ("api"). Its own, apart from the driver
 * API: driver API 2 did not change it.
 */
export const PLUGIN_API_VERSION = '1';

/** Marks a plugin object; `Symbol.for` so that a plugin built against another copy of the SDK is recognised. */
export const PLUGIN_BRAND: unique symbol = Symbol.for('io.lastbackend.plugin') as never;

/** What a plugin may provide, by the config key that names the package. */
export interface PluginCapabilities {
  discovery: DiscoveryFactory;
  ingress: IngressFactory;
}
export type PluginCapability = keyof PluginCapabilities;
export const PLUGIN_CAPABILITIES = ['discovery', 'ingress'] as const satisfies readonly PluginCapability[];

export interface PluginDefinition extends Partial<PluginCapabilities> {
  /** Names the plugin in logs, hook taps and errors. */
  readonly name: string;
  /** Taps the kernel's hooks; called once when the kernel loads the plugin from the config's `plugins` list. */
  apply?(hooks: KernelHooks): void;
}

export interface Plugin extends PluginDefinition {
  readonly [PLUGIN_BRAND]: true;
}

/** A plugin that taps hooks: what the config's `plugins` list accepts. */
export interface HookPlugin extends Plugin {
  apply(hooks: KernelHooks): void;
}

export function definePlugin<D extends PluginDefinition>(def: D): D & Plugin {
  if (typeof def?.name !== 'string' || def.name === '') throw new TypeError('definePlugin: name must be a non-empty string');
  for (const c of PLUGIN_CAPABILITIES)
    if (def[c] !== undefined && typeof def[c] !== 'function') throw new TypeError(`definePlugin: ${c} must be a factory function`);
  if (def.apply !== undefined && typeof def.apply !== 'function') throw new TypeError('definePlugin: apply must be a function');
  return Object.freeze({ ...def, [PLUGIN_BRAND]: true as const });
}

/** Branded, with a name: a plugin object (whichever capabilities it has). */
export function isPlugin(v: unknown): v is Plugin {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[PLUGIN_BRAND] === true && typeof (v as { name?: unknown }).name === 'string';
}

export function isHookPlugin(v: unknown): v is HookPlugin {
  return isPlugin(v) && typeof v.apply === 'function';
}

/** The plugin's factory for `capability`, if it provides it. */
export function capabilityOf<C extends PluginCapability>(plugin: Plugin, capability: C): PluginCapabilities[C] | undefined {
  const f = plugin[capability];
  return typeof f === 'function' ? (f as PluginCapabilities[C]) : undefined;
}
