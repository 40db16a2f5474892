import { ServiceManifest, parseOrThrow } from '@lastbackend/sdk';
import { buildRunManifest } from './run';

/** What the API does with the manifest: the same schema. */
const validated = (...a: Parameters<typeof buildRunManifest>) => parseOrThrow(ServiceManifest, buildRunManifest(...a), 'invalid service');

describe('lb run manifest', () => {
  it('builds a one-container service', () => {
    const m = buildRunManifest('web', 'nginx:1.27', {
      replicas: '3',
      port: ['80', '8080:80', '53/udp'],
      env: ['A=1', 'B=x=y'],
      command: `sh -c 'echo hi'`,
    });
    expect(ServiceManifest.safeParse(m).success).toBe(true);
    expect(m.meta).toEqual({ name: 'web' });
    expect(m.spec.replicas).toBe(3);
    expect(m.spec.network?.ports).toEqual(['80:80/tcp', '8080:80/tcp', '53:53/udp']);
    const [c] = m.spec.template.containers;
    expect(c.name).toBe('web');
    expect(c.image.name).toBe('nginx:1.27');
    expect(c.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'x=y' },
    ]);
    expect(c.command).toEqual(['sh', '-c', 'echo hi']);
  });

  it('defaults to one replica, no ports, the image command', () => {
    const m = buildRunManifest('api', 'busybox', {});
    expect(m.spec.replicas).toBe(1);
    expect(m.spec.network).toBeUndefined();
    expect(m.spec.template.containers[0].command).toBeUndefined();
    expect(m.spec.template.containers[0].env).toEqual([]);
  });

  it('rejects bad values with the field named', () => {
    expect(() => buildRunManifest('web', 'nginx', { replicas: '-1' })).toThrow('replicas: must be a whole number ≥ 0');
    expect(() => validated('web', 'nginx', { port: ['70000'] })).toThrow(/spec\.network\.ports\.0: ports must be between 1 and 65535/);
    expect(() => validated('web', 'nginx', { port: ['http'] })).toThrow(/spec\.network\.ports\.0: must be "\[name=\]port/);
    expect(() => validated('Web', 'nginx', {})).toThrow(/invalid service: meta\.name: must be a DNS label/);
    expect(() => validated('web', 'nginx', { env: ['1A=x'] })).toThrow(/spec\.template\.containers\.0\.env\.0\.name/);
    expect(() => buildRunManifest('web', 'nginx', { env: ['NOVALUE'] })).toThrow('env: "NOVALUE" must be KEY=VALUE');
  });
});
