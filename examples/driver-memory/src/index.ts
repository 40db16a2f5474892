// @example/driver-memory: a CRI + CII driver for tests and benchmarks of the platform itself. Containers and
// images are records in this process's memory; a container "runs" its command in a tiny emulated shell
// (src/shell.ts). Nothing runs on the host, so it measures the platform's own cost, not a runtime's.
// Its identity (name, version, kinds, driver API) is its package.json's; the kernel hands it over as ctx.info.
import { defineDriver } from '@lastbackend/sdk';
import { configSchema, type MemoryDriverConfig } from './config';
import { ImageStore, MemoryImages } from './images';
import { MemoryRuntime } from './runtime';

export default defineDriver<MemoryDriverConfig>({
  configSchema,
  // The kernel creates one instance per package and config for both kinds, so they share the image store.
  create: ({ config, logger, info }) => {
    const store = new ImageStore(config.command);
    for (const ref of config.images) store.add(ref);
    const cri = new MemoryRuntime(store, config.logLines, logger, info);
    const cii = new MemoryImages(store, config.registries, info, (id) => cri.usesImage(id));
    return { cri, cii };
  },
});

export { configSchema, type MemoryDriverConfig } from './config';
export { ImageStore, MemoryImages, normalizeRef, registryOf, type ImageRecord } from './images';
export { MemoryRuntime } from './runtime';
export { commandNames, run, script, Killed, type Host, type Io } from './shell';
