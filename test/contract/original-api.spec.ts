// Contract: every route of the original Last.Backend API (test/contract/original/routes.json), called as
// the original client calls it, answers what the original's client decodes. Two sources of requests:
// 1. the recorded exchanges of the original CLI (fixtures/original-cli), replayed in the recorder's order
//    after the same seeds (record-original-cli.ts steps());
// 2. for the routes no recording reaches, a request built from the original's request types.
// A 2xx answer must decode into the original's view for that route (original/views.ts), an error into
// its errors.Http (original/errors.ts). The real API app runs over a level store (no node, no Docker).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deployment, Pod, Service, Task } from '@lastbackend/sdk';
import { WIRE_FIXTURES } from '@lastbackend/sdk/testing';
import type { z } from 'zod';
import { startApiFixture, type ApiFixture } from '../../core/src/openapi/api-fixture';
import { keys } from '../../core/src/store/keys';
import { OriginalHttpError } from './original/errors';
import * as V from './original/views';
import { steps, type CommandFixture } from './record-original-cli';

interface OriginalRoute {
  method: string;
  path: string;
}
const ROUTES = (JSON.parse(readFileSync(join(__dirname, 'original/routes.json'), 'utf8')) as { routes: OriginalRoute[] }).routes;
const NODE = 'oracle-node';
const NS = 'oracle';

/** What a 2xx answer of each original route must decode into (its handler's view in the original). */
type Expect = { json: z.ZodType } | { ndjson: z.ZodType } | 'empty';
const VIEWS: Record<string, Expect> = {
  'GET /cluster': { json: V.Cluster },
  'GET /cluster/node': { json: V.NodeList },
  'GET /cluster/node/{node}': { json: V.Node },
  'PUT /cluster/node/{node}/meta': { json: V.Node },
  'DELETE /cluster/node/{node}': 'empty',
  'PUT /cluster/node/{node}/status': { json: V.NodeManifest },
  'GET /namespace': { json: V.NamespaceList },
  'POST /namespace': { json: V.Namespace },
  'GET /namespace/{namespace}': { json: V.Namespace },
  'PUT /namespace/{namespace}': { json: V.Namespace },
  'DELETE /namespace/{namespace}': 'empty',
  'PUT /namespace/{namespace}/apply': { json: V.NamespaceApplyStatus },
  'GET /namespace/{namespace}/service': { json: V.ServiceList },
  'POST /namespace/{namespace}/service': { json: V.Service },
  'GET /namespace/{namespace}/service/{service}': { json: V.Service },
  'PUT /namespace/{namespace}/service/{service}': { json: V.Service },
  'DELETE /namespace/{namespace}/service/{service}': 'empty',
  'GET /namespace/{namespace}/service/{service}/logs': { ndjson: V.LogMessage },
  'GET /namespace/{namespace}/service/{service}/deployment': { json: V.DeploymentList },
  'POST /namespace/{namespace}/service/{service}/deployment': { json: V.Deployment },
  'GET /namespace/{namespace}/service/{service}/deployment/{deployment}': { json: V.Deployment },
  'PUT /namespace/{namespace}/service/{service}/deployment/{deployment}': { json: V.Deployment },
  'DELETE /namespace/{namespace}/service/{service}/deployment/{deployment}': { json: V.Deployment },
  'GET /namespace/{namespace}/service/{service}/deployment/{deployment}/pod': { json: V.PodList },
  'GET /ingress': { json: V.IngressList },
  'GET /ingress/{ingress}': { json: V.Ingress },
  'GET /discovery': { json: V.DiscoveryList },
  'GET /discovery/{discovery}': { json: V.Discovery },
  'POST /namespace/{namespace}/job': { json: V.Job },
  'GET /namespace/{namespace}/job': { json: V.JobList },
  'GET /namespace/{namespace}/job/{job}': { json: V.Job },
  'PUT /namespace/{namespace}/job/{job}': { json: V.Job },
  'DELETE /namespace/{namespace}/job/{job}': 'empty',
  'GET /namespace/{namespace}/job/{job}/logs': { ndjson: V.LogMessage },
  'POST /namespace/{namespace}/job/{job}/task': { json: V.Task },
  'GET /namespace/{namespace}/job/{job}/task': { json: V.TaskList },
  'GET /namespace/{namespace}/job/{job}/task/{task}': { json: V.Task },
  'PUT /namespace/{namespace}/job/{job}/task/{task}': { json: V.Task },
  'DELETE /namespace/{namespace}/job/{job}/task/{task}': { json: V.Task },
  'GET /namespace/{namespace}/job/{job}/task/{task}/logs': { ndjson: V.LogMessage },
  ...Object.fromEntries(
    (['config', 'secret', 'route', 'volume'] as const).flatMap((k) => {
      const one = { config: V.Config, secret: V.Secret, route: V.Route, volume: V.Volume }[k];
      const list = { config: V.ConfigList, secret: V.SecretList, route: V.RouteList, volume: V.VolumeList }[k];
      const base = `/namespace/{namespace}/${k}`;
      return [
        [`GET ${base}`, { json: list }],
        [`POST ${base}`, { json: one }],
        [`GET ${base}/{${k}}`, { json: one }],
        [`PUT ${base}/{${k}}`, { json: one }],
        [`DELETE ${base}/{${k}}`, 'empty'],
      ];
    }),
  ),
};

