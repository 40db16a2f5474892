// @example/driver-tmpfs: a third-party CSI driver for Last.Backend. Volumes are directories on a tmpfs the
// driver mounts itself at `root` on first use, so they live in memory and VANISH ON REBOOT (or unmount):
// use it for scratch space and caches, never for data that must survive.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDriver, DRIVER_API_VERSION } from '@lastbackend/sdk';
import { configSchema, type TmpfsDriverConfig } from './config';
import { DRIVER_NAME, TmpfsStorage } from './driver';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
export const version = typeof pkg.version === 'string' ? pkg.version : '0.0.0';

export default defineDriver<TmpfsDriverConfig>({
  name: DRIVER_NAME,
  version,
  kinds: ['csi'],
  api: DRIVER_API_VERSION,
  configSchema,
  create: ({ config, logger }) => ({ csi: new TmpfsStorage({ root: config.root, size: config.size }, logger, version) }),
});

export { configSchema, MiB, type TmpfsDriverConfig } from './config';
export { DRIVER_NAME, TmpfsStorage, checkRef, subPathSegments, isInside, type TmpfsOptions } from './driver';
export { ensureTmpfs, isTmpfs, mountAt, readMounts, unmount, type MountEntry } from './tmpfs';
