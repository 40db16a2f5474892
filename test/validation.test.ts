// Bad input is refused with the field and the reason, and nothing is stored or half-applied.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT, TestServer, lb, uniq, webService } from './harness';

describe('invalid input', () => {
  let s: TestServer;
  const ns = uniq('val');

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(() => s?.cleanup());

  const post = (path: string, body: string, token = s.token) =>
    s.fetch(path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });

  async function expectNothingStored(): Promise<void> {
    expect(await s.client.services(ns)).toEqual([]);
    expect(await s.client.pods(ns)).toEqual([]);
    expect((await s.client.namespaces()).map((n) => n.meta.name).sort()).toEqual(['default', ns].sort());
  }

  const cases: [string, unknown, RegExp][] = [
    ['bad name', { ...webService('Bad_Name', 1) }, /meta\.name: must be a DNS label/],
    ['negative replicas', { ...webService('web', 1), spec: { ...webService('web', 1).spec, replicas: -1 } }, /spec\.replicas: must be 0 or more/],
    ['unknown field', { ...webService('web', 1), spec: { ...webService('web', 1).spec, replicaz: 2 } }, /spec\.replicaz: unknown field/],
    ['wrong type', { ...webService('web', 1), spec: { ...webService('web', 1).spec, replicas: 'three' } }, /spec\.replicas: .*number/i],
    [
      'bad container image',
      (() => {
        const m = webService('web', 1);
        (m.spec.template.containers[0].image as { name: string }).name = '';
        return m;
      })(),
      /spec\.template\.containers\.0\.image\.name/,
    ],
    ['bad port mapping', { ...webService('web', 1), spec: { ...webService('web', 1).spec, network: { ports: ['99999:1'] } } }, /spec\.network\.ports\.0/],
  ];

  it.each(cases)('API refuses a manifest with %s (400, field named)', async (_what, manifest, reason) => {
    const res = await post(`/namespace/${ns}/service`, JSON.stringify(manifest));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; reason: string; message: string; fields: { field: string }[] };
    expect(body).toMatchObject({ code: 400, status: 'Bad Request', reason: 'INVALID_ARGUMENT' });
    expect(body.message).toMatch(reason);
    expect(body.fields.length).toBeGreaterThan(0);
    await expectNothingStored();
  });

  it.each(cases)('CLI refuses a manifest with %s (exit ≠ 0, one-line reason)', async (_what, manifest, reason) => {
    const r = await s.lb(['apply', '-f', '-', '-n', ns], stringify(manifest));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    await expectNothingStored();
  });

  it('applies nothing when one document of several is invalid', async () => {
    const good = webService('good', 1);
    const bad = { ...webService('bad', 1), spec: { ...webService('bad', 1).spec, replicas: -5 } };
    const res = await post(`/namespace/${ns}/apply`, JSON.stringify({ manifests: [good, bad] }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/manifests\.1\.spec\.replicas/);
    const r = await s.lb(['apply', '-f', '-', '-n', ns], [stringify({ kind: 'Namespace', meta: { name: 'should-not-exist' } }), stringify(good), stringify(bad)].join('---\n'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/documents\.2\.spec\.replicas/);
    await expectNothingStored();
  });

  it('lb run refuses a bad name or image reference through the same schema', async () => {
    const r = await s.lb(['run', 'Bad_Name', 'img:1', '-n', ns]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/meta\.name: must be a DNS label/);
    const r2 = await s.lb(['run', 'ok', 'has space', '-n', ns]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toMatch(/spec\.template\.containers\.0\.image\.name/);
    await expectNothingStored();
  });

  it('refuses YAML syntax errors with the line', async () => {
    const r = await s.lb(['apply', '-f', '-', '-n', ns], 'kind: Service\nmeta:\n  name: web\n  labels: [unclosed\n');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/YAML/i);
    expect(r.stderr).toMatch(/line \d/);
    await expectNothingStored();
  });

  it('refuses malformed JSON and unknown kinds', async () => {
    const res = await post(`/namespace/${ns}/apply`, '{"manifests": [');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/not valid JSON/);
    const res2 = await post(`/namespace/${ns}/apply`, JSON.stringify({ manifests: [{ kind: 'Gadget', meta: { name: 'x' } }] }));
    expect(res2.status).toBe(400);
    expect(((await res2.json()) as { message: string }).message).toMatch(/manifests\.0\.kind: must be one of/);
    await expectNothingStored();
  });

  it('refuses a scale to a negative or fractional count', async () => {
    await s.client.createService(ns, webService('web', 0));
    for (const n of ['-1', '1.5', 'x']) {
      const r = await s.lb(['scale', 'web', n, '-n', ns]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/replicas/);
    }
    const res = await s.fetch(`/namespace/${ns}/service/web`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ spec: { replicas: -2 } }),
    });
    expect(res.status).toBe(400);
    expect((await s.client.service(ns, 'web')).spec.replicas).toBe(0);
    await s.client.deleteService(ns, 'web');
  });

  it('requires the token on everything but /healthz and the documentation', async () => {
    expect((await s.fetch(`/healthz`)).status).toBe(200);
    for (const path of ['/namespace', '/cluster', '/cluster/node', `/namespace/${ns}/service`]) {
      expect((await s.fetch(path)).status).toBe(401);
      expect((await s.fetch(path, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    }
    const r = await post(`/namespace/${ns}/service`, JSON.stringify(webService('sneaky', 1)), 'wrong-token');
    expect(r.status).toBe(401);
    const cli = await s.lb(['get', 'services', '-n', ns], undefined);
    expect(cli.code).toBe(0);
    const noToken = await lb(['get', 'services', '-n', ns], { ...s.env, LB_TOKEN: 'nope', LB_CLI_CONFIG: '/nonexistent' });
    expect(noToken.code).not.toBe(0);
    expect(noToken.stderr).toMatch(/token/);
  });

  it('writes the OpenAPI document to a file (npm run openapi)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lb-openapi-')), 'openapi.json');
    execFileSync(process.execPath, [join(ROOT, 'core/dist/openapi/write-spec.js'), out]);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/namespace/{ns}/service/{svc}/logs');
    rmSync(dirname(out), { recursive: true, force: true });
  });

  it('serves the OpenAPI document built from the schemas, without a token (a browser opens /docs)', async () => {
    const res = await s.fetch(`/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/namespace/{ns}/apply', '/namespace/{ns}/service/{svc}', '/cluster/node/{node}']));
    expect(doc.components.schemas.ServiceManifest.properties).toHaveProperty('spec');
    const html = await s.fetch(`/docs`);
    expect(html.status).toBe(200);
    expect(await html.text()).toMatch(/swagger/i);
  });
});