/** The original route template a concrete path fits (the one with the fewest parameters). */
function routeOf(method: string, path: string): string | undefined {
  const segs = path.split('?')[0]!.split('/');
  const fits = ROUTES.filter((r) => {
    const t = r.path.split('/');
    return r.method === method && t.length === segs.length && t.every((s, i) => (s.startsWith('{') ? segs[i] !== '' : s === segs[i]));
  });
  fits.sort((a, b) => a.path.split('{').length - b.path.split('{').length);
  return fits[0] && `${fits[0].method} ${fits[0].path}`;
}

const problems = (schema: z.ZodType, v: unknown) => (schema.safeParse(v).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

interface Answer {
  status: number;
  text: string;
}

/** Checks an answer as the original's client reads it; returns what did not decode (empty: all did). */
function decode(route: string, a: Answer): string[] {
  if (a.status >= 400) return problems(OriginalHttpError, JSON.parse(a.text)).concat(JSON.parse(a.text).code === a.status ? [] : [`code ${JSON.parse(a.text).code} is not the status ${a.status}`]);
  const want = VIEWS[route];
  if (!want) return [`no view known for ${route}`];
  if (want === 'empty') return a.text === '' ? [] : [`expected no body, got ${a.text.slice(0, 100)}`];
  if ('json' in want) return problems(want.json, JSON.parse(a.text));
  const lines = a.text.split('\n').filter((l) => l.trim());
  if (!lines.length) return ['no line to decode'];
  return lines.flatMap((l, i) => problems(want.ndjson, JSON.parse(l)).map((p) => `line ${i}: ${p}`));
}

const report = {
  capacity: { cpu: 2000, ram: 1 << 30, pods: 110 },
  plugins: [
    { capability: 'discovery', package: '@lastbackend/plugin-discovery', state: 'ready', address: '10.0.0.5' },
    { capability: 'ingress', package: '@lastbackend/plugin-ingress', state: 'ready', address: '10.0.0.5' },
  ],
};

describe("the original's routes, called as the original client calls them, answer the original's views", () => {
  let f: ApiFixture;
  /** method+path pairs of routes.json reached, and by which source. */
  const covered = new Map<string, string>();
  /** `json`: the content type the original's client sets even with no body (its DELETEs). */
  const call = async (method: string, path: string, body?: unknown, json = body !== undefined): Promise<Answer> => {
    const res = await fetch(`${f.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${f.adminToken}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  };
  /** Calls, checks the decoding, and records the route as covered; returns the answer. */
  const check = async (source: string, method: string, path: string, body?: unknown, json?: boolean): Promise<Answer> => {
    const route = routeOf(method, path);
    expect({ method, path, route }).toEqual({ method, path, route: expect.any(String) });
    const a = await call(method, path, body, json);
    expect({ route, status: a.status, problems: decode(route!, a) }).toEqual({ route, status: a.status, problems: [] });
    if (!covered.has(route!)) covered.set(route!, source);
    return a;
  };

  beforeAll(async () => {
    f = await startApiFixture();
    await f.cluster.reportNode(NODE, report);
  }, 60_000);
  afterAll(() => f?.close(), 60_000);

  describe('1. the recorded commands of the original CLI, replayed in order', () => {
    for (const step of steps(NODE, 'lb-test/busybox')) {
      const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures/original-cli', `${step.id}.json`), 'utf8')) as CommandFixture;
      it(`${fixture.command} (${fixture.exchanges.length} exchange(s))`, async () => {
        for (const s of step.seed ?? []) expect([200, 201, 409]).toContain((await call(s.method, s.path, s.body)).status);
        expect(fixture.seeded ?? []).toEqual((step.seed ?? []).map((s) => `${s.method} ${s.path}`));
        if (step.id === 'service-logs') await shipLog();
        if (!fixture.exchanges.length) {
          // The original CLI failed before sending anything (see the fixtures' README): nothing to replay.
          process.stdout.write(`replay: ${fixture.command} sent no request (${fixture.stdout.trim() || fixture.stderr.trim()})\n`);
          return;
        }
        for (const ex of fixture.exchanges) {
          const path = ex.path.replace(/^https?:\/\/[^/]+/, '');
          const json = Object.keys(ex.requestHeaders).some((h) => h.toLowerCase() === 'content-type');
          const a = await check(`recorded ${step.id}`, ex.method, path, ex.requestBody ?? undefined, json);
          const cls = (s: number) => (s < 300 ? '2xx' : String(s));
          expect({ path, status: cls(a.status) }).toEqual({ path, status: cls(ex.status) });
        }
      });
    }
  });

  /** A line of the service's log, as an agent ships it (the recorder waited for the real pod's). */
  async function shipLog(): Promise<void> {
    const line = { namespace: NS, service: 'web', pod: 'web-887bf10b8d', container: 'httpd', node: NODE, stream: 'stdout' as const, time: new Date(0).toISOString(), line: 'hello from web' };
    expect(await f.logStore.append([line])).toBe(1);
  }

  describe("2. the routes no recording reaches, with requests built from the original's request types", () => {
    const ns = 'built';
    const service = (name: string) => ({ meta: { name, description: 'built from request.ServiceManifest' }, spec: { replicas: 1, template: { containers: [{ name: 'app', image: { name: 'nginx:1.25', secret: {} } }] } } });

    beforeAll(async () => {
      expect((await call('POST', '/namespace', { meta: { name: ns } })).status).toBe(201);
    });

    it('service create and update (request.ServiceManifest, as the CLI at cd27b47 sends it; its own commands fail before sending)', async () => {
      expect((await check('built', 'POST', `/namespace/${ns}/service`, service('web'))).status).toBe(201);
      const upd = { meta: { description: 'updated' }, spec: { replicas: 2, network: { ports: ['80:8080/tcp'] } } };
      expect((await check('built', 'PUT', `/namespace/${ns}/service/web`, upd)).status).toBe(200);
    });

    it('volume update (request.VolumeManifest; the CLI fails its own validation before sending)', async () => {
      expect((await call('POST', `/namespace/${ns}/volume`, { meta: { name: 'store' }, spec: { type: 'dir' } })).status).toBe(201);
      const a = await check('built', 'PUT', `/namespace/${ns}/volume/store`, { meta: { description: 'still a volume' }, spec: { type: 'dir', selector: {}, capacity: {} } });
      expect(a.status).toBe(200);
    });

    it('deployments and their pods (request.DeploymentManifest, DeploymentUpdateOptions)', async () => {
      // The controller (not running here) makes deployments and the scheduler pods: stored as they would.
      await f.store.txn(async (tx) => {
        const s = (await tx.get<Service>(keys.service(ns, 'web')))!;
        const now = new Date(0).toISOString();
        const dep: Deployment = {
          kind: 'Deployment',
          version: 'v1',
          meta: { name: 'v1', namespace: ns, service: 'web', labels: {}, uid: 'v1', created: now, updated: now, revision: 0 },
          spec: { version: 1, replicas: 1, template: s.spec.template, hash: '' },
          status: { state: 'active', message: '', replicas: { desired: 1, ready: 1, total: 1 } },
        };
        tx.put(keys.deployment(ns, 'web', 'v1'), dep);
        const active: Service = { ...s, status: { ...s.status, deployment: 'v1' } };
        tx.put(keys.service(ns, 'web'), active);
        const pod: Pod = { ...WIRE_FIXTURES.pod, meta: { ...WIRE_FIXTURES.pod.meta, namespace: ns, service: 'web', deployment: 'v1', node: NODE } };
        tx.put(keys.pod(ns, pod.meta.name), pod);
      });
      const base = `/namespace/${ns}/service/web/deployment`;
      expect(JSON.parse((await check('built', 'GET', base)).text)).toHaveLength(1);
      expect((await check('built', 'GET', `${base}/v1`)).status).toBe(200);
      expect(JSON.parse((await check('built', 'GET', `${base}/v1/pod`)).text)).toHaveLength(1);
      // The server's request.DeploymentManifest and the cd27b47 client's DeploymentUpdateOptions both scale.
      expect((await check('built', 'PUT', `${base}/v1`, { spec: { replicas: 3 } })).status).toBe(200);
      const scaled = await check('built', 'PUT', `${base}/v1`, { replicas: 4, status: null });
      expect(JSON.parse(scaled.text)).toMatchObject({ spec: { replicas: 4 } });
      const spec = { replicas: 1, template: { containers: [{ name: 'app', image: { name: 'nginx:1.27' } }] } };
      expect((await check('built', 'POST', base, { spec })).status).toBe(202);
      // A name of the client's choosing is refused (the controller names versions v1, v2, …): a gap, as it is.
      expect((await check('built', 'POST', base, { meta: { name: 'next' }, spec })).status).toBe(400);
      // The original answered the removed deployment; here the controller removes them, so the answer is
      // an error saying what to do (409 for the serving one) — decoded as the original's errors.Http.
      expect((await check('built', 'DELETE', `${base}/v1`)).status).toBe(409);
    });

    it('discovery and ingress: the plugins a node reports, by node name', async () => {
      expect(Object.keys(JSON.parse((await check('built', 'GET', '/discovery')).text))).toContain(NODE);
      expect((await check('built', 'GET', `/discovery/${NODE}`)).status).toBe(200);
      expect((await check('built', 'GET', `/ingress/${NODE}`)).status).toBe(200);
    });

    it("node meta, status and remove (request.NodeMetaOptions, NodeStatusOptions of cd27b47's types)", async () => {
      const meta = await check('built', 'PUT', `/cluster/node/${NODE}/meta`, { meta: { description: 'rack 2', labels: { zone: 'b' } } });
      expect(meta.status).toBe(200);
      const iface = { type: 'docker', version: '18.09', state: 'ready', message: '' };
      const res = { containers: 0, pods: 110, ram: 1 << 30, cpu: 2000, storage: 0 };
      const status = { state: { cri: iface, cni: iface, cpi: iface, csi: iface }, pods: {}, volumes: {}, resources: { capacity: res, allocated: { ...res, pods: 0 } } };
      // The original agent's heartbeat: this server's agents report in their own shape (NodeStatusReport).
      const st = await check('built', 'PUT', `/cluster/node/${NODE}/status`, status);
      expect(st.status).toBe(400);
      // NodeClient.Remove: a DELETE with a JSON content type and no body, NodeRemoveOptions.force as ?force=
      expect((await check('built', 'DELETE', `/cluster/node/${NODE}?force=true`, undefined, true)).status).toBe(204);
    });

    it("jobs and tasks, as the original's JobClient and TaskClient send them (request.JobManifest, TaskManifest, TaskCancelOptions)", async () => {
      // json.Marshal of request.JobManifest: every spec field present, unset ones as Go's zero values or null.
      const container = { name: 'main', image: { name: 'busybox', secret: {} }, command: 'echo hi' };
      const job = (limit: number) => ({
        meta: { name: 'build', description: 'built from request.JobManifest', labels: { app: 'ci' } },
        spec: { enabled: true, schedule: '', concurrency: { limit, strategy: '' }, provider: { timeout: '', http: null, cron: null, rabbitmq: null }, hook: { http: null }, resources: null, task: { selector: null, runtime: null, template: { containers: [container] } } },
      });
      const base = `/namespace/${ns}/job`;
      expect((await check('built', 'POST', base, job(0))).status).toBe(201);
      expect(JSON.parse((await check('built', 'GET', base)).text)).toHaveLength(1);
      const updated = await check('built', 'PUT', `${base}/build`, job(2));
      expect(JSON.parse(updated.text)).toMatchObject({ meta: { self_link: `${ns}:build` }, spec: { enabled: true, concurrency: { limit: 2, strategy: 'queue' } } });
      expect(JSON.parse(updated.text).spec).not.toHaveProperty('schedule');
      // A job with a schedule: the original's top-level schedule is this project's provider.cron.schedule.
      const cron = { ...job(1), meta: { name: 'nightly' }, spec: { ...job(1).spec, schedule: '0 3 * * *', provider: { ...job(1).spec.provider, cron: {} } } };
      expect((await call('POST', base, cron)).status).toBe(201);
      expect(JSON.parse((await check('built', 'GET', `${base}/nightly`)).text)).toMatchObject({ spec: { schedule: '0 3 * * *', provider: { cron: { schedule: '0 3 * * *' } } }, status: { stats: { total: 0 } } });

      // JobClient.Run / TaskClient.Create: json.Marshal of an empty request.TaskManifest.
      const run = await check('built', 'POST', `${base}/build/task`, { meta: {}, spec: {} });
      expect(run.status).toBe(201);
      const task = JSON.parse(run.text) as { meta: { name: string } };
      expect(JSON.parse(run.text)).toMatchObject({ meta: { job: 'build', self_link: `${ns}:build:${task.meta.name}` }, status: { state: 'queued', done: false, canceled: false, error: false } });
      // A task's own template or name has no meaning here (it runs its job's): refused, naming the field.
      expect((await check('built', 'POST', `${base}/build/task`, { meta: { name: 'mine' }, spec: {} })).status).toBe(400);
      expect(JSON.parse((await check('built', 'GET', `${base}/build/task`)).text)).toHaveLength(1);
      expect((await check('built', 'GET', `${base}/build/task/${task.meta.name}`)).status).toBe(200);
      expect((await check('built', 'GET', `${base}/nightly/task/${task.meta.name}`)).status).toBe(404);
      // TaskRemove of a task that has not ended: refused (the controller owns its pod; cancel it first).
      expect((await check('built', 'DELETE', `${base}/build/task/${task.meta.name}`)).status).toBe(409);
      // TaskCancel: the server's PUT, and the POST its Go client actually sends (TaskClient.Cancel); force changes nothing.
      const cancelled = await check('built', 'PUT', `${base}/build/task/${task.meta.name}`, { force: false });
      expect(JSON.parse(cancelled.text)).toMatchObject({ spec: { cancel: true } });
      expect((await call('POST', `${base}/build/task/${task.meta.name}`, { force: true })).status).toBe(200);

      // An ended task with its lines, as the job controller and the node's agent leave it (no controller runs here).
      const done = 'build-d0d0d0';
      await f.store.txn(async (tx) => {
        const t = (await tx.get<Task>(keys.task(ns, task.meta.name)))!;
        const at = new Date(0).toISOString();
        const ended: Task = { ...t, meta: { ...t.meta, name: done }, spec: { ...t.spec, cancel: undefined }, status: { state: 'succeeded', attempt: 1, containers: [{ name: 'main', exit_code: 0, started: at, finished: at }], started: at, finished: at, message: 'succeeded', node: NODE, pod: `${done}-1`, pods: [`${done}-1`] } };
        tx.put(keys.task(ns, done), ended);
      });
      const line = { namespace: ns, service: '', pod: `${done}-1`, container: 'main', node: NODE, stream: 'stdout' as const, time: new Date(0).toISOString(), line: 'hi' };
      expect(await f.logStore.append([line])).toBe(1);
      const one = await check('built', 'GET', `${base}/build/task/${done}`);
      expect(JSON.parse(one.text)).toMatchObject({ status: { state: 'succeeded', done: true, error: false, pod: { self_link: `${ns}:${done}-1` } } });
      expect((await check('built', 'GET', `${base}/build/task/${done}/logs`)).text).toContain('"message":"hi"');
      // JobClient.Logs sends every option, empty ones too, and tail=0 (which meant no limit there).
      expect((await check('built', 'GET', `${base}/build/logs?task=${done}&pod=&container=&tail=0`)).text).toContain('"message":"hi"');
      // TaskRemove of an ended task answers the task as it was, and it is gone.
      expect((await check('built', 'DELETE', `${base}/build/task/${done}`)).status).toBe(200);
      expect((await call('GET', `${base}/build/task/${done}`)).status).toBe(404);
      // JobClient.Remove: a DELETE with a JSON content type and no body, JobRemoveOptions.force as ?force=
      expect((await check('built', 'DELETE', `${base}/nightly?force=true`, undefined, true)).status).toBe(204);
    });

    it('the routes with no meaning here answer 501 in the original error format', async () => {
      const concrete = (p: string) => p.replace(/\{namespace\}/, ns).replace(/\{[^}]+\}/g, 'x');
      const unserved = ROUTES.filter((r) => !VIEWS[`${r.method} ${r.path}`]);
      expect(unserved).toHaveLength(14);
      for (const r of unserved) {
        const a = await check('built (501)', r.method, concrete(r.path), r.method === 'PUT' || r.method === 'POST' ? {} : undefined);
        expect({ route: `${r.method} ${r.path}`, status: a.status }).toEqual({ route: `${r.method} ${r.path}`, status: 501 });
      }
    });
  });

  it('together they cover all 74 method+path pairs of the original', () => {
    const all = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(all).toHaveLength(74);
    expect(all.filter((r) => !covered.has(r))).toEqual([]);
    const kind = (source: string) => (source.startsWith('recorded') ? 'recorded' : source);
    const bySource = [...covered.values()].reduce<Record<string, number>>((n, s) => ({ ...n, [kind(s)]: (n[kind(s)] ?? 0) + 1 }), {});
    process.stdout.write(`original routes covered: ${covered.size} (${Object.entries(bySource).map(([k, v]) => `${k}: ${v}`).join(', ')})\n`);
  });
});
