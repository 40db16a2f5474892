// Loads a driver package for `lb conformance` the way the kernel does: the same search (<data dir>/drivers,
// the packages installed with lb) plus the current directory and a local path, since the command line is
// the user's own (the server never looks there); the same manifest and API checks, config validation against the driver's schema, and
// createDriver with a tsyringe child container and a state dir (a temp one, removed by dispose()).
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import { LbError, type DriverBase, type DriverInstances, type DriverKind } from '@lastbackend/sdk';
import { createDriver, kernelPackageSources, loadDriverPackage, validateDriverConfig, type LoadedPackage, type PackageSources } from '../../kernel/driver-loader';
import { createLogger } from '../../kernel/logger';

export interface LoadedDriver {
  loaded: LoadedPackage;
  instances: DriverInstances;
  /** Disposes every instance the driver made and removes the temp state dir. */
  dispose(): Promise<void>;
}

/** Where a package named on the command line is looked for: the kernel's places, then the current directory; a path from cwd. */
export function conformanceSources(dataDir: string): PackageSources {
  const kernel = kernelPackageSources(dataDir);
  return { modules: kernel.modules, walkFrom: [...kernel.walkFrom, process.cwd()], paths: { relativeTo: process.cwd() } };
}

export async function loadForConformance(kind: DriverKind, pkg: string, config: unknown, dataDir: string): Promise<LoadedDriver> {
  const loaded = loadDriverPackage(kind, pkg, conformanceSources(dataDir));
  const valid = validateDriverConfig(kind, loaded, config);
  const stateRoot = mkdtempSync(join(tmpdir(), 'lb-conformance-'));
  const removeState = () => rmSync(stateRoot, { recursive: true, force: true });
  let instances: DriverInstances;
  try {
    instances = await createDriver({
      kind,
      loaded,
      config: valid,
      node: 'conformance',
      stateRoot,
      // Driver warnings go to stderr; the table goes to stdout.
      logger: createLogger('warn'),
      container: rootContainer,
    });
  } catch (e) {
    removeState();
    if (e instanceof LbError) throw e;
    throw new LbError('DRIVER_INVALID', `driver "${pkg}" failed to start: ${(e as Error).message}`, { fix: `check the driver's config (--config)` });
  }
  const dispose = async () => {
    const distinct = new Set(Object.values(instances).filter((x): x is DriverBase => x !== undefined));
    for (const d of distinct) await d.dispose().catch(() => undefined);
    removeState();
  };
  if (!instances[kind]) {
    await dispose();
    throw new LbError('DRIVER_KIND_MISMATCH', `driver "${pkg}" created no ${kind} implementation`, { fix: `name a ${kind} driver` });
  }
  return { loaded, instances, dispose };
}
