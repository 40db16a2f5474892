// The dashboard's manifest of a service is what `lb export` writes for it: the SDK's wire decoding and the
// CLI's export, applied to services with every field the wire view changes.
import { encodeService, decodeService, DEFAULT_WIRE_CONTEXT } from '../../sdk/src/wire';
import type { Service } from '../../sdk/src/models/resources';
import { toManifest } from '../../core/src/cli/export';
import { serviceManifest } from './service-manifest';

const base: Service = {
  kind: 'Service',
  version: 'v1',
  meta: { name: 'web', namespace: 'demo', labels: {}, uid: 'u1', created: '2026-01-01T00:00:00Z', updated: '2026-01-01T00:00:00Z', revision: 7 },
  spec: {
    replicas: 2,
    template: { containers: [{ name: 'c', image: { name: 'nginx:1', policy: 'if-not-present' }, restart: { policy: 'always' } }] },
  } as unknown as Service['spec'],
  status: { state: 'ready', message: '', deployment: 'v1', generation: 1, replicas: { desired: 2, ready: 2 }, network: { ip: '10.0.0.5', ports: [] } },
};

const full: Service = {
  ...base,
  meta: { ...base.meta, labels: { app: 'web' }, description: 'the site' },
  spec: {
    ...base.spec,
    network: { ports: ['http=80:8080/tcp', '53/udp'] },
    template: {
      containers: [
        {
          name: 'c',
          image: { name: 'nginx:1', policy: 'always', secret: 'reg' },
          command: ['/bin/sh', '-c'],
          args: ['echo hi'],
          ports: [{ container: 8080, protocol: 'tcp' }, { container: 53, protocol: 'udp' }],
          env: [{ name: 'A', value: '1' }],
          resources: { limits: { ram: '128mib', cpu: 0.5 }, requests: { ram: 134217728 } },
          restart: { policy: 'on-failure', attempts: 3 },
        },
      ],
    },
  } as unknown as Service['spec'],
};

describe('serviceManifest', () => {
  it.each([['a plain service', base], ['every field the wire view changes', full]])('%s: as lb export writes it', (_, svc) => {
    const wire = JSON.parse(JSON.stringify(encodeService(svc, DEFAULT_WIRE_CONTEXT)));
    const expected = JSON.parse(JSON.stringify(toManifest(decodeService(encodeService(svc, DEFAULT_WIRE_CONTEXT)))));
    expect(serviceManifest(wire)).toEqual(expected);
    // Nothing the server set survives (status, uid, revision, namespace, self link).
    expect(JSON.stringify(serviceManifest(wire))).not.toMatch(/uid|revision|self_link|status|10\.0\.0\.5/);
  });
});
