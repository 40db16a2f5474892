import {
  ConfigManifest,
  NamespaceManifest,
  ServiceManifest,
  type Config,
  type Namespace,
  type Service,
} from '@lastbackend/sdk';
import { renderExport, secretComment, toManifest } from './export';
import { parseYamlDocuments, validateManifests } from './manifest-files';

const meta = {
  uid: '0b6d4c1e-7f6a-4c69-9b3a-5f1a1d0e2c11',
  created: '2024-05-01T10:00:00.000Z',
  updated: '2024-05-01T11:00:00.000Z',
  revision: 42,
};

const service: Service = {
  kind: 'Service',
  version: 'v1',
  meta: { ...meta, name: 'web', namespace: 'demo', labels: { app: 'web' }, description: 'front end' },
  spec: ServiceManifest.parse({
    kind: 'Service',
    meta: { name: 'web' },
    spec: {
      replicas: 2,
      network: { ports: ['80:8080/tcp'] },
      strategy: { type: 'BlueGreen', auto_rollback: true, deadline: '90s' },
      template: {
        containers: [
          {
            name: 'web',
            image: { name: 'nginx:1.27' },
            env: [{ name: 'MODE', value: 'prod' }, { name: 'PW', secret: { name: 'db', key: 'password' } }],
            readiness: { http: { path: '/healthz', port: 8080 } },
            resources: { limits: { ram: '128mib', cpu: '500m' } },
          },
        ],
      },
    },
  }).spec,
  status: {
    state: 'ready',
    message: '',
    deployment: 'v3',
    generation: 3,
    replicas: { desired: 2, ready: 2 },
    network: { ip: '10.0.0.4', ports: ['80:8080/tcp'] },
    rollout: { version: 3, state: 'complete', message: 'v3 serves', since: '2024-05-01T11:00:00.000Z' },
  },
};

const namespace: Namespace = {
  kind: 'Namespace',
  version: 'v1',
  meta: { ...meta, name: 'demo', labels: {} },
  spec: {},
  status: { state: 'ready' },
};

const config: Config = {
  kind: 'Config',
  version: 'v1',
  meta: { ...meta, name: 'settings', namespace: 'demo', labels: {} },
  spec: { data: { 'app.conf': 'a=1\nb=2\n' } },
  status: {},
};

describe('toManifest', () => {
  it('keeps only user fields of a service', () => {
    const m = toManifest(service);
    expect(m).toEqual({
      kind: 'Service',
      version: 'v1',
      meta: { name: 'web', labels: { app: 'web' }, description: 'front end' },
      spec: service.spec,
    });
    expect(m).not.toHaveProperty('status');
    expect(m.spec).not.toBe(service.spec); // a copy
    // The strategy is the user's and comes along (the blue/green type is not stored, so not exported).
    expect(m.spec.strategy).toEqual({ auto_rollback: true, deadline: '90s' });
  });

  it('passes the strict manifest schema unchanged', () => {
    const m = toManifest(service);
    const parsed = ServiceManifest.safeParse(m);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(m);
  });

  it('drops empty labels and an unset description', () => {
    const m = toManifest(namespace);
    expect(m).toEqual({ kind: 'Namespace', version: 'v1', meta: { name: 'demo' }, spec: {} });
    expect(NamespaceManifest.safeParse(m).success).toBe(true);
    expect(ConfigManifest.safeParse(toManifest(config)).success).toBe(true);
  });
});

describe('renderExport', () => {
  it('is multi-document YAML that apply reads back, skipping secrets with a comment', () => {
    const yaml = renderExport([
      { manifest: toManifest(namespace) },
      { manifest: toManifest(config) },
      secretComment('db'),
      { manifest: toManifest(service) },
    ]);
    expect(yaml).toContain('# secret db skipped: values are not exported\n');
    expect(yaml).not.toMatch(/uid|revision|created|status/);
    const docs = parseYamlDocuments({ name: 'export.yaml', text: yaml });
    expect(docs).toEqual([toManifest(namespace), toManifest(config), toManifest(service)]);
    expect(validateManifests(docs).map((m) => `${m.kind}/${m.meta.name}`)).toEqual(['Namespace/demo', 'Config/settings', 'Service/web']);
  });

  it('handles a secret comment at the end', () => {
    const docs = parseYamlDocuments({ name: 'x', text: renderExport([{ manifest: toManifest(namespace) }, secretComment('a'), secretComment('b')]) });
    expect(docs).toEqual([toManifest(namespace)]);
  });
});
