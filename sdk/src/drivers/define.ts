// A driver package: its identity (name, version, kinds, driver API) is declared once, in its package.json
// ("name", "version" and "lastbackend": { "kind": [...], "api": "2" }); its code default-exports
// defineDriver({ configSchema, create }). The kernel reads the identity from the package and hands it to the
// driver (ctx.info) for info(), so no driver repeats it.
import type { SchemaLike } from '../validation';
import { DRIVER_API_VERSION, DRIVER_KINDS, type DriverInfo, type DriverInstances, type DriverKind } from './types';

/** Brand that marks a driver definition; a Symbol.for so copies of the SDK agree on it. */
export const DRIVER_BRAND: unique symbol = Symbol.for('io.lastbackend.driver') as never;

/** The first @lastbackend/sdk release that speaks each driver API major, for "rebuild against" messages. */
export const SDK_FOR_DRIVER_API: Readonly<Record<string, string>> = { '1': '0.1.0', '2': '0.1.0' };

export interface DriverLogger {
  debug(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
}

/** What the kernel hands a driver when it creates it. */
export interface DriverContext<C> {
  /** Config validated against the driver's schema. */
  config: C;
  logger: DriverLogger;
  /** Directory the driver owns for its own state; survives restarts. */
  stateDir: string;
  /** Name of the node this instance runs on. */
  node: string;
  /** The driver's identity, read from its package.json: what its instances return from info(). */
  info: DriverInfo;
}

export interface DriverDefinition<C = unknown> {
  readonly [DRIVER_BRAND]: true;
  /** Driver API major of the SDK the driver was built with (stamped by defineDriver, not declared). */
  readonly api: string;
  readonly configSchema?: SchemaLike<C>;
  create(ctx: DriverContext<C>): Promise<DriverInstances> | DriverInstances;
}

export type DriverDefinitionInput<C> = Omit<DriverDefinition<C>, typeof DRIVER_BRAND | 'api'>;

/** Declares a driver package's default export. */
export function defineDriver<C>(def: DriverDefinitionInput<C>): DriverDefinition<C> {
  return Object.freeze({ ...def, api: DRIVER_API_VERSION, [DRIVER_BRAND]: true as const });
}

export function isDriverDefinition(v: unknown): v is DriverDefinition {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[DRIVER_BRAND] === true;
}

/** The `lastbackend` field of a driver package's package.json. */
export interface DriverPackageManifest {
  kind: DriverKind[];
  api: string;
}

/** Who a driver is: everything comes from its package.json. */
export interface DriverIdentity {
  /** npm package name, e.g. "@lastbackend/driver-docker": what nodes report and `lb driver ls` shows. */
  package: string;
  /** Short name: the package name without its scope and "driver-" prefix, e.g. "docker". Names its state dir. */
  name: string;
  version: string;
  kinds: DriverKind[];
  /** Driver API major it was built for. */
  api: string;
}

/** "@lastbackend/driver-docker" → "docker", "@example/driver-memory" → "memory", "my-csi" → "my-csi". */
export function driverShortName(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, '').replace(/^(?:lastbackend-)?driver-(?=.)/, '');
}

/** The identity a package.json declares; undefined fields fall back to what the caller asked for. */
export function driverIdentity(packageJson: unknown, asked = ''): DriverIdentity {
  const pj = (typeof packageJson === 'object' && packageJson !== null ? packageJson : {}) as { name?: unknown; version?: unknown; lastbackend?: unknown };
  const lb = (typeof pj.lastbackend === 'object' && pj.lastbackend !== null ? pj.lastbackend : {}) as { kind?: unknown; api?: unknown };
  const pkg = typeof pj.name === 'string' && pj.name ? pj.name : asked;
  const kinds = lb.kind;
  const api = lb.api;
  return {
    package: pkg,
    name: driverShortName(pkg),
    version: typeof pj.version === 'string' ? pj.version : '0.0.0',
    kinds: (Array.isArray(kinds) ? kinds : [kinds]).filter((k): k is DriverKind => (DRIVER_KINDS as readonly unknown[]).includes(k)),
    api: typeof api === 'string' || typeof api === 'number' ? String(api) : '',
  };
}

/** What info() returns for a driver of this identity. */
export const identityInfo = (id: DriverIdentity): DriverInfo => ({ name: id.name, version: id.version, api: [id.api.split('.')[0]] });

/**
 * Why a driver built for `built` cannot run under this SDK's driver API, with the fix; undefined when it can.
 * Only the major counts: within a major, changes are additive (see docs/drivers.md, "Version policy").
 */
export function apiMismatch(what: string, built: string): { message: string; fix: string } | undefined {
  const major = built.split('.')[0];
  if (major === DRIVER_API_VERSION) return undefined;
  const since = SDK_FOR_DRIVER_API[DRIVER_API_VERSION];
  return {
    message: `${what} is built for driver API ${built || '(none)'}; this kernel needs ${DRIVER_API_VERSION}`,
    fix: `rebuild it against @lastbackend/sdk >= ${since} (driver API ${DRIVER_API_VERSION}) and declare "lastbackend": { "api": "${DRIVER_API_VERSION}" } in its package.json, or install a version of it built for driver API ${DRIVER_API_VERSION}`,
  };
}
