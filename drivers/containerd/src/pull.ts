// Client-side pull, like `ctr pull`: registry → content store (under a lease) → image record → snapshots.
import { randomBytes } from 'node:crypto';
import { LbError, type PullProgress, type RegistryAuth } from '@lastbackend/sdk';
import type { ContentStore } from './content';
import type { Containerd } from './grpc';
import { isIndex, isManifest, pickManifest, type ImageConfig, type Index, type Manifest } from './image';
import type { ImageStore } from './images';
import { isInsecure, type ImageRef } from './reference';
import { RegistryClient } from './registry';
import { unpack } from './unpack';

export interface PullOptions {
  snapshotter: string;
  insecureRegistries: readonly string[];
  auth?: RegistryAuth;
  /** Progress per layer; a throw from it is ignored. */
  onProgress?: (p: PullProgress) => void;
}

/** Bytes between two "Downloading" reports of a layer. */
const PROGRESS_STEP = 512 * 1024;

/** Passes `src` on, reporting how much of the layer went through. */
async function* counted(src: AsyncIterable<Uint8Array>, layer: string, total: number, report: (p: PullProgress) => void): AsyncGenerator<Uint8Array> {
  let current = 0;
  let reported = 0;
  for await (const chunk of src) {
    current += chunk.length;
    if (current - reported >= PROGRESS_STEP) {
      reported = current;
      report({ layer, status: 'Downloading', current, total });
    }
    yield chunk;
  }
  report({ layer, status: 'Download complete', current, total });
}

/** How long a lease may outlive a crashed pull before containerd's GC drops it and what it holds. */
const LEASE_TTL_MS = 60 * 60 * 1000;

/** Pulls and unpacks `ref`; resolves with the image name stored in containerd. */
export async function pullImage(
  ctd: Containerd,
  content: ContentStore,
  images: ImageStore,
  ref: ImageRef,
  options: PullOptions,
): Promise<string> {
  const report = (p: PullProgress): void => {
    try {
      options.onProgress?.(p);
    } catch {
      // a listener's failure is not the pull's
    }
  };
  const registry = new RegistryClient(ref, isInsecure(ref.domain, options.insecureRegistries), options.auth);
  const top = await registry.manifest(ref.digest ?? ref.tag ?? 'latest');

  const lease = `lastbackend-pull-${randomBytes(8).toString('hex')}`;
  await ctd.call('leases', 'Create', {
    id: lease,
    labels: { 'containerd.io/gc.expire': new Date(Date.now() + LEASE_TTL_MS).toISOString() },
  });
  const opts = { lease };
  /**
   * Puts what the pull found already there under its lease before it relies on it: content or a snapshot no
   * image references any more (an image removed just before) would otherwise go to containerd's GC mid-pull.
   */
  const hold = (id: string, type = 'content'): Promise<unknown> => ctd.call('leases', 'AddResource', { id: lease, resource: { id, type } });
  try {
    let manifestDoc = top;
    let indexLabels: Record<string, string> | undefined;
    if (isIndex(top.mediaType)) {
      const index = JSON.parse(top.body.toString('utf8')) as Index;
      const picked = pickManifest(index);
      if (!picked) throw new LbError('NOT_FOUND', `${ref.name} has no image for linux/amd64`);
      manifestDoc = await registry.manifest(picked.digest);
      indexLabels = { 'containerd.io/gc.ref.content.m.0': picked.digest };
    } else if (!isManifest(top.mediaType)) {
      throw new LbError('INVALID_ARGUMENT', `${ref.name}: unsupported manifest type ${top.mediaType}`);
    }
    const manifest = JSON.parse(manifestDoc.body.toString('utf8')) as Manifest;
    for (const digest of [top.digest, manifestDoc.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) await hold(digest);

    // Children before parents, so every gc.ref label points at content that exists.
    const configBody = Buffer.concat(await collect(await registry.blob(manifest.config.digest)));
    const config = JSON.parse(configBody.toString('utf8')) as ImageConfig;
    const diffIds = config.rootfs?.diff_ids ?? [];
    for (const layer of manifest.layers) {
      const desc = { media_type: layer.mediaType, digest: layer.digest, size: layer.size };
      if (await content.info(layer.digest)) {
        report({ layer: layer.digest, status: 'Already exists', current: layer.size, total: layer.size });
        continue;
      }
      report({ layer: layer.digest, status: 'Downloading', current: 0, total: layer.size });
      await content.write(desc, counted(await registry.blob(layer.digest), layer.digest, layer.size, report), {}, opts);
    }
    const topChain = await unpack(ctd, content, manifest.layers, diffIds, options.snapshotter, lease);
    for (const layer of manifest.layers) report({ layer: layer.digest, status: 'Pull complete', current: layer.size, total: layer.size });
    await content.write(
      { media_type: manifest.config.mediaType, digest: manifest.config.digest, size: manifest.config.size },
      configBody,
      { [`containerd.io/gc.ref.snapshot.${options.snapshotter}`]: topChain },
      opts,
    );
    const manifestLabels: Record<string, string> = { 'containerd.io/gc.ref.content.config': manifest.config.digest };
    manifest.layers.forEach((l, i) => (manifestLabels[`containerd.io/gc.ref.content.l.${i}`] = l.digest));
    await content.write(
      { media_type: manifestDoc.mediaType, digest: manifestDoc.digest, size: manifestDoc.body.length },
      manifestDoc.body,
      manifestLabels,
      opts,
    );
    if (indexLabels) {
      await content.write({ media_type: top.mediaType, digest: top.digest, size: top.body.length }, top.body, indexLabels, opts);
    }
    await images.put({
      name: ref.name,
      labels: {},
      target: { media_type: top.mediaType, digest: top.digest, size: top.body.length },
    });
    return ref.name;
  } finally {
    await ctd.call('leases', 'Delete', { id: lease, sync: false }).catch(() => undefined);
  }
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of stream) out.push(Buffer.from(chunk));
  return out;
}
