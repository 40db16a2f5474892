// Image references normalised the way Docker and containerd's `ctr` name images.

export interface ImageRef {
  /** Registry host[:port], docker.io for Docker Hub. */
  domain: string;
  /** Repository path, e.g. library/busybox. */
  path: string;
  tag?: string;
  digest?: string;
  /** The normalised name containerd stores the image under, e.g. docker.io/library/busybox:latest. */
  name: string;
}

const DOCKER_HUB = 'docker.io';

/** Parses "busybox", "org/app:1", "host:5000/app@sha256:…" into a normalised reference. */
export function parseReference(ref: string): ImageRef {
  let rest = ref.trim();
  if (!rest || /\s/.test(rest)) throw new Error(`invalid image reference "${ref}"`);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+:[a-f0-9]{32,}$/.test(digest)) throw new Error(`invalid digest in image reference "${ref}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let domain: string;
  let path: string;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first;
    path = rest.slice(slash + 1);
  } else {
    domain = DOCKER_HUB;
    path = rest;
  }
  if (domain === 'index.docker.io') domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path)) {
    throw new Error(`invalid repository name in image reference "${ref}"`);
  }
  if (!tag && !digest) tag = 'latest';
  const name = `${domain}/${path}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return { domain, path, tag, digest, name };
}

/** Docker Hub's API lives on another host than its name. */
export const registryHost = (domain: string): string => (domain === DOCKER_HUB ? 'registry-1.docker.io' : domain);

/** Whether a registry is pulled over plain http: its host or host:port starts with one of the configured prefixes. */
export function isInsecure(domain: string, insecure: readonly string[]): boolean {
  const host = domain.replace(/:\d+$/, '');
  return insecure.some((p) => domain === p || host === p || domain.startsWith(p.endsWith(':') ? p : `${p}:`) || domain.startsWith(`${p}/`));
}
