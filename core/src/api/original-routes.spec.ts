// Every route of the original Last.Backend API (test/contract/original/routes.json, extracted from its
// route tables) is declared here and served: none answers the router's 404 "no such route". The ones
// with no meaning here answer 501 naming what replaces them; the mapped ones (apply in maps, the
// deployment writes, node meta, ingress and discovery) do what the original's clients expect.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deployment, Node, Service } from '@lastbackend/sdk';
import { startApiFixture, type ApiFixture } from '../openapi/api-fixture';
import { versionHash } from '../state/versions';
import { keys } from '../store/keys';
import { allRoutes, NOT_IMPLEMENTED_ROUTES } from './routes';

interface OriginalRoute {
  method: string;
  path: string;
  handler: string;
}
const ORIGINAL = JSON.parse(readFileSync(join(__dirname, '../../../test/contract/original/routes.json'), 'utf8')) as { commit: string; routes: OriginalRoute[] };

/** /a/{b}/c and /a/:b/c → /a/*\/c */
const shape = (path: string) => path.replace(/\{[^}]+\}|:[A-Za-z_]\w*/g, '*');

/** A value for each of the original's path parameters: the fixture's namespace, service and deployment. */
const concrete = (path: string, ns: string) => path.replace(/\{([^}]+)\}/g, (_, p: string) => ({ namespace: ns, service: 'web', deployment: 'v2', node: 'n1' })[p] ?? 'x');

interface Answer {
  status: number;
  body: { code?: unknown; reason?: unknown; message?: string } & Record<string, unknown>;
}
/** Either error format: `reason` beside a numeric code, or the code word itself. */
const reasonOf = (b: Answer['body']) => (typeof b.reason === 'string' ? b.reason : b.code);

const svc = (name: string, image = 'img') => ({ meta: { name }, spec: { replicas: 1, template: { containers: [{ name: 'c', image: { name: image } }] } } });
const report = { capacity: { cpu: 1000, ram: 1 << 30, pods: 10 }, plugins: [{ capability: 'discovery', package: '@lastbackend/plugin-discovery', state: 'ready', address: '10.0.0.5' }] };

function deployment(s: Service, version: number, state: Deployment['status']['state']): Deployment {
  const now = new Date().toISOString();
  const { template } = s.spec;
  const [ns, name] = [s.meta.namespace, `v${version}`];
  return {
    kind: 'Deployment',
    version: 'v1',
    meta: { name, namespace: ns, service: 'web', labels: {}, uid: name, created: now, updated: now, revision: 0 },
    spec: { version, replicas: state === 'superseded' ? 0 : 1, template, hash: versionHash({ template }) },
    status: { state, message: '', replicas: { desired: 1, ready: 0, total: 0 } },
  };
}

