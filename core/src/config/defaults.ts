// The default set of drivers and plugins: the one place that names them. A config file names only what it changes
// (config/merge.ts), so every node, a joined agent's included, runs these unless its file says otherwise.
import type { DriverKind } from '@lastbackend/sdk';

/** A driver entry as the defaults and a merged config hold it. */
export interface DefaultDriverEntry {
  package: string;
  config: Record<string, unknown>;
  fallback?: { package: string; config: Record<string, unknown> };
}

export const DEFAULT_DRIVERS: Readonly<Record<DriverKind, DefaultDriverEntry>> = {
  cri: { package: '@lastbackend/driver-docker', config: {} },
  cii: { package: '@lastbackend/driver-docker', config: {} },
  csi: { package: '@lastbackend/driver-hostdir', config: {} },
  // The overlay on every node, a single one included: pods on nodes that join later reach them.
  cni: { package: '@lastbackend/driver-vxlan', config: {} },
  cpi: { package: '@lastbackend/driver-ipvs', config: {}, fallback: { package: '@lastbackend/driver-nftables', config: {} } },
};

/** The default plugin for each capability (discovery.plugin, ingress.plugin): loaded by package name, like a driver. */
export const DEFAULT_PLUGINS = {
  discovery: '@lastbackend/plugin-discovery',
  ingress: '@lastbackend/plugin-ingress-haproxy',
} as const;
