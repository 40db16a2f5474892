// The browser's manifest handling: YAML or JSON documents parsed as `lb apply` reads them, and a service
// from the API turned back into the manifest `lb export` writes (the same object, from the wire form).
import { ServiceManifest, wire, type Service } from '../../sdk/src/index';
import { toManifest } from '../../core/src/cli/export';
import { ManifestSyntaxError, parseManifests, serviceManifest } from './manifest';
import type { ServiceWire } from './models';

describe('parseManifests', () => {
  it('reads several YAML documents, skipping empty ones and comments', () => {
    const docs = parseManifests('# two\n---\nkind: Service\nmeta: {name: a}\n---\n# nothing here\n---\nkind: Config\nmeta: {name: b}\n');
    expect(docs).toEqual([
      { kind: 'Service', meta: { name: 'a' } },
      { kind: 'Config', meta: { name: 'b' } },
    ]);
  });
  it('reads JSON, one object or an array of them', () => {
    expect(parseManifests('{"kind": "Service", "meta": {"name": "a"}}')).toEqual([{ kind: 'Service', meta: { name: 'a' } }]);
    expect(parseManifests('[{"kind": "Service"}, {"kind": "Secret"}]')).toEqual([{ kind: 'Service' }, { kind: 'Secret' }]);
  });
  it('names the document a syntax error is in, and refuses an empty text', () => {
    expect(() => parseManifests('kind: Service\n---\nkind: [unclosed\n')).toThrow(/^document 2: /);
    expect(() => parseManifests('kind: [unclosed')).toThrow(ManifestSyntaxError);
    expect(() => parseManifests('# only a comment\n')).toThrow('no manifest in it');
  });
});

describe('serviceManifest', () => {
  it('is what lb export writes for the same service', () => {
    const m = ServiceManifest.parse({
      kind: 'Service',
      meta: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        network: { ports: ['80:8080/tcp', 'dns=53/udp'] },
        template: {
          containers: [
            { name: 'web', image: { name: 'nginx:1.27' }, command: ['httpd', '-f'], args: ['-p', '8080'], ports: [{ container: 8080 }], env: [{ name: 'A', value: '1' }] },
            { name: 'side', image: { name: 'busybox' } },
          ],
        },
      },
    });
    const service = {
      kind: 'Service',
      version: 'v1',
      meta: { ...m.meta, namespace: 'demo', uid: 'u', created: '2026-01-01T00:00:00Z', updated: '2026-01-01T00:00:00Z', revision: 3 },
      spec: m.spec,
      status: { state: 'ready', message: '', generation: 1, deployment: 'v1', replicas: { desired: 2, ready: 2 }, network: { ip: '10.0.0.3', ports: [] } },
    } as unknown as Service;
    const onWire = JSON.parse(JSON.stringify(wire.encodeService(service, wire.DEFAULT_WIRE_CONTEXT))) as ServiceWire;
    expect(serviceManifest(onWire)).toEqual(JSON.parse(JSON.stringify(toManifest(service))));
  });
});
