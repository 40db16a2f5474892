import { issuesToFields } from '../validation';
import { ServiceManifest } from './manifests';

const service = (path: string) => ({
  kind: 'Service',
  meta: { name: 'web' },
  spec: {
    template: {
      volumes: [{ name: 'd', volume: { name: 'data' } }],
      containers: [{ name: 'c', image: { name: 'busybox' }, volumes: [{ name: 'd', path }] }],
    },
  },
});

const fields = (path: string) => {
  const r = ServiceManifest.safeParse(service(path));
  return r.success ? [] : issuesToFields(r.error.issues);
};

describe('volume mount targets', () => {
  it.each(['/data', '/mnt/sub dir', '/a/./b', '/a..b/c..'])('accepts %j', (path) => {
    expect(fields(path)).toEqual([]);
  });

  it.each([
    ['/mnt:rshared', /must not contain ":"/],
    ['/data:ro', /must not contain ":"/],
    ['/mnt/\0x', /NUL or control characters/],
    ['/mnt/a\nb', /NUL or control characters/],
    ['/mnt/\u007f', /NUL or control characters/],
    ['/mnt/../etc', /".." segments/],
    ['/..', /".." segments/],
    ['relative', /absolute path/],
  ])('refuses %j naming the field', (path, reason) => {
    const f = fields(path);
    expect(f.length).toBeGreaterThan(0);
    expect(f[0].field).toBe('spec.template.containers.0.volumes.0.path');
    expect(f[0].reason).toMatch(reason);
  });
});
