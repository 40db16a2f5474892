// Capability plugins (discovery, ingress) load by the package name the config gives, from the same places
// and with the same manifest check as drivers. Core names no plugin package: the defaults live in the config.
import { LbError, capabilityOf, type PluginCapabilities, type PluginCapability } from '@lastbackend/sdk';
import type { KernelConfig } from '../config/config';
import { kernelPackageSources, loadPluginPackage, type PackageSources } from '../kernel/driver-loader';

export interface LoadedCapability<C extends PluginCapability> {
  /** The package the config named. */
  package: string;
  /** The plugin's own name. */
  name: string;
  create: PluginCapabilities[C];
}

/** `capability`'s plugin from package `pkg`; refused (naming `<capability>.plugin`) when it does not provide it. */
export function loadCapability<C extends PluginCapability>(capability: C, pkg: string, src: PackageSources): LoadedCapability<C> {
  const hint = `${capability}.plugin in the config`;
  const plugin = loadPluginPackage(pkg, src, hint, `${capability} plugin`);
  const create = capabilityOf(plugin, capability);
  if (!create)
    throw new LbError('DRIVER_KIND_MISMATCH', `plugin "${pkg}" (${plugin.name}) provides no ${capability}`, {
      fix: `name a ${capability} plugin in ${hint}: one whose definePlugin({...}) has ${capability}: (options) => …`,
    });
  return { package: pkg, name: plugin.name, create };
}

/** The plugin the config names for `capability` (a path only as the config file gives it). */
export function configuredCapability<C extends PluginCapability>(cfg: Pick<KernelConfig, 'data_dir' | 'configFile' | C>, capability: C): LoadedCapability<C> {
  const section = cfg[capability] as { plugin: string };
  return loadCapability(capability, section.plugin, kernelPackageSources(cfg.data_dir, { configFile: cfg.configFile }));
}
