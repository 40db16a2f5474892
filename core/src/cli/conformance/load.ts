// Loads a driver package for `lb conformance` the way the kernel does: the same search (cwd and
// <data dir>/drivers), manifest and API checks, config validation against the driver's schema, and
// createDriver with a tsyringe child container and a state dir (a temp one, removed by dispose()).
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import { LbError, type DriverBase, type DriverInstances, type DriverKind } from '@lastbackend/sdk';
import { createDriver, loadDriverPackage, validateDriverConfig, type LoadedPackage } from '../../kernel/driver-loader';
import { createLogger } from '../../kernel/logger';

export interface LoadedDriver {
  loaded: LoadedPackage;
  instances: DriverInstances;
  /** Disposes every instance the driver made and removes the temp state dir. */
  dispose(): Promise<void>;
}

/** Where a package named on the command line is looked for, in the kernel's order (no config file here). */
export const conformanceSearchPaths = (dataDir: string): string[] => [join(dataDir, 'drivers'), process.cwd(), __dirname];

export async function loadForConformance(kind: DriverKind, pkg: string, config: unknown, dataDir: string): Promise<LoadedDriver> {
  const loaded = loadDriverPackage(kind, pkg, conformanceSearchPaths(dataDir));
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
