// The one way a driver package becomes driver instances: load it (manifest, kind, driver API), validate its
// config against its schema, create it, and check that it made the kind asked for. The kernel (in-process
// drivers), the out-of-process driver host and `lb conformance` all go through here.
import { LbError, type DriverInstances, type DriverKind } from '@lastbackend/sdk';
import { createDriver, loadDriverPackage, validateDriverConfig, type LoadedPackage, type PackageSources } from './driver-loader';
import type { Logger } from './logger';

export interface InstantiateRequest {
  kind: DriverKind;
  /** Package name, or a path where the sources allow one. */
  package: string;
  sources: PackageSources;
  /** The driver's config as given; validated here. */
  config: unknown;
  node: string;
  /** Directory the driver's own state dir goes under. */
  stateRoot: string;
  logger: Logger;
  /** What to say when the driver's create() throws something other than an LbError. */
  createFix?: string;
}

export interface Instantiated {
  loaded: LoadedPackage;
  /** The config after the driver's schema (defaults filled in). */
  config: unknown;
  instances: DriverInstances;
}

export async function instantiate(req: InstantiateRequest): Promise<Instantiated> {
  const loaded = loadDriverPackage(req.kind, req.package, req.sources);
  const config = validateDriverConfig(req.kind, loaded, req.config);
  let instances: DriverInstances;
  try {
    instances = await createDriver({ loaded, config, node: req.node, stateRoot: req.stateRoot, logger: req.logger });
  } catch (e) {
    if (e instanceof LbError) throw e;
    throw new LbError('DRIVER_INVALID', `driver "${req.package}" failed to start: ${(e as Error).message}`, {
      fix: req.createFix ?? `check drivers.${req.kind}.config`,
    });
  }
  if (!instances[req.kind]) {
    await disposeInstances(instances);
    throw new LbError('DRIVER_KIND_MISMATCH', `driver "${req.package}" created no ${req.kind} implementation`, { fix: `name a ${req.kind} driver in drivers.${req.kind}.package` });
  }
  return { loaded, config, instances };
}

/** Disposes each distinct instance once (one object may serve several kinds); never throws. */
export async function disposeInstances(instances: DriverInstances): Promise<void> {
  const distinct = new Set(Object.values(instances).filter((d): d is NonNullable<typeof d> => d !== undefined));
  for (const d of distinct) await d.dispose().catch(() => undefined);
}
