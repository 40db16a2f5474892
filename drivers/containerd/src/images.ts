// Image records in containerd's metadata store, resolved down to the manifest, config and layer chain.
import { LbError } from '@lastbackend/sdk';
import type { ContentStore, Descriptor } from './content';
import { isNotFound } from './errors';
import type { Containerd } from './grpc';
import { chainIds, isIndex, pickManifest, type ImageConfig, type Index, type JsonDescriptor, type Manifest } from './image';

export interface ImageRecord {
  name: string;
  labels: Record<string, string>;
  target: Descriptor;
}

export interface ResolvedImage {
  record: ImageRecord;
  manifestDigest: string;
  manifest: Manifest;
  configDigest: string;
  config: ImageConfig;
  /** Chain ID of each layer; the last one is the snapshot containers are prepared on. */
  chain: string[];
  /** Sum of the (compressed) layer sizes. */
  size: number;
}

export class ImageStore {
  constructor(
    private readonly ctd: Containerd,
    private readonly content: ContentStore,
  ) {}

  async get(name: string): Promise<ImageRecord | undefined> {
    try {
      return (await this.ctd.call<{ image: ImageRecord | null }>('images', 'Get', { name })).image ?? undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async list(filters: string[] = []): Promise<ImageRecord[]> {
    return (await this.ctd.call<{ images: ImageRecord[] }>('images', 'List', { filters })).images;
  }

  /** Creates the record, or points an existing one at the new target. */
  async put(record: ImageRecord): Promise<void> {
    try {
      await this.ctd.call('images', 'Create', { image: record });
    } catch (e) {
      if ((e as { code?: number }).code !== 6) throw e;
      await this.ctd.call('images', 'Update', { image: record, update_mask: { paths: ['target', 'labels'] } });
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.ctd.call('images', 'Delete', { name, sync: false });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Manifest, config and layer chain of an image whose content is in the store. */
  async resolve(record: ImageRecord): Promise<ResolvedImage> {
    let manifestDigest = record.target.digest;
    if (isIndex(record.target.media_type)) {
      const picked = pickManifest(await this.content.readJson<Index>(manifestDigest));
      if (!picked) throw new LbError('NOT_FOUND', `image ${record.name} has no manifest for this platform`);
      manifestDigest = picked.digest;
    }
    const manifest = await this.content.readJson<Manifest>(manifestDigest);
    const configDigest = manifest.config.digest;
    const config = await this.content.readJson<ImageConfig>(configDigest);
    const diffIds = config.rootfs?.diff_ids ?? [];
    const size = manifest.layers.reduce((sum: number, l: JsonDescriptor) => sum + l.size, 0);
    return { record, manifestDigest, manifest, configDigest, config, chain: chainIds(diffIds), size };
  }
}
