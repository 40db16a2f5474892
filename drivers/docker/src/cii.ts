import {
  LbError,
  type CiiCapabilities,
  type CiiFeatures,
  type ImageInfo,
  type ImageService,
  type PullOptions,
  type PullProgress,
  type RegistryAuth,
} from '@lastbackend/sdk';
import type Docker from 'dockerode';
import { EngineDriver } from './engine';
import { messageOf, registryError, statusOf, toLbError } from './errors';

/** Docker's X-Registry-Auth body. */
interface DockerAuthConfig {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
}

export function toAuthConfig(auth: RegistryAuth | undefined): DockerAuthConfig | undefined {
  if (!auth) return undefined;
  const out: DockerAuthConfig = {};
  if (auth.username !== undefined) out.username = auth.username;
  if (auth.password !== undefined) out.password = auth.password;
  if (auth.server !== undefined) out.serveraddress = auth.server;
  if (auth.token !== undefined) out.identitytoken = auth.token;
  return out;
}

/** "registry:5000/repo:tag" → repository and tag; a colon before the last "/" is a port, not a tag. */
export function splitRef(ref: string): { repository: string; tag?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repository: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref };
}

/** One progress message of a pull or push. */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * A pull's progress message as PullProgress; undefined for errors and messages without a status. `id` names a
 * layer except in "Pulling from <repo>", where it is the tag.
 */
export function toPullProgress(m: ProgressMessage): PullProgress | undefined {
  if (!m.status || m.error || m.errorDetail) return undefined;
  const p: PullProgress = { status: m.status, current: m.progressDetail?.current ?? 0, total: m.progressDetail?.total ?? 0 };
  if (m.id && !m.status.startsWith('Pulling from')) p.layer = m.id;
  return p;
}

const toInfo = (id: string, tags: string[] | undefined, size: number, created: string | undefined): ImageInfo => {
  const info: ImageInfo = { id, tags: (tags ?? []).filter((t) => t !== '<none>:<none>'), size };
  if (created) info.created = created;
  return info;
};

/** ImageService on the Docker engine. */
export class DockerImages extends EngineDriver implements ImageService {
  readonly capabilities: CiiCapabilities = { push: true, import: false };
  readonly features: CiiFeatures = { pullProgress: true };

  async pull(ref: string, auth?: RegistryAuth, options: PullOptions = {}): Promise<ImageInfo> {
    const what = `pull ${ref}`;
    const authconfig = toAuthConfig(auth);
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.client.stream.pull(ref, authconfig ? { authconfig } : {});
    } catch (e) {
      const status = statusOf(e);
      if (status === 404) throw new LbError('NOT_FOUND', `${what}: ${messageOf(e)}`);
      throw status === 500 ? registryError(messageOf(e), what) : toLbError(e, what);
    }
    const { onProgress } = options;
    await this.followProgress(stream, what, (msg) => {
      const p = onProgress && toPullProgress(msg);
      if (!p) return;
      try {
        onProgress(p);
      } catch (e) {
        this.logger.debug('docker: a pull progress listener threw', { ref, error: String(e) });
      }
    });
    const info = await this.inspect(ref);
    if (!info) throw new LbError('NOT_FOUND', `${what}: the pull finished but the image is not present`);
    this.logger.info('docker: image pulled', { ref, id: info.id });
    return info;
  }

  async push(ref: string, auth?: RegistryAuth): Promise<void> {
    const what = `push ${ref}`;
    const { repository, tag } = splitRef(ref);
    const authconfig = toAuthConfig(auth);
    let stream: NodeJS.ReadableStream;
    try {
      const opts: { tag?: string; authconfig?: DockerAuthConfig } = {};
      if (tag) opts.tag = tag;
      if (authconfig) opts.authconfig = authconfig;
      stream = (await this.client.stream.getImage(repository).push(opts)) as NodeJS.ReadableStream;
    } catch (e) {
      throw statusOf(e) === 500 ? registryError(messageOf(e), what) : toLbError(e, what);
    }
    await this.followProgress(stream, what);
  }

  async inspect(ref: string): Promise<ImageInfo | null> {
    try {
      const i = await this.client.api.getImage(ref).inspect();
      return { ...toInfo(i.Id, i.RepoTags, i.Size, i.Created ? new Date(i.Created).toISOString() : undefined), user: i.Config?.User ?? '' };
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw toLbError(e, `inspect image ${ref}`);
    }
  }

  async list(): Promise<ImageInfo[]> {
    let images: Docker.ImageInfo[];
    try {
      images = await this.client.api.listImages();
    } catch (e) {
      throw toLbError(e, 'list images');
    }
    return images.map((i) =>
      toInfo(i.Id, i.RepoTags, i.Size, i.Created ? new Date(i.Created * 1000).toISOString() : undefined),
    );
  }

  async remove(ref: string): Promise<void> {
    try {
      await this.client.api.getImage(ref).remove();
    } catch (e) {
      if (statusOf(e) === 404) return;
      throw toLbError(e, `remove image ${ref}`);
    }
  }

  /** Follows a pull/push progress stream to its end; an error message inside the stream rejects. */
  private followProgress(stream: NodeJS.ReadableStream, what: string, onMessage?: (m: ProgressMessage) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let failure: string | undefined;
      this.client.stream.modem.followProgress(
        stream,
        (err: Error | null) => {
          if (err) reject(toLbError(err, what));
          else if (failure !== undefined) reject(registryError(failure, what));
          else resolve();
        },
        (msg: ProgressMessage) => {
          onMessage?.(msg);
          if (failure === undefined && (msg.error || msg.errorDetail?.message)) {
            failure = msg.errorDetail?.message ?? msg.error ?? 'unknown error';
          }
        },
      );
    });
  }
}
