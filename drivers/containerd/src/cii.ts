// ImageService on containerd: client-side pulls into the content store, image records as tags.
import { LbError, type CiiCapabilities, type CiiFeatures, type DriverInfo, type DriverLogger, type ImageInfo, type ImageService, type PullOptions, type RegistryAuth } from '@lastbackend/sdk';
import type { ContainerdDriverConfig } from './config';
import { ContentStore } from './content';
import { ContainerdDriver } from './engine';
import { toLbError } from './errors';
import type { Containerd } from './grpc';
import { ImageStore, type ImageRecord } from './images';
import { pullImage } from './pull';
import { parseReference, type ImageRef } from './reference';

const IMAGE_ID = /^sha256:[a-f0-9]{64}$/;

export class ContainerdImages extends ContainerdDriver implements ImageService {
  readonly capabilities: CiiCapabilities = { push: false, import: false };
  readonly features: CiiFeatures = { pullProgress: true };
  private readonly content: ContentStore;
  private readonly images: ImageStore;

  constructor(
    ctd: Containerd,
    private readonly config: ContainerdDriverConfig,
    about: DriverInfo,
    logger: DriverLogger,
    onDispose?: () => void,
  ) {
    super(ctd, about, logger, onDispose);
    this.content = new ContentStore(ctd);
    this.images = new ImageStore(ctd, this.content);
  }

  async pull(ref: string, auth?: RegistryAuth, options: PullOptions = {}): Promise<ImageInfo> {
    const parsed = parse(ref);
    try {
      const name = await pullImage(this.ctd, this.content, this.images, parsed, {
        snapshotter: this.config.snapshotter,
        insecureRegistries: this.config.insecure_registries,
        auth,
        onProgress: options.onProgress,
      });
      const info = await this.inspect(name);
      if (!info) throw new LbError('INTERNAL', `image ${name} vanished right after its pull`);
      return info;
    } catch (e) {
      throw toLbError(e, `pull ${ref}`);
    }
  }

  async inspect(ref: string): Promise<ImageInfo | null> {
    try {
      const records = IMAGE_ID.test(ref) ? await this.byId(ref) : [await this.images.get(parse(ref).name)];
      const record = records.find((r): r is ImageRecord => r !== undefined);
      if (!record) return null;
      const others = (await this.images.list([`target.digest==${record.target.digest}`])).filter((r) => r.name !== record.name);
      const infos = await this.describe([record, ...others]);
      return infos[0] ?? null;
    } catch (e) {
      throw toLbError(e, `inspect image ${ref}`);
    }
  }

  async list(): Promise<ImageInfo[]> {
    try {
      return await this.describe(await this.images.list());
    } catch (e) {
      throw toLbError(e, 'list images');
    }
  }

  async remove(ref: string): Promise<void> {
    try {
      const names = IMAGE_ID.test(ref) ? (await this.byId(ref)).map((r) => r.name) : [parse(ref).name];
      for (const name of names) await this.images.delete(name);
    } catch (e) {
      throw toLbError(e, `remove image ${ref}`);
    }
  }

  private async byId(id: string): Promise<ImageRecord[]> {
    const out: ImageRecord[] = [];
    for (const r of await this.images.list()) {
      const resolved = await this.images.resolve(r).catch(() => undefined);
      if (resolved?.configDigest === id) out.push(r);
    }
    return out;
  }

  /** One ImageInfo per image (config digest), its names as tags; records whose content is gone are skipped. */
  private async describe(records: ImageRecord[]): Promise<ImageInfo[]> {
    const byId = new Map<string, ImageInfo>();
    for (const record of records) {
      const resolved = await this.images.resolve(record).catch(() => undefined);
      if (!resolved) continue;
      const info = byId.get(resolved.configDigest);
      if (info) {
        if (!info.tags.includes(record.name)) info.tags.push(record.name);
        continue;
      }
      const entry: ImageInfo = { id: resolved.configDigest, tags: [record.name], size: resolved.size };
      if (resolved.config.created) entry.created = resolved.config.created;
      entry.user = resolved.config.config?.User ?? '';
      byId.set(resolved.configDigest, entry);
    }
    return [...byId.values()];
  }
}

function parse(ref: string): ImageRef {
  try {
    return parseReference(ref);
  } catch (e) {
    throw new LbError('INVALID_ARGUMENT', (e as Error).message);
  }
}
