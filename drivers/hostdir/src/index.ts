// @lastbackend/driver-hostdir: volumes (CSI) as directories under a root on the node, confined: names are DNS
// labels, sub-paths stay inside their volume (symlinks included) and are pinned for the runtime, capacities are
// reservations checked against what the node offers, and secrets/configs are files on a tmpfs of each pod.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineDriver, DRIVER_API_VERSION } from '@lastbackend/sdk';
import { configSchema, type HostdirDriverConfig } from './config';
import { DRIVER_NAME, HostdirStorage } from './driver';

const readVersion = (): string => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
};

export const version = readVersion();

export default defineDriver<HostdirDriverConfig>({
  name: DRIVER_NAME,
  version,
  kinds: ['csi'],
  api: DRIVER_API_VERSION,
  configSchema,
  create(ctx) {
    const root = ctx.config.root ?? join(resolve(ctx.stateDir), 'volumes');
    // Paths pinned for pods and their files live in the state dir: the same for every root a swap may bring.
    return { csi: new HostdirStorage({ root, capacity: ctx.config.capacity, pods: join(resolve(ctx.stateDir), '.pods') }, ctx.logger, version) };
  },
});

export { configSchema, type HostdirDriverConfig } from './config';
export { DRIVER_NAME, HostdirStorage, diskUsage, type HostdirOptions } from './driver';
export { checkFiles, checkRef, isInside, refErrors, subPathSegments, DNS_LABEL, FILE_NAME } from './paths';
export { loadRecords, saveRecords, type VolumeRecord } from './records';
export { checkPod, mountsBelow, openBeneath, Publisher } from './publish';
