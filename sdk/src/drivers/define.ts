import type { SchemaLike } from '../validation';
import type { DriverInstances, DriverKind } from './types';

/** Brand that marks a driver definition; a Symbol.for so copies of the SDK agree on it. */
export const DRIVER_BRAND: unique symbol = Symbol.for('io.lastbackend.driver') as never;

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
  /**
   * The driver's own dependency container (a tsyringe child container of the kernel's). Typed loosely
   * here so the SDK does not depend on tsyringe; resolve what the kernel registered by token.
   */
  container: { resolve<T>(token: string): T; isRegistered(token: string): boolean };
}

export interface DriverDefinition<C = unknown> {
  readonly [DRIVER_BRAND]: true;
  /** Package-independent name, e.g. "docker". */
  readonly name: string;
  readonly version: string;
  readonly kinds: readonly DriverKind[];
  /** Driver API major this driver was built against (DRIVER_API_VERSION of its SDK). */
  readonly api: string;
  readonly configSchema?: SchemaLike<C>;
  create(ctx: DriverContext<C>): Promise<DriverInstances> | DriverInstances;
}

export type DriverDefinitionInput<C> = Omit<DriverDefinition<C>, typeof DRIVER_BRAND>;

/** Declares a driver package's default export. */
export function defineDriver<C>(def: DriverDefinitionInput<C>): DriverDefinition<C> {
  return Object.freeze({ ...def, kinds: Object.freeze([...def.kinds]), [DRIVER_BRAND]: true as const });
}

export function isDriverDefinition(v: unknown): v is DriverDefinition {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[DRIVER_BRAND] === true;
}

/** The `lastbackend` field of a driver package's package.json. */
export interface DriverPackageManifest {
  kind: DriverKind[];
  api: string;
}
