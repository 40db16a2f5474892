// The CII: an image is a record (reference, id, default command). A pull from an allowed registry adds the
// record at once and moves no bytes; a pull from any other registry fails the way an unreachable one does.
import { createHash } from 'node:crypto';
import {
  LbError,
  invalid,
  type CiiCapabilities,
  type CiiFeatures,
  type DriverInfo,
  type ImageInfo,
  type ImageService,
  type ProbeResult,
  type PullOptions,
  type RegistryAuth,
} from '@lastbackend/sdk';

export interface ImageRecord {
  info: ImageInfo;
  command: string[];
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*)(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** `name:tag` with the tag defaulted to latest (digests are kept as they are), or INVALID_ARGUMENT. */
export function normalizeRef(ref: unknown): string {
  const bad = (reason: string) => invalid([{ field: 'image', reason }], 'invalid image reference');
  if (typeof ref !== 'string' || ref === '') throw bad('must be a non-empty string');
  const [named, digest, extra] = ref.split('@');
  if (extra !== undefined || (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest))) throw bad(`"${ref}" has a malformed digest`);
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const [name, tag] = colon > slash ? [named.slice(0, colon), named.slice(colon + 1)] : [named, undefined];
  if (tag !== undefined && !TAG.test(tag)) throw bad(`"${ref}" has a malformed tag`);
  const parts = name.split('/');
  const host = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.shift() : undefined;
  if ((host !== undefined && !HOST.test(host)) || !parts.every((p) => COMPONENT.test(p))) throw bad(`"${ref}" is not a valid name`);
  return digest ? `${name}${tag ? `:${tag}` : ''}@${digest}` : `${name}:${tag ?? 'latest'}`;
}

/** The registry a normalized reference is pulled from (docker.io when it names none). */
export function registryOf(ref: string): string {
  const first = ref.split('/')[0];
  return ref.includes('/') && /[.:]|^localhost$/.test(first) ? first : 'docker.io';
}

/** The images present, shared by the CII (which adds and removes them) and the CRI (which runs them). */
export class ImageStore {
  private readonly byRef = new Map<string, ImageRecord>();

  constructor(private readonly defaultCommand: string[]) {}

  add(ref: string): ImageRecord {
    const key = normalizeRef(ref);
    let rec = this.byRef.get(key);
    if (!rec) {
      const id = `sha256:${createHash('sha256').update(key).digest('hex')}`;
      rec = { info: { id, tags: [key], size: 0, created: new Date().toISOString() }, command: [...this.defaultCommand] };
      this.byRef.set(key, rec);
    }
    return rec;
  }

  /** By reference or by id; undefined when absent. */
  get(ref: string): ImageRecord | undefined {
    if (ref.startsWith('sha256:')) return [...this.byRef.values()].find((r) => r.info.id === ref);
    return this.byRef.get(normalizeRef(ref));
  }

  delete(rec: ImageRecord): void {
    for (const t of rec.info.tags) this.byRef.delete(t);
  }

  all(): ImageRecord[] {
    return [...this.byRef.values()];
  }
}

const copy = (i: ImageInfo): ImageInfo => ({ ...i, tags: [...i.tags] });

export class MemoryImages implements ImageService {
  readonly capabilities: CiiCapabilities = { push: false, import: false };
  /** A pull moves nothing, so its progress is one step: the record is there. */
  readonly features: CiiFeatures = { pullProgress: true };

  constructor(
    private readonly store: ImageStore,
    private readonly registries: string[],
    /** Identity from the package (DriverContext.info). */
    private readonly about: DriverInfo,
    /** Whether a container (running or not) uses the image: such an image is not removed. */
    private readonly inUse: (id: string) => boolean,
  ) {}

  info(): DriverInfo {
    return this.about;
  }

  async probe(): Promise<ProbeResult> {
    return { state: 'ready' };
  }

  async pull(ref: string, _auth?: RegistryAuth, options: PullOptions = {}): Promise<ImageInfo> {
    const key = normalizeRef(ref);
    const registry = registryOf(key);
    if (!this.registries.includes(registry))
      throw new LbError('UNAVAILABLE', `pull ${key}: registry ${registry} is not reachable from the memory runtime`, {
        fix: `add "${registry}" to registries in the driver config (pulls move no data; they only record the image)`,
      });
    const info = copy(this.store.add(key).info);
    try {
      options.onProgress?.({ status: 'Recorded', current: 0, total: 0 });
    } catch {
      // a listener's failure is not the pull's
    }
    return info;
  }

  async inspect(ref: string): Promise<ImageInfo | null> {
    const rec = this.store.get(ref);
    return rec ? copy(rec.info) : null;
  }

  async list(): Promise<ImageInfo[]> {
    return this.store.all().map((r) => copy(r.info));
  }

  async remove(ref: string): Promise<void> {
    const rec = this.store.get(ref);
    if (!rec) return;
    if (this.inUse(rec.info.id))
      throw new LbError('CONFLICT', `image ${ref} is used by a container`, { fix: 'remove the containers that use it first' });
    this.store.delete(rec);
  }

  async dispose(): Promise<void> {}
}
