// Loads a driver package by the name the config gives, and refuses it with a message that names the
// driver, what is wrong and the fix: missing package, no driver manifest, wrong kind, incompatible
// API version, config that fails the driver's schema, or a probe that fails on this host.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DependencyContainer } from 'tsyringe';
import {
  DRIVER_API_VERSION,
  LbError,
  isDriverDefinition,
  issuesToFields,
  invalid,
  type DriverDefinition,
  type DriverInstances,
  type DriverKind,
  type DriverPackageManifest,
} from '@lastbackend/sdk';
import type { Logger } from './logger';

export interface LoadedPackage {
  name: string;
  version: string;
  dir: string;
  manifest: DriverPackageManifest;
  definition: DriverDefinition;
}

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  lastbackend?: Partial<DriverPackageManifest> & { kind?: DriverKind[] | DriverKind };
}

const configHint = (kind: DriverKind) => `drivers.${kind}.package in the config`;

/** Finds the package directory of `pkg` from the search paths (its package.json, even with "exports"). */
function findPackageDir(pkg: string, paths: string[]): string | undefined {
  if (pkg.startsWith('/') || pkg.startsWith('.')) {
    for (const base of pkg.startsWith('/') ? [''] : paths) {
      const dir = base ? join(base, pkg) : pkg;
      if (existsSync(join(dir, 'package.json'))) return dir;
    }
    return undefined;
  }
  for (const base of paths) {
    for (let dir = base; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', pkg);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

export function loadDriverPackage(kind: DriverKind, pkg: string, paths: string[]): LoadedPackage {
  const dir = findPackageDir(pkg, paths);
  if (!dir)
    throw new LbError('DRIVER_NOT_FOUND', `${kind} driver package "${pkg}" is not installed`, {
      fix: `install it (npm install ${pkg}) or name an installed package in ${configHint(kind)}`,
    });
  const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  const lb = pj.lastbackend;
  if (!lb || !lb.kind)
    throw new LbError('DRIVER_INVALID', `package "${pkg}" is not a Last.Backend driver: its package.json has no "lastbackend" field`, {
      fix: `name a driver package in ${configHint(kind)}`,
    });
  const kinds = Array.isArray(lb.kind) ? lb.kind : [lb.kind];
  if (!kinds.includes(kind))
    throw new LbError('DRIVER_KIND_MISMATCH', `package "${pkg}" is a ${kinds.join('/')} driver, not a ${kind} driver`, {
      fix: `name a ${kind} driver in ${configHint(kind)}`,
    });
  const api = String(lb.api ?? '');
  if (api.split('.')[0] !== DRIVER_API_VERSION)
    throw new LbError('DRIVER_API_MISMATCH', `driver "${pkg}" was built for driver API ${api || '(none)'}, this kernel speaks API ${DRIVER_API_VERSION}`, {
      fix: `install a version of ${pkg} built for driver API ${DRIVER_API_VERSION}`,
    });

  let mod: unknown;
  try {
    mod = require(require.resolve(dir));
  } catch (e) {
    throw new LbError('DRIVER_INVALID', `driver "${pkg}" failed to load: ${(e as Error).message}`, { fix: `reinstall ${pkg}` });
  }
  const def = (mod as { default?: unknown }).default ?? mod;
  if (!isDriverDefinition(def))
    throw new LbError('DRIVER_INVALID', `driver "${pkg}" does not default-export defineDriver({...}) from @lastbackend/sdk`, {
      fix: `use a driver package built with @lastbackend/sdk`,
    });
  if (!def.kinds.includes(kind))
    throw new LbError('DRIVER_KIND_MISMATCH', `driver "${pkg}" implements ${def.kinds.join('/')}, not ${kind}`, { fix: `name a ${kind} driver in ${configHint(kind)}` });
  if (def.api.split('.')[0] !== DRIVER_API_VERSION)
    throw new LbError('DRIVER_API_MISMATCH', `driver "${pkg}" was built for driver API ${def.api}, this kernel speaks API ${DRIVER_API_VERSION}`, {
      fix: `install a version of ${pkg} built for driver API ${DRIVER_API_VERSION}`,
    });
  return { name: pj.name ?? pkg, version: pj.version ?? def.version, dir, manifest: { kind: kinds, api }, definition: def };
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
  kind: DriverKind;
  loaded: LoadedPackage;
  config: unknown;
  node: string;
  stateRoot: string;
  logger: Logger;
  container: DependencyContainer;
}

/** Creates the driver with its own child container, logger and state dir. */
export async function createDriver(s: DriverSetup): Promise<DriverInstances> {
  const stateDir = join(s.stateRoot, s.loaded.definition.name);
  mkdirSync(stateDir, { recursive: true });
  const child = s.container.createChildContainer();
  const logger = s.logger.child(`driver:${s.loaded.definition.name}`);
  child.register('logger', { useValue: logger });
  child.register('config', { useValue: s.config });
  child.register('stateDir', { useValue: stateDir });
  child.register('node', { useValue: s.node });
  return s.loaded.definition.create({ config: s.config, logger, stateDir, node: s.node, container: child });
}
