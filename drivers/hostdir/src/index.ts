// @lastbackend/driver-hostdir: volumes (CSI) as directories under a root on the node, confined: names are DNS
// labels, sub-paths stay inside their volume (symlinks included) and are pinned for the runtime, capacities are
// reservations checked against what the node offers, and secrets/configs are files on a tmpfs of each pod.
// Its identity (name, version, kinds, driver API) is its package.json's; the kernel hands it over as ctx.info.
import { join, resolve } from 'node:path';
import { defineDriver } from '@lastbackend/sdk';
import { configSchema, type HostdirDriverConfig } from './config';
import { HostdirStorage } from './driver';

export default defineDriver<HostdirDriverConfig>({
  configSchema,
  create(ctx) {
    const root = ctx.config.root ?? join(resolve(ctx.stateDir), 'volumes');
    // Paths pinned for pods and their files live in the state dir: the same for every root a swap may bring.
    return { csi: new HostdirStorage({ root, capacity: ctx.config.capacity, pods: join(resolve(ctx.stateDir), '.pods') }, ctx.logger, ctx.info) };
  },
});

export { configSchema, type HostdirDriverConfig } from './config';
export { HostdirStorage, diskUsage, type HostdirOptions } from './driver';
export { checkFiles, checkRef, isInside, refErrors, subPathSegments, DNS_LABEL, FILE_NAME } from './paths';
export { loadRecords, saveRecords, type VolumeRecord } from './records';
export { checkPod, mountsBelow, openBeneath, Publisher } from './publish';
