// Loads a driver package for `lb conformance` the way the kernel does: the same search (<data dir>/drivers,
// the packages installed with lb) plus the current directory and a local path, since the command line is
// the user's own (the server never looks there); then the kernel's instantiate() (manifest and API checks,
// config validation against the driver's schema, create, kind check) with a temp state dir that dispose() removes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriverInstances, DriverKind } from '@lastbackend/sdk';
import { kernelPackageSources, type LoadedPackage, type PackageSources } from '../../kernel/driver-loader';
import { disposeInstances, instantiate, type Instantiated } from '../../kernel/instantiate';
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
  const stateRoot = mkdtempSync(join(tmpdir(), 'lb-conformance-'));
  const removeState = () => rmSync(stateRoot, { recursive: true, force: true });
  let made: Instantiated;
  try {
    made = await instantiate({
      kind,
      package: pkg,
      sources: conformanceSources(dataDir),
      config,
      node: 'conformance',
      stateRoot,
      // Driver warnings go to stderr; the table goes to stdout.
      logger: createLogger('warn'),
      createFix: `check the driver's config (--config)`,
    });
  } catch (e) {
    removeState();
    throw e;
  }
  const dispose = async () => {
    await disposeInstances(made.instances);
    removeState();
  };
  return { loaded: made.loaded, instances: made.instances, dispose };
}
