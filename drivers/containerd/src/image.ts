// OCI / Docker image documents: manifests, indexes and configs, and how an image's layers chain into snapshots.
import { createHash } from 'node:crypto';
import { MEDIA } from './registry';

/** A descriptor as it appears inside JSON documents (camelCase, unlike containerd's protobuf one). */
export interface JsonDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture?: string; os?: string; variant?: string };
}

export interface Manifest {
  mediaType?: string;
  config: JsonDescriptor;
  layers: JsonDescriptor[];
}

export interface Index {
  mediaType?: string;
  manifests: JsonDescriptor[];
}

export interface ImageConfig {
  created?: string;
  architecture?: string;
  os?: string;
  config?: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    User?: string;
  };
  rootfs?: { type: string; diff_ids: string[] };
}

export const isIndex = (mediaType: string): boolean => mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;
export const isManifest = (mediaType: string): boolean => mediaType === MEDIA.ociManifest || mediaType === MEDIA.dockerManifest;

/** The platform this driver runs images for. */
export const PLATFORM = { os: 'linux', architecture: process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch };

/** Picks the manifest of an index that matches this host, as containerd's default platform matcher does. */
export function pickManifest(index: Index): JsonDescriptor | undefined {
  const candidates = index.manifests.filter((m) => isManifest(m.mediaType) || !m.mediaType);
  return (
    candidates.find((m) => m.platform?.os === PLATFORM.os && m.platform?.architecture === PLATFORM.architecture) ??
    (candidates.length === 1 && !candidates[0].platform ? candidates[0] : undefined)
  );
}

/** Chain IDs of the layer stack: chain[0] = diff[0], chain[n] = sha256(chain[n-1] + " " + diff[n]). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diff of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? diff : `sha256:${createHash('sha256').update(`${prev} ${diff}`).digest('hex')}`);
  }
  return out;
}

/** Layers with a gzip (or zstd) media type are compressed; their diff ID is the digest of what they expand to. */
export const isLayer = (mediaType: string): boolean =>
  /^application\/vnd\.(oci\.image\.layer\.v1\.tar|docker\.image\.rootfs\.diff\.tar)/.test(mediaType);
