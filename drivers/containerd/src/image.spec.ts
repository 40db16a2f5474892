import { createHash } from 'node:crypto';
import { chainIds, pickManifest } from './image';
import { containerId, labelFilter } from './ids';
import { parseChallenge } from './registry';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

describe('chainIds', () => {
  it('chains diff ids as the OCI image spec defines', () => {
    const [a, b, c] = [sha('a'), sha('b'), sha('c')];
    const ab = sha(`${a} ${b}`);
    expect(chainIds([a, b, c])).toEqual([a, ab, sha(`${ab} ${c}`)]);
    expect(chainIds([])).toEqual([]);
  });
});

describe('pickManifest', () => {
  const m = (architecture: string, os = 'linux') => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: sha(architecture + os),
    size: 1,
    platform: { architecture, os },
  });

  it('picks this host platform from an index', () => {
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    expect(pickManifest({ manifests: [m('s390x'), m(arch, 'windows'), m(arch)] })).toEqual(m(arch));
    expect(pickManifest({ manifests: [m('s390x')] })).toBeUndefined();
  });
});

describe('containerId', () => {
  it('keeps names containerd accepts and makes the others valid and unique', () => {
    expect(containerId('lbconf-main-1-abc')).toBe('lbconf-main-1-abc');
    const odd = containerId('ns/svc:web 1');
    expect(odd).toMatch(/^ns-svc-web-1-[a-f0-9]{12}$/);
    expect(containerId('ns/svc:web 2')).not.toBe(odd);
    expect(containerId('a'.repeat(100)).length).toBeLessThanOrEqual(76);
    expect(containerId('---')).toMatch(/^[a-f0-9]{12}$/);
  });
});

describe('labelFilter', () => {
  it('quotes keys and values', () => {
    expect(labelFilter({ 'io.lastbackend.pod': 'web-1', x: 'a"b' })).toBe('labels."io.lastbackend.pod"=="web-1",labels."x"=="a\\"b"');
  });
});

describe('parseChallenge', () => {
  it('reads the scheme and parameters of WWW-Authenticate', () => {
    expect(parseChallenge('Bearer realm="https://auth.io/token",service="reg.io",scope="repository:a/b:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.io/token', service: 'reg.io', scope: 'repository:a/b:pull' },
    });
    expect(parseChallenge('Basic realm="basic-realm"').scheme).toBe('basic');
  });
});
