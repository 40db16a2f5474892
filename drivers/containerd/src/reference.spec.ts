import { isInsecure, parseReference, registryHost } from './reference';

describe('parseReference', () => {
  it('normalises Docker Hub names like docker and ctr do', () => {
    expect(parseReference('busybox').name).toBe('docker.io/library/busybox:latest');
    expect(parseReference('org/app:1.2').name).toBe('docker.io/org/app:1.2');
    expect(parseReference('index.docker.io/library/redis:7').name).toBe('docker.io/library/redis:7');
    expect(registryHost('docker.io')).toBe('registry-1.docker.io');
  });

  it('keeps registries with a port, a dot or localhost', () => {
    expect(parseReference('127.0.0.1:5000/lb-test/busybox:latest')).toEqual({
      domain: '127.0.0.1:5000',
      path: 'lb-test/busybox',
      tag: 'latest',
      digest: undefined,
      name: '127.0.0.1:5000/lb-test/busybox:latest',
    });
    expect(parseReference('localhost/app').name).toBe('localhost/app:latest');
    expect(parseReference('quay.io/a/b').domain).toBe('quay.io');
  });

  it('takes digests, with or without a tag', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseReference(`reg.io/app@${d}`)).toMatchObject({ tag: undefined, digest: d, name: `reg.io/app@${d}` });
    expect(parseReference(`reg.io/app:1@${d}`).name).toBe(`reg.io/app:1@${d}`);
  });

  it('rejects what is not a reference', () => {
    expect(() => parseReference('')).toThrow(/invalid image reference/);
    expect(() => parseReference('Upper/Case')).toThrow(/invalid repository name/);
    expect(() => parseReference('app@sha256:xyz')).toThrow(/invalid digest/);
  });
});

describe('isInsecure', () => {
  it('matches hosts with or without a port, and host:port prefixes exactly', () => {
    const insecure = ['127.0.0.1', 'localhost', 'reg.lan:5000'];
    expect(isInsecure('127.0.0.1:5000', insecure)).toBe(true);
    expect(isInsecure('localhost', insecure)).toBe(true);
    expect(isInsecure('reg.lan:5000', insecure)).toBe(true);
    expect(isInsecure('reg.lan:6000', insecure)).toBe(false);
    expect(isInsecure('127.0.0.10:5000', insecure)).toBe(false);
    expect(isInsecure('docker.io', insecure)).toBe(false);
  });
});