describe("the original's routes", () => {
  let f: ApiFixture;
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(`${f.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${f.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text.split('\n')[0]) as Answer['body']) : {} };
  };

  beforeAll(async () => {
    f = await startApiFixture();
  }, 60_000);
  afterAll(() => f.close(), 60_000);

  /**
   * A new namespace (a deleted one lingers until the controller, not running here, removes it) with
   * service "web" whose versions v1 (superseded), v2 (active) and v3 (rolling out) the controller made;
   * node n1 whose agent runs the discovery plugin.
   */
  let ns = '';
  let made = 0;
  async function seed(): Promise<void> {
    ns = `demo${++made}`;
    expect((await call('POST', '/namespace', { kind: 'Namespace', meta: { name: ns } })).status).toBe(201);
    expect((await call('POST', `/namespace/${ns}/service`, { kind: 'Service', ...svc('web') })).status).toBe(201);
    await f.store.txn(async (tx) => {
      const s = (await tx.get<Service>(keys.service(ns, 'web')))!;
      tx.put(keys.deployment(ns, 'web', 'v1'), deployment(s, 1, 'superseded'));
      tx.put(keys.deployment(ns, 'web', 'v2'), deployment(s, 2, 'active'));
      tx.put(keys.deployment(ns, 'web', 'v3'), deployment(s, 3, 'provisioning'));
      const active: Service = { ...s, status: { ...s.status, deployment: 'v2', generation: 3 } };
      tx.put(keys.service(ns, 'web'), active);
    });
    await f.cluster.reportNode('n1', report);
  }

  it(`lists the 74 method+path pairs of the original at ${ORIGINAL.commit.slice(0, 12)}, each declared once here`, () => {
    expect(ORIGINAL.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(ORIGINAL.routes).toHaveLength(74);
    const declared = allRoutes().map((r) => `${r.method} ${shape(r.path)}`);
    const missing = ORIGINAL.routes.filter((r) => declared.filter((d) => d === `${r.method} ${shape(r.path)}`).length !== 1);
    expect(missing).toEqual([]);
  });

  it('serves every one of them: none answers "no such route"; the ones with no meaning here answer 501 naming what replaces them', async () => {
    await seed();
    // What this test catches: the router's own answer for a route that is not declared.
    expect((await call('GET', '/no/such/route')).body.message).toBe('no such route');
    const unserved = new Set(Object.values(NOT_IMPLEMENTED_ROUTES).map((r) => `${r.method} ${shape(r.path)}`));
    // Deletions last, the namespace's the very last: the other routes find the fixture's objects.
    const order = (r: OriginalRoute) => (r.method !== 'DELETE' ? 0 : r.path === '/namespace/{namespace}' ? 2 : 1);
    const routes = [...ORIGINAL.routes].sort((a, b) => order(a) - order(b));
    const answers: string[] = [];
    for (const r of routes) {
      const a = await call(r.method, concrete(r.path, ns), r.method === 'PUT' || r.method === 'POST' ? {} : undefined);
      answers.push(`${r.method} ${r.path} → ${a.status} ${String(reasonOf(a.body) ?? '')}`);
      expect({ route: `${r.method} ${r.path}`, message: a.body.message }).not.toEqual({ route: `${r.method} ${r.path}`, message: 'no such route' });
      if (unserved.has(`${r.method} ${shape(r.path)}`)) {
        expect({ route: `${r.method} ${r.path}`, status: a.status, reason: reasonOf(a.body) }).toEqual({ route: `${r.method} ${r.path}`, status: 501, reason: 'NOT_IMPLEMENTED' });
        expect(a.body.message).toMatch(/not served here: .+(`lb |GET |POST |PUT |capability|config)/);
      }
    }
    expect(answers.filter((a) => / 501 /.test(a))).toHaveLength(Object.keys(NOT_IMPLEMENTED_ROUTES).length);
  }, 60_000);

  describe('PUT /namespace/{ns}/apply (maps by kind and name)', () => {
    beforeEach(seed, 30_000);

    it('applies each entry as a manifest of its kind named after its key, and answers the original status maps', async () => {
      const a = await call('PUT', `/namespace/${ns}/apply`, {
        services: { api: { spec: svc('api').spec } },
        configs: { settings: { kind: 'Config', meta: { name: 'settings' }, spec: { data: { 'a.conf': 'x' } } } },
        secrets: {},
      });
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ services: { [`${ns}:api`]: true }, configs: { [`${ns}:settings`]: true } });
      expect(a.body).not.toHaveProperty('secrets'); // empty groups are left out, as the original did
      expect(a.body.results).toEqual(
        expect.arrayContaining([
          { kind: 'Service', namespace: ns, name: 'api', action: 'created' },
          { kind: 'Config', namespace: ns, name: 'settings', action: 'created' },
        ]),
      );
      expect((await call('GET', `/namespace/${ns}/service/api`)).status).toBe(200);
      // the same again: nothing changes
      const again = await call('PUT', `/namespace/${ns}/apply`, { services: { api: { spec: svc('api').spec } } });
      expect(again.body.results).toEqual([{ kind: 'Service', namespace: ns, name: 'api', action: 'unchanged' }]);
    });

    it('takes the body as the original CLI sends it: every group present, unset ones null or empty', async () => {
      const a = await call('PUT', `/namespace/${ns}/apply`, {
        services: { api: { meta: { name: 'api' }, spec: svc('api').spec } },
        configs: {},
        secrets: {},
        routes: null,
        volumes: null,
        jobs: {},
      });
      expect(a.status).toBe(200);
      expect(a.body).toEqual({ services: { [`${ns}:api`]: true }, results: [{ kind: 'Service', namespace: ns, name: 'api', action: 'created' }] });
    });

    it('refuses a manifest of another kind under a group, naming the entry, and stores nothing', async () => {
      const a = await call('PUT', `/namespace/${ns}/apply`, { services: { ok: { spec: svc('ok').spec }, bad: { kind: 'Config', spec: {} } } });
      expect(a.status).toBe(400);
      expect(a.body.fields).toEqual([{ field: 'services.bad.kind', reason: expect.stringContaining('Service') }]);
      expect((await call('GET', `/namespace/${ns}/service/ok`)).status).toBe(404);
    });

    it('applies jobs as the original CLI sends them (request.JobManifest with Go zero values)', async () => {
      const job = { meta: { name: 'nightly' }, spec: { enabled: true, schedule: '', concurrency: { limit: 0, strategy: '' }, provider: { timeout: '', http: null, cron: null, rabbitmq: null }, hook: { http: null }, resources: null, task: { selector: null, runtime: null, template: { containers: [{ name: 'main', image: { name: 'busybox', secret: {} }, command: 'echo hi' }] } } } };
      const a = await call('PUT', `/namespace/${ns}/apply`, { services: { api: { spec: svc('api').spec } }, jobs: { nightly: job } });
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ services: { [`${ns}:api`]: true }, jobs: { [`${ns}:nightly`]: true } });
      expect((await call('GET', `/namespace/${ns}/job/nightly`)).body).toMatchObject({ spec: { concurrency: { limit: 1, strategy: 'queue' } } });
    });
  });

  describe('deployment writes, mapped onto the service (the controller stays their only writer)', () => {
    beforeEach(seed, 30_000);

    it('PUT of the active deployment scales the service', async () => {
      const a = await call('PUT', `/namespace/${ns}/service/web/deployment/v2`, { spec: { replicas: 3 } });
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ kind: 'Deployment', meta: { name: 'v2' }, spec: { replicas: 3 } });
      expect(((await call('GET', `/namespace/${ns}/service/web`)).body as unknown as Service).spec.replicas).toBe(3);
      // a new template: the version the controller will make for it
      const b = await call('PUT', `/namespace/${ns}/service/web/deployment/v2`, { spec: { template: svc('web', 'img:3').spec.template } });
      expect(b.status).toBe(200);
      expect(b.body).toMatchObject({ meta: { name: 'v4' }, spec: { version: 4, replicas: 3 } });
    });

    it('PUT of a superseded deployment is refused with the rollback that brings it back', async () => {
      const a = await call('PUT', `/namespace/${ns}/service/web/deployment/v1`, { spec: { replicas: 3 } });
      expect(a.status).toBe(409);
      expect(a.body.message).toMatch(/superseded.*lb rollback web --to v1/);
    });

    it('POST with a template is a service update the controller rolls out; without one it is refused', async () => {
      const a = await call('POST', `/namespace/${ns}/service/web/deployment`, { spec: { template: svc('web', 'img:2').spec.template } });
      expect(a.status).toBe(202);
      // the version the controller will make: after v3 (generation 3)
      expect(a.body).toMatchObject({ kind: 'Deployment', meta: { name: 'v4', service: 'web' }, spec: { version: 4, replicas: 1 }, status: { state: 'provisioning' } });
      expect((a.body as unknown as Deployment).spec.template.containers[0].image.name).toBe('img:2');
      const s = (await call('GET', `/namespace/${ns}/service/web`)).body as unknown as Service;
      expect(s.spec.template.containers[0].image.name).toBe('img:2');
      // the latest version's template: no new version, that one is answered
      expect((await call('POST', `/namespace/${ns}/service/web/deployment`, { spec: { template: svc('web').spec.template } })).body).toMatchObject({ meta: { name: 'v3' }, spec: { version: 3 } });
      const b = await call('POST', `/namespace/${ns}/service/web/deployment`, { meta: { name: 'mine' }, spec: { replicas: 2 } });
      expect(b.status).toBe(400);
      expect((b.body.fields as { field: string }[]).map((x) => x.field)).toEqual(['meta.name']);
      expect((await call('POST', `/namespace/${ns}/service/web/deployment`, { spec: { replicas: 2 } })).body.fields).toEqual([{ field: 'spec.template', reason: expect.any(String) }]);
    });

    it('DELETE is refused: 409 for the serving or rolling-out version, 501 for one kept for rollback', async () => {
      for (const d of ['v2', 'v3']) {
        const a = await call('DELETE', `/namespace/${ns}/service/web/deployment/${d}`);
        expect(a.status).toBe(409);
        expect(a.body.message).toMatch(/lb rollback web|lb delete service web/);
      }
      const old = await call('DELETE', `/namespace/${ns}/service/web/deployment/v1`);
      expect(old.status).toBe(501);
      expect(old.body.message).toMatch(/controller\.history/);
      expect((await call('DELETE', `/namespace/${ns}/service/web/deployment/v9`)).status).toBe(404);
    });
  });

  describe('nodes and components', () => {
    beforeEach(seed, 30_000);

    it('PUT /cluster/node/{node}/meta sets the description and all labels; host facts are refused', async () => {
      await f.cluster.labelNode('n1', { set: { old: 'x' } });
      const a = await call('PUT', '/cluster/node/n1/meta', { meta: { description: 'rack 4', labels: { zone: 'a' }, hostname: null } });
      expect(a.status).toBe(200);
      const n = a.body as unknown as Node;
      expect(n.meta).toMatchObject({ description: 'rack 4', labels: { zone: 'a' } });
      const b = await call('PUT', '/cluster/node/n1/meta', { meta: { hostname: 'other', labels: null } });
      expect(b.status).toBe(400);
      expect(b.body.fields).toEqual([{ field: 'meta.hostname', reason: expect.stringContaining("node's agent") }]);
      expect((await call('PUT', '/cluster/node/nope/meta', { meta: {} })).status).toBe(404);
    });

    it('GET /discovery lists the nodes whose agent runs the discovery plugin, in the original list shape', async () => {
      const list = await call('GET', '/discovery');
      expect(list.status).toBe(200);
      expect(list.body).toEqual({
        n1: {
          meta: expect.objectContaining({ name: 'n1', self_link: 'n1', node: 'n1', package: '@lastbackend/plugin-discovery', created: expect.any(String), version: expect.any(String) }),
          status: { ready: true, state: 'ready', message: '', address: '10.0.0.5' },
        },
      });
      expect((await call('GET', '/discovery/n1')).body).toEqual(list.body.n1);
      expect((await call('GET', '/discovery/n2')).status).toBe(404);
      // this fixture's server runs no ingress, and no node reports one
      expect(await call('GET', '/ingress')).toEqual({ status: 200, body: {} });
    });
  });
});
