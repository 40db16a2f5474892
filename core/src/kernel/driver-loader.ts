// Loads a driver package by the name the config gives, and refuses it with a message that names the
// driver, what is wrong and the fix: missing package, no driver manifest, wrong kind, incompatible
// API version, config that fails the driver's schema, or a probe that fails on this host.
// Packages come only from where the admin installs them (`<data dir>/drivers`, the packages installed
// with lb), and no code of a package runs before its package.json says it is what was asked for.
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  LbError,
  PLUGIN_API_VERSION,
  apiMismatch,
  driverIdentity,
  identityInfo,
  isDriverDefinition,
  isHookPlugin,
  isPlugin,
  issuesToFields,
  invalid,
  type DriverDefinition,
  type DriverIdentity,
  type DriverInstances,
  type DriverKind,
  type DriverPackageManifest,
  type HookPlugin,
  type Plugin,
} from '@lastbackend/sdk';
import { NAME_ONLY_REASON, isPackageName, isPackagePath } from '../config/package-name';
import type { Logger } from './logger';

/** A driver package found and checked from its package.json alone: no code of it has run. */
export interface ResolvedPackage {
  /** Package name (as its package.json says), e.g. "@lastbackend/driver-docker". */
  name: string;
  version: string;
  dir: string;
  manifest: DriverPackageManifest;
  /** Everything about who the driver is, from its package.json. */
  identity: DriverIdentity;
}

/** A driver package whose code is loaded: its definition. */
export interface LoadedPackage extends ResolvedPackage {
  definition: DriverDefinition;
}

/**
 * The API of plugin packages ("kind": ["plugin"]): the SDK's plugin contract, which driver API 2 did not
 * change, so their manifests keep "api": "1".
 */
export { PLUGIN_API_VERSION };

/** Where driver and hook packages are looked for. Plain data: it crosses to a driver's child process. */
export interface PackageSources {
  /** node_modules directories looked in as they are, never their parents': `<data dir>/drivers/node_modules`. */
  modules: string[];
  /** Directories whose node_modules and their ancestors' are looked in, as node resolves: the kernel's install. */
  walkFrom: string[];
  /** A path instead of a name is accepted only with this (the admin's config file, a command line); never for the API. */
  paths?: { relativeTo?: string };
}

/** The kernel's own directory: node resolution from here finds the packages installed with lb. */
const KERNEL_DIR = __dirname;

/**
 * The kernel's sources: what is installed into `<data dir>/drivers`, then the packages installed with lb.
 * Never the current directory. Paths only when the config file named them (`configFile`: its entries).
 */
export function kernelPackageSources(dataDir: string, fromConfig?: { configFile?: string }): PackageSources {
  return {
    modules: [join(dataDir, 'drivers', 'node_modules')],
    walkFrom: [KERNEL_DIR],
    ...(fromConfig ? { paths: fromConfig.configFile ? { relativeTo: dirname(fromConfig.configFile) } : {} } : {}),
  };
}

/** The directories a name was looked for in, for a "not installed" message. */
export function describeSources(s: PackageSources): string[] {
  return [...s.modules, ...s.walkFrom.map((d) => (d === KERNEL_DIR ? 'the packages installed with lb' : `${join(d, 'node_modules')} (and its parents')`))];
}

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  lastbackend?: { kind?: string[] | string; api?: unknown };
}

const configHint = (kind: DriverKind) => `drivers.${kind}.package in the config`;
/** The manifest kind of a hook plugin package (`plugins:` in the config). */
export const HOOK_PLUGIN_KIND = 'plugin';

