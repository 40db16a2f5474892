// containerd's content store: blobs addressed by digest, written through a client stream under a lease.
import { randomBytes } from 'node:crypto';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { CallOptions, Containerd } from './grpc';
import { isAlreadyExists, isNotFound } from './errors';

export interface Descriptor {
  media_type: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

interface ContentInfo {
  digest: string;
  size: number;
  labels: Record<string, string>;
}

interface WriteRequest {
  action: 'STAT' | 'WRITE' | 'COMMIT';
  ref: string;
  total?: number;
  expected?: string;
  offset?: number;
  data?: Buffer;
  labels?: Record<string, string>;
}

const CHUNK = 1 << 20;
/** Manifests, indexes and configs kept as read (FIFO): a blob's bytes never change under its digest. */
const MAX_KEPT_JSON = 256;

export class ContentStore {
  /**
   * Texts of the JSON blobs read, by digest: every container create and image inspect resolves its image
   * through two or three of them, each a stream of its own to containerd.
   */
  private readonly jsonTexts = new Map<string, string>();

  constructor(private readonly ctd: Containerd) {}

  async info(digest: string): Promise<ContentInfo | undefined> {
    try {
      return (await this.ctd.call<{ info: ContentInfo }>('content', 'Info', { digest })).info;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Sets (merges) labels on a blob; containerd's GC follows the gc.ref ones. */
  async setLabels(digest: string, labels: Record<string, string>): Promise<void> {
    const paths = Object.keys(labels).map((k) => `labels.${k}`);
    if (!paths.length) return;
    await this.ctd.call('content', 'Update', { info: { digest, labels }, update_mask: { paths } });
  }

  /** The whole blob in memory: for manifests and configs only. */
  async read(digest: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const msg of this.ctd.stream<{ data: Buffer }>('content', 'Read', { digest, offset: 0, size: 0 })) {
      chunks.push(msg.data);
    }
    return Buffer.concat(chunks);
  }

  /** A JSON blob, parsed anew on each call (callers may change what they get). */
  async readJson<T>(digest: string): Promise<T> {
    let text = this.jsonTexts.get(digest);
    if (text === undefined) {
      text = (await this.read(digest)).toString('utf8');
      if (this.jsonTexts.size >= MAX_KEPT_JSON) this.jsonTexts.delete(this.jsonTexts.keys().next().value as string);
      this.jsonTexts.set(digest, text);
    }
    return JSON.parse(text) as T;
  }

  /**
   * Writes a blob unless it is already there. containerd checks size and digest on commit. `labels` are set on
   * commit (or merged onto the existing blob).
   */
  async write(desc: Descriptor, data: AsyncIterable<Uint8Array> | Buffer, labels: Record<string, string>, opts: CallOptions): Promise<void> {
    if (await this.info(desc.digest)) {
      await this.setLabels(desc.digest, labels);
      return;
    }
    // A ref of its own, so concurrent pulls of one blob never lock or abort each other (the loser's commit finds
    // the blob there); an ingest left by a crash goes with its pull's lease.
    const ref = `lastbackend-${desc.digest}-${randomBytes(4).toString('hex')}`;
    const call = this.ctd.duplex<WriteRequest, unknown>('content', 'Write', opts);
    const finished = new Promise<void>((resolve, reject) => {
      call.on('data', () => undefined);
      call.on('error', reject);
      call.on('end', resolve);
    });
    finished.catch(() => undefined);
    try {
      let offset = 0;
      const send = async (chunk: Buffer): Promise<void> => {
        const req: WriteRequest = { action: 'WRITE', ref, total: desc.size, expected: desc.digest, offset, data: chunk };
        offset += chunk.length;
        if (!call.write(req)) await waitDrain(call);
      };
      if (Buffer.isBuffer(data)) {
        for (let i = 0; i < data.length; i += CHUNK) await send(data.subarray(i, i + CHUNK));
      } else {
        for await (const piece of data) await send(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
      }
      call.write({ action: 'COMMIT', ref, total: desc.size, expected: desc.digest, offset, labels });
      call.end();
      await finished;
    } catch (e) {
      call.cancel();
      await finished.catch(() => undefined);
      await this.ctd.call('content', 'Abort', { ref }, opts).catch(() => undefined);
      // Another pull committed the same blob first.
      if (isAlreadyExists(e)) {
        await this.setLabels(desc.digest, labels);
        return;
      }
      throw e;
    }
  }
}

const waitDrain = (call: ClientDuplexStream<WriteRequest, unknown>): Promise<void> =>
  new Promise((resolve, reject) => {
    const onDrain = (): void => {
      call.off('error', onError);
      resolve();
    };
    const onError = (e: unknown): void => {
      call.off('drain', onDrain);
      reject(e);
    };
    call.once('drain', onDrain);
    call.once('error', onError);
  });
