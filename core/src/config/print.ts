// `lb server --print-config`: the merged config as YAML, secrets masked, so an admin sees what runs.
import { stringify } from 'yaml';
import type { KernelConfig } from './config';
import { NO_DRIVER } from './merge';

/** Shown in place of a secret's value. */
export const MASKED = '<hidden>';

/** The config as YAML: drivers turned off read `none`, the token and the etcd password are masked. */
export function printableConfig(cfg: KernelConfig): string {
  const { configFile, ...rest } = cfg;
  const drivers = Object.fromEntries(Object.entries(rest.drivers).map(([kind, ref]) => [kind, ref ?? NO_DRIVER]));
  const auth = rest.store.etcd.auth;
  const shown = {
    ...rest,
    ...(rest.token !== undefined ? { token: MASKED } : {}),
    drivers,
    store: { ...rest.store, etcd: { ...rest.store.etcd, ...(auth ? { auth: { ...auth, password: MASKED } } : {}) } },
  };
  const from = configFile ? `defaults, ${configFile}, environment and flags` : 'defaults, environment and flags (no config file)';
  return `# lb server: the merged config (${from})\n${stringify(shown)}`;
}
