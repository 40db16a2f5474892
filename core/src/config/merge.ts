// A config file names only what it changes: its drivers are laid over the default set, kind by kind.
import { DRIVER_KINDS, type DriverKind } from '@lastbackend/sdk';
import { DEFAULT_DRIVERS } from './defaults';

/** The word a config file uses for "no driver of this kind", e.g. `cni: none` (pods on the runtime's own network). */
export const NO_DRIVER = 'none';

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isKind = (k: string): k is DriverKind => (DRIVER_KINDS as readonly string[]).includes(k);

/**
 * The drivers of a config file merged over the defaults, per kind:
 * - a kind the file leaves out keeps its default;
 * - `none` (or null) turns the kind off (null in the result);
 * - an entry without a package is laid over the default entry key by key (e.g. `cni: { config: { mtu: 1400 } }`;
 *   a `config` it names replaces the default's `config` as a whole);
 * - an entry naming a package replaces the default entry, its fallback included: what the file names is what
 *   runs (`cpi: { package: "@lastbackend/driver-ipvs" }` has no fallback).
 * Anything else (unknown kinds, wrong types) is passed on unchanged for the schema to refuse with the field.
 */
export function mergeDrivers(file: unknown): unknown {
  const merged: Record<string, unknown> = Object.fromEntries(DRIVER_KINDS.map((k) => [k, structuredClone(DEFAULT_DRIVERS[k])]));
  if (file === undefined || file === null) return merged;
  if (!isMapping(file)) return file;
  for (const [kind, entry] of Object.entries(file)) {
    if (!isKind(kind) || entry === undefined) {
      merged[kind] = entry;
      continue;
    }
    if (entry === null || entry === NO_DRIVER) merged[kind] = null;
    else if (isMapping(entry) && entry.package === undefined) merged[kind] = { ...DEFAULT_DRIVERS[kind], ...entry };
    else merged[kind] = entry;
  }
  return merged;
}
