// A read-only client for the registry HTTP API v2: manifests and blobs, with token (Bearer) and Basic auth.
import { createHash } from 'node:crypto';
import { LbError, type RegistryAuth } from '@lastbackend/sdk';
import { registryHost, type ImageRef } from './reference';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

const ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

export interface FetchedManifest {
  mediaType: string;
  digest: string;
  body: Buffer;
}

const errorText = (e: unknown): string => {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return `${err.message ?? String(e)}${cause ? ` (${cause})` : ''}`;
};

/** Parses `Bearer realm="…",service="…",scope="…"` into its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)="([^"]*)"/g;
  for (let m = re.exec(header); m; m = re.exec(header)) params[m[1].toLowerCase()] = m[2];
  return { scheme, params };
}

export class RegistryClient {
  private readonly base: string;
  private authorization: string | undefined;

  constructor(
    private readonly ref: ImageRef,
    insecure: boolean,
    private readonly auth: RegistryAuth | undefined,
  ) {
    this.base = `${insecure ? 'http' : 'https'}://${registryHost(ref.domain)}/v2/${ref.path}`;
  }

  private basic(): string | undefined {
    if (!this.auth?.username) return undefined;
    return `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password ?? ''}`).toString('base64')}`;
  }

  /** Answers a 401 challenge; returns false when there is nothing more to try. */
  private async authenticate(challenge: string | null): Promise<boolean> {
    if (!challenge) return false;
    const { scheme, params } = parseChallenge(challenge);
    if (scheme === 'basic') {
      const basic = this.basic();
      if (!basic || this.authorization === basic) return false;
      this.authorization = basic;
      return true;
    }
    if (scheme !== 'bearer' || !params.realm) return false;
    if (this.auth?.token && this.authorization !== `Bearer ${this.auth.token}`) {
      this.authorization = `Bearer ${this.auth.token}`;
      return true;
    }
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${this.ref.path}:pull`);
    const headers: Record<string, string> = {};
    const basic = this.basic();
    if (basic) headers.authorization = basic;
    const res = await fetch(url, { headers });
    if (!res.ok) throw new LbError('UNAUTHORIZED', `registry token from ${url.origin}: HTTP ${res.status}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token || this.authorization === `Bearer ${token}`) return false;
    this.authorization = `Bearer ${token}`;
    return true;
  }

  private async get(path: string, accept?: string): Promise<Response> {
    const what = `GET ${this.base}${path}`;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {};
      if (accept) headers.accept = accept;
      if (this.authorization) headers.authorization = this.authorization;
      let res: Response;
      try {
        res = await fetch(`${this.base}${path}`, { headers, redirect: 'follow' });
      } catch (e) {
        throw new LbError('UNAVAILABLE', `registry ${this.ref.domain} not reachable: ${errorText(e)}`);
      }
      if (res.status === 401 && attempt < 2) {
        await res.body?.cancel();
        if (await this.authenticate(res.headers.get('www-authenticate'))) continue;
        throw new LbError('UNAUTHORIZED', `${what}: unauthorized`);
      }
      if (res.ok) return res;
      const text = (await res.text().catch(() => '')).slice(0, 300).trim();
      const code = res.status === 404 ? 'NOT_FOUND' : res.status === 401 || res.status === 403 ? 'UNAUTHORIZED' : res.status >= 500 ? 'UNAVAILABLE' : 'INTERNAL';
      throw new LbError(code, `${what}: HTTP ${res.status}${text ? ` ${text}` : ''}`);
    }
  }

  /** A manifest or index by tag or digest, with the digest of its exact bytes. */
  async manifest(reference: string): Promise<FetchedManifest> {
    const res = await this.get(`/manifests/${reference}`, ACCEPT);
    const body = Buffer.from(await res.arrayBuffer());
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw new LbError('INTERNAL', `manifest ${reference} from ${this.ref.domain} has digest ${digest}`);
    }
    const declared = (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType;
    const mediaType = declared ?? res.headers.get('content-type')?.split(';')[0] ?? MEDIA.ociManifest;
    return { mediaType, digest, body };
  }

  /** A blob as a byte stream. */
  async blob(digest: string): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.get(`/blobs/${digest}`);
    if (!res.body) throw new LbError('INTERNAL', `blob ${digest} from ${this.ref.domain} has no body`);
    return res.body as unknown as AsyncIterable<Uint8Array>;
  }
}
