// @example/driver-tmpfs: a third-party CSI driver for Last.Backend. Volumes are directories on a tmpfs the
// driver mounts itself at `root` on first use, so they live in memory and VANISH ON REBOOT (or unmount):
// use it for scratch space and caches, never for data that must survive.
// Its identity (name, version, kinds, driver API) is its package.json's; the kernel hands it over as ctx.info.
import { defineDriver } from '@lastbackend/sdk';
import { configSchema, type TmpfsDriverConfig } from './config';
import { TmpfsStorage } from './driver';

export default defineDriver<TmpfsDriverConfig>({
  configSchema,
  create: ({ config, logger, info }) => ({ csi: new TmpfsStorage({ root: config.root, size: config.size }, logger, info) }),
});

export { configSchema, MiB, type TmpfsDriverConfig } from './config';
export { TmpfsStorage, checkRef, subPathSegments, isInside, type TmpfsOptions } from './driver';
export { ensureTmpfs, isTmpfs, mountAt, readMounts, unmount, type MountEntry } from './tmpfs';
