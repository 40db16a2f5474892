// @example/driver-memory: a CRI + CII driver for tests and benchmarks of the platform itself. Containers and
// images are records in this process's memory; a container "runs" its command in a tiny emulated shell
// (src/shell.ts). Nothing runs on the host, so it measures the platform's own cost, not a runtime's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDriver, DRIVER_API_VERSION } from '@lastbackend/sdk';
import { configSchema, type MemoryDriverConfig } from './config';
import { DRIVER_NAME, ImageStore, MemoryImages } from './images';
import { MemoryRuntime } from './runtime';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
export const version = typeof pkg.version === 'string' ? pkg.version : '0.0.0';

export default defineDriver<MemoryDriverConfig>({
  name: DRIVER_NAME,
  version,
  kinds: ['cri', 'cii'],
  api: DRIVER_API_VERSION,
  configSchema,
  // The kernel creates one instance per package and config for both kinds, so they share the image store.
  create: ({ config, logger }) => {
    const store = new ImageStore(config.command);
    for (const ref of config.images) store.add(ref);
    const cri = new MemoryRuntime(store, config.logLines, logger, version);
    const cii = new MemoryImages(store, config.registries, version, (id) => cri.usesImage(id));
    return { cri, cii };
  },
});

export { configSchema, type MemoryDriverConfig } from './config';
export { DRIVER_NAME, ImageStore, MemoryImages, normalizeRef, registryOf, type ImageRecord } from './images';
export { MemoryRuntime } from './runtime';
export { commandNames, run, script, Killed, type Host, type Io } from './shell';