/** A package name or path, checked against what the sources allow; the package directory, if it exists. */
function findPackageDir(pkg: string, src: PackageSources): string | undefined {
  if (!isPackageName(pkg)) {
    if (!isPackagePath(pkg)) throw invalid([{ field: 'package', reason: `"${pkg}" is neither an npm package name nor a path` }], 'invalid package');
    if (!src.paths) throw invalid([{ field: 'package', reason: `"${pkg}": ${NAME_ONLY_REASON}` }], 'invalid package');
    const base = src.paths.relativeTo;
    if (!isAbsolute(pkg) && !base)
      throw invalid([{ field: 'package', reason: `"${pkg}" is a relative path and there is no config file it is relative to; give an absolute path` }], 'invalid package');
    const dir = isAbsolute(pkg) ? pkg : resolve(base!, pkg);
    return existsSync(join(dir, 'package.json')) ? dir : undefined;
  }
  for (const modules of src.modules) {
    const candidate = join(modules, pkg);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  for (const base of src.walkFrom) {
    for (let dir = base; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', pkg);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

function readPackageJson(dir: string, pkg: string): PackageJson {
  try {
    const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as unknown;
    if (!pj || typeof pj !== 'object' || Array.isArray(pj)) throw new Error('not a JSON object');
    return pj as PackageJson;
  } catch (e) {
    throw new LbError('DRIVER_INVALID', `package "${pkg}" has an unreadable package.json: ${(e as Error).message}`, { fix: `reinstall ${pkg}` });
  }
}

/** The manifest's kinds and API, or the reason it does not make the package what was asked for. */
function checkManifest(pj: PackageJson, pkg: string, want: string, hint: string, pluginWhat = 'hook plugin'): { kinds: string[]; api: string } {
  const lb = pj.lastbackend;
  const what = want === HOOK_PLUGIN_KIND ? pluginWhat : 'driver';
  if (!lb || typeof lb !== 'object' || !lb.kind)
    throw new LbError('DRIVER_INVALID', `package "${pkg}" is not a Last.Backend ${what}: its package.json has no "lastbackend" field`, {
      fix: want === HOOK_PLUGIN_KIND ? `add "lastbackend": { "kind": ["plugin"], "api": "${PLUGIN_API_VERSION}" } to its package.json, or remove it from ${hint}` : `name a driver package in ${hint}`,
    });
  const kinds = (Array.isArray(lb.kind) ? lb.kind : [lb.kind]).map(String);
  if (!kinds.includes(want))
    throw new LbError('DRIVER_KIND_MISMATCH', `package "${pkg}" is a ${kinds.join('/')} ${kinds.includes(HOOK_PLUGIN_KIND) ? 'package' : 'driver'}, not a ${want === HOOK_PLUGIN_KIND ? what : `${want} driver`}`, {
      fix: want === HOOK_PLUGIN_KIND ? `name a ${what} in ${hint}` : `name a ${want} driver in ${hint}`,
    });
  const api = typeof lb.api === 'string' || typeof lb.api === 'number' ? String(lb.api) : '';
  if (want === HOOK_PLUGIN_KIND) {
    if (api.split('.')[0] !== PLUGIN_API_VERSION)
      throw new LbError('DRIVER_API_MISMATCH', `${what} "${pkg}" is built for plugin API ${api || '(none)'}; this kernel needs ${PLUGIN_API_VERSION}`, {
        fix: `install a version of ${pkg} built for plugin API ${PLUGIN_API_VERSION}`,
      });
    return { kinds, api };
  }
  const mismatch = apiMismatch(`driver "${pkg}"`, api);
  if (mismatch) throw new LbError('DRIVER_API_MISMATCH', mismatch.message, { fix: mismatch.fix });
  return { kinds, api };
}

/** Requires the package's entry point, which must lie inside the package (a "main" cannot point elsewhere). */
function requireEntry(dir: string, pkg: string, what: string): unknown {
  let entry: string;
  try {
    entry = require.resolve(dir);
  } catch (e) {
    throw new LbError('DRIVER_INVALID', `${what} "${pkg}" failed to load: ${(e as Error).message.split('\n')[0]}`, { fix: `reinstall ${pkg}` });
  }
  const rel = relative(realpathSync(dir), realpathSync(entry));
  if (rel.startsWith('..') || isAbsolute(rel))
    throw new LbError('DRIVER_INVALID', `${what} "${pkg}" names an entry point outside its package (${entry})`, { fix: `reinstall ${pkg}` });
  try {
    return require(entry);
  } catch (e) {
    throw new LbError('DRIVER_INVALID', `${what} "${pkg}" failed to load: ${(e as Error).message}`, { fix: `reinstall ${pkg}` });
  }
}

function notInstalled(what: string, pkg: string, hint: string): LbError {
  return new LbError('DRIVER_NOT_FOUND', `${what} package "${pkg}" is not installed`, {
    fix: `install it (npm install ${pkg}) in <data dir>/drivers, or name an installed package in ${hint}`,
  });
}

/** Finds a driver package and checks its manifest (kind, driver API): its identity, before any of its code runs. */
export function resolveDriverPackage(kind: DriverKind, pkg: string, src: PackageSources): ResolvedPackage {
  const dir = findPackageDir(pkg, src);
  if (!dir) throw notInstalled(`${kind} driver`, pkg, configHint(kind));
  const pj = readPackageJson(dir, pkg);
  const { kinds, api } = checkManifest(pj, pkg, kind, configHint(kind));
  const identity = driverIdentity(pj, pkg);
  return { name: identity.package, version: identity.version, dir, manifest: { kind: kinds as DriverKind[], api }, identity };
}

/** Resolves the package, then loads its code and checks its definition (the SDK it was built with). */
export function loadDriverPackage(kind: DriverKind, pkg: string, src: PackageSources): LoadedPackage {
  const resolved = resolveDriverPackage(kind, pkg, src);
  const mod = requireEntry(resolved.dir, pkg, 'driver');
  const def = (mod as { default?: unknown }).default ?? mod;
  if (!isDriverDefinition(def))
    throw new LbError('DRIVER_INVALID', `driver "${pkg}" does not default-export defineDriver({...}) from @lastbackend/sdk`, {
      fix: `use a driver package built with @lastbackend/sdk`,
    });
  // The package.json may claim API 2 while the code was built with an older SDK: the SDK stamps the truth.
  const mismatch = apiMismatch(`driver "${pkg}"`, typeof def.api === 'string' ? def.api : '');
  if (mismatch) throw new LbError('DRIVER_API_MISMATCH', `${mismatch.message} (its code, whatever its package.json says)`, { fix: mismatch.fix });
  return { ...resolved, definition: def };
}

/**
 * A plugin package (manifest kind "plugin"): the same places and checks as a driver. `hint` names the config
 * key that named it, `what` the kind of plugin asked for, for the messages.
 */
export function loadPluginPackage(pkg: string, src: PackageSources, hint: string, what = 'plugin'): Plugin {
  const dir = findPackageDir(pkg, src);
  if (!dir) throw notInstalled(what, pkg, hint);
  checkManifest(readPackageJson(dir, pkg), pkg, HOOK_PLUGIN_KIND, hint, what);
  const mod = requireEntry(dir, pkg, what);
  const plugin = (mod as { default?: unknown }).default ?? mod;
  if (!isPlugin(plugin))
    throw new LbError('DRIVER_INVALID', `"${pkg}" is not a ${what} (default-export definePlugin({...}))`, { fix: `remove it from ${hint}` });
  return plugin;
}

/** A hook plugin (`plugins:` in the config): a plugin that taps the hooks. */
export function loadHookPlugin(pkg: string, src: PackageSources): HookPlugin {
  const hint = 'plugins in the config';
  const plugin = loadPluginPackage(pkg, src, hint, 'hook plugin');
  if (!isHookPlugin(plugin))
    throw new LbError('DRIVER_INVALID', `"${pkg}" is not a hook plugin (default-export definePlugin({...}))`, { fix: `remove it from ${hint}` });
  return plugin;
}

/** Validates the driver's own config; errors name drivers.<kind>.config.<field>. */
export function validateDriverConfig(kind: DriverKind, loaded: LoadedPackage, config: unknown): unknown {
  const schema = loaded.definition.configSchema;
  if (!schema) return config;
  const r = schema.safeParse(config);
  if (r.success) return r.data;
  throw invalid(issuesToFields(r.error.issues, ['drivers', kind, 'config']), `config of driver "${loaded.name}" is invalid`);
}

export interface DriverSetup {
  loaded: LoadedPackage;
  config: unknown;
  node: string;
  stateRoot: string;
  logger: Logger;
}

/** Creates the driver with its own logger, state dir (by its short name) and identity. */
export async function createDriver(s: DriverSetup): Promise<DriverInstances> {
  const { name } = s.loaded.identity;
  const stateDir = join(s.stateRoot, name);
  mkdirSync(stateDir, { recursive: true });
  const logger = s.logger.child(`driver:${name}`);
  return s.loaded.definition.create({ config: s.config, logger, stateDir, node: s.node, info: identityInfo(s.loaded.identity) });
}
