// Unpacks an image's layers into a snapshotter the way containerd's unpacker does: one committed snapshot per
// layer, named by its chain ID, each applied on top of its parent by the Diff service.
import { randomBytes } from 'node:crypto';
import { LbError } from '@lastbackend/sdk';
import type { ContentStore } from './content';
import { isAlreadyExists, isNotFound } from './errors';
import type { Containerd } from './grpc';
import { chainIds, type JsonDescriptor } from './image';

export interface SnapshotMount {
  type: string;
  source: string;
  target?: string;
  options: string[];
}

export async function snapshotExists(ctd: Containerd, snapshotter: string, key: string): Promise<boolean> {
  try {
    await ctd.call('snapshots', 'Stat', { snapshotter, key });
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

export async function removeSnapshot(ctd: Containerd, snapshotter: string, key: string): Promise<void> {
  try {
    await ctd.call('snapshots', 'Remove', { snapshotter, key });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/**
 * Applies `layers` (whose uncompressed digests are `diffIds`) into `snapshotter`; returns the top chain ID.
 * Must run under `lease` so nothing is collected before the image's labels reference it.
 */
export async function unpack(
  ctd: Containerd,
  content: ContentStore,
  layers: readonly JsonDescriptor[],
  diffIds: readonly string[],
  snapshotter: string,
  lease: string,
): Promise<string> {
  if (layers.length !== diffIds.length) {
    throw new LbError('INTERNAL', `image has ${layers.length} layers but ${diffIds.length} diff ids`);
  }
  const chain = chainIds(diffIds);
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    await content.setLabels(layer.digest, { 'containerd.io/uncompressed': diffIds[i] });
    // Held by the lease before it is relied on: a snapshot of an image removed just before may be on its way out.
    await ctd.call('leases', 'AddResource', { id: lease, resource: { id: chain[i], type: `snapshots/${snapshotter}` } });
    if (await snapshotExists(ctd, snapshotter, chain[i])) continue;
    const key = `extract-${randomBytes(6).toString('hex')}-${chain[i]}`;
    const opts = { lease };
    const { mounts } = await ctd.call<{ mounts: SnapshotMount[] }>(
      'snapshots',
      'Prepare',
      { snapshotter, key, parent: i === 0 ? '' : chain[i - 1] },
      opts,
    );
    try {
      const { applied } = await ctd.call<{ applied: { digest: string } }>(
        'diff',
        'Apply',
        { diff: { media_type: layer.mediaType, digest: layer.digest, size: layer.size }, mounts },
        { ...opts, timeoutMs: 0 },
      );
      if (applied.digest !== diffIds[i]) {
        throw new LbError('INTERNAL', `layer ${layer.digest} unpacked to ${applied.digest}, the image config says ${diffIds[i]}`);
      }
      try {
        await ctd.call('snapshots', 'Commit', { snapshotter, name: chain[i], key }, opts);
      } catch (e) {
        // Unpacked concurrently by another pull: theirs is as good as ours.
        if (!isAlreadyExists(e)) throw e;
        await removeSnapshot(ctd, snapshotter, key);
      }
    } catch (e) {
      await removeSnapshot(ctd, snapshotter, key).catch(() => undefined);
      throw e;
    }
  }
  return chain[chain.length - 1] ?? '';
}
