import { issuesToFields } from '../validation';
import { NamespaceManifest, ServiceManifest } from './manifests';

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

describe('namespace quota', () => {
  const ns = (resources: unknown) => NamespaceManifest.safeParse({ kind: 'Namespace', meta: { name: 'team' }, spec: { resources } });
  const problems = (resources: unknown) => {
    const r = ns(resources);
    return r.success ? [] : issuesToFields(r.error.issues).map((f) => `${f.field}: ${f.reason}`);
  };

  it('takes limits on cpu, ram, storage, pods, services and volumes, and default requests', () => {
    const resources = { limits: { cpu: '4', ram: '8gib', storage: '50gib', pods: 20, services: 10, volumes: 5 }, defaults: { cpu: '100m', ram: '128mib' } };
    expect(ns(resources).data?.spec).toEqual({ resources });
  });

  it('refuses a bad quantity, a negative or fractional count and an unknown key, naming the field', () => {
    expect(problems({ limits: { ram: 'lots' } })).toEqual([expect.stringMatching(/^spec\.resources\.limits\.ram: must be a size/)]);
    expect(problems({ limits: { pods: -1 } })).toEqual([expect.stringMatching(/^spec\.resources\.limits\.pods: must be 0 or more/)]);
    expect(problems({ limits: { services: 1.5 } })).toEqual([expect.stringMatching(/^spec\.resources\.limits\.services/)]);
    expect(problems({ defaults: { storage: '1gib' } })).toEqual([expect.stringMatching(/^spec\.resources\.defaults\.storage: unknown field/)]);
  });
});
