// The SDK client against the OpenAPI document. At build time: each public method of LbClient names the
// routes it calls (CLIENT_ROUTES), and the type it hands out must equal the answer schema of those
// routes. At run time: every method is called against the real API, and each request it sends and
// each answer it gets must match the document (path and method exist, the body fits the request
// schema, the success status and the answer fit the response schema; an error is an ErrorBody).
import { generateKeyPairSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import { execSessionOver } from '../stream/exec-wire';
import { LbClient, wire, type Deployment, type Endpoint, type LbError, type NamespacedKind, type Pod, type Service } from '@lastbackend/sdk';
import { z } from 'zod';
import type { NodeAgentHandle } from '../api/node-gateway';
import type { RouteDef } from '../api/route';
import { OBJECT_ROUTES, ROUTES } from '../api/routes';
import { keys } from '../store/keys';
import { VERSION } from '../version';
import { startApiFixture, type ApiFixture } from './api-fixture';
import { buildOpenApi } from './spec';

/** The SDK client's transport (sdk/src/http.ts), the module instance the client calls: each exchange is recorded there. */
const transport = require(join(dirname(require.resolve('@lastbackend/sdk/client')), 'http.js')) as typeof import('../../../sdk/src/http');

// ---------------------------------------------------------------- build time: the client's types are the routes' types
// An answer in the wire format (a wire.WireSchema) reaches the client's caller decoded into the model.
type Answer<R> = R extends { answer: { upgrade: string } }
  ? Duplex
  : R extends { answer: { ndjson: { schema: infer S extends z.ZodType } } }
  ? AsyncGenerator<wire.Decoded<S>>
  : R extends { answer: { json: { schema: infer S extends z.ZodType }; list: true } }
    ? wire.Decoded<S>[]
    : R extends { answer: { json: { schema: infer S extends z.ZodType } } }
      ? wire.Decoded<S>
      : R extends { answer: { none: true } }
        ? void
        : R extends { answer: { text: string } }
          ? string
          : never;
type Returned<F> = F extends (...a: never[]) => infer T ? (T extends AsyncGenerator<infer Y> ? AsyncGenerator<Y> : Awaited<T>) : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Plumbing, not routes (watch: `?watch=true` on any list route, its events tested in test/watch.test.ts). */
type ClientMethod = Exclude<keyof LbClient, 'request' | 'setTls' | 'server' | 'servers' | 'watch' | 'upgrade'>;
const kinds: NamespacedKind[] = ['secret', 'config', 'volume', 'route', 'job'];

/** Every public method of the client and the routes it may call: a new method without an entry does not build. */
const CLIENT_ROUTES = {
  health: [ROUTES.health],
  cluster: [ROUTES.cluster],
  nodes: [ROUTES.nodes],
  node: [ROUTES.node],
  deleteNode: [ROUTES.deleteNode],
  cordonNode: [ROUTES.cordonNode],
  uncordonNode: [ROUTES.uncordonNode],
  drainNode: [ROUTES.drainNode],
  drainStatus: [ROUTES.drainStatus],
  namespaces: [ROUTES.namespaces],
  namespace: [ROUTES.namespace],
  createNamespace: [ROUTES.createNamespace],
  deleteNamespace: [ROUTES.deleteNamespace],
  apply: [ROUTES.apply],
  services: [ROUTES.services],
  service: [ROUTES.service],
  createService: [ROUTES.createService],
  updateService: [ROUTES.updateService],
  deleteService: [ROUTES.deleteService],
  scale: [ROUTES.updateService],
  rollback: [ROUTES.rollback],
  deployments: [ROUTES.deployments],
  deployment: [ROUTES.deployment],
  pods: [ROUTES.pods, ROUTES.servicePods, ROUTES.deploymentPods],
  pod: [ROUTES.pod],
  exec: [ROUTES.exec],
  execStream: [ROUTES.execStream],
  portForward: [ROUTES.portForward],
  endpoints: [ROUTES.endpoints],
  podStats: [ROUTES.podStats],
  namespaceStats: [ROUTES.namespaceStats],
  nodeStats: [ROUTES.nodeStats],
  logs: [ROUTES.serviceLogs],
  list: [OBJECT_ROUTES.secret.list, OBJECT_ROUTES.config.list, OBJECT_ROUTES.volume.list, OBJECT_ROUTES.route.list, OBJECT_ROUTES.job.list],
  get: [OBJECT_ROUTES.secret.get, OBJECT_ROUTES.config.get, OBJECT_ROUTES.volume.get, OBJECT_ROUTES.route.get, OBJECT_ROUTES.job.get],
  create: [OBJECT_ROUTES.secret.create, OBJECT_ROUTES.config.create, OBJECT_ROUTES.volume.create, OBJECT_ROUTES.route.create, OBJECT_ROUTES.job.create],
  remove: [OBJECT_ROUTES.secret.remove, OBJECT_ROUTES.config.remove, OBJECT_ROUTES.volume.remove, OBJECT_ROUTES.route.remove, OBJECT_ROUTES.job.remove],
  drivers: [ROUTES.drivers],
  swapDriver: [ROUTES.swapDriver],
  swapDrivers: [ROUTES.swapDrivers],
  createToken: [ROUTES.createToken],
  tokens: [ROUTES.tokens],
  rotateAdminToken: [ROUTES.rotateAdminToken],
  rotateSecretKey: [ROUTES.rotateSecretKey],
  caStatus: [ROUTES.caStatus],
  rotateCa: [ROUTES.rotateCa],
  finishCaRotation: [ROUTES.finishCaRotation],
  caBundle: [ROUTES.cacerts],
  revokeToken: [ROUTES.revokeToken],
  deleteToken: [ROUTES.revokeToken],
  join: [ROUTES.join],
  renewCertificate: [ROUTES.certificate],
  reportNode: [ROUTES.reportNode],
  nodeRef: [ROUTES.nodeRef],
  shipLogs: [ROUTES.shipLogs],
  reportPods: [ROUTES.reportPods],
  watchNode: [ROUTES.nodeStream],
  audit: [ROUTES.audit],
  snapshot: [ROUTES.snapshot],
  events: [ROUTES.events, ROUTES.clusterEvents],
  reportEvents: [ROUTES.reportEvents],
  watchTicket: [ROUTES.watchTicket],
  runJob: [ROUTES.runJob],
  tasks: [ROUTES.tasks, ROUTES.jobTasks],
  task: [ROUTES.task],
  cancelTask: [ROUTES.cancelTask],
  taskLogs: [ROUTES.taskLogs],
} satisfies Record<ClientMethod, readonly RouteDef[]>;

type Agreement = { [K in ClientMethod]: Same<Returned<LbClient[K]>, Answer<(typeof CLIENT_ROUTES)[K][number]>> };
/** Fails to build when a method's type and its routes' answer differ (the error names the method). */
const agreement: { [K in ClientMethod]: Agreement[K] extends true ? true : ['client type differs from the route answer', K] } = Object.fromEntries(
  Object.keys(CLIENT_ROUTES).map((k) => [k, true]),
) as { [K in ClientMethod]: true };
void agreement;

// ---------------------------------------------------------------- run time: requests and answers against the document
type Json = Record<string, unknown>;
interface Operation {
  requestBody?: { content: { 'application/json': { schema: Json } } };
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}
interface Recorded {
  client: string;
  method: string;
  path: string;
  body: unknown;
  status: number;
  type: string;
  answer?: unknown;
  /** A finite NDJSON answer (logs without follow), line by line as it was sent. */
  lines?: unknown[];
}

const doc = JSON.parse(JSON.stringify(buildOpenApi(VERSION))) as { paths: Record<string, Record<string, Operation>>; components: { schemas: Json } };
const defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('#/components/schemas/', '#/$defs/')) as Json;
const validator = (schema: Json) => z.fromJSONSchema({ ...(JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', '#/$defs/')) as Json), $defs: defs } as Parameters<typeof z.fromJSONSchema>[0]);
const templates = Object.keys(doc.paths).map((p) => ({ p, re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));

/** What is wrong with a recorded exchange, by the document. */
function problems(r: Recorded): string[] {
  const where = `${r.client}: ${r.method} ${r.path}`;
  // A concrete path beats a templated one, as the router matches it.
  const t = templates.filter((x) => x.re.test(r.path)).sort((a, b) => a.p.split('{').length - b.p.split('{').length)[0];
  const op = t && doc.paths[t.p][r.method.toLowerCase()];
  if (!op) return [`${where}: not in the document`];
  const out: string[] = [];
  if (r.body !== undefined) {
    const schema = op.requestBody?.content['application/json'].schema;
    if (!schema) out.push(`${where}: sends a body the document does not take`);
    else {
      const v = validator(schema).safeParse(r.body);
      if (!v.success) out.push(`${where}: request body: ${v.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
  }
  const ok = Object.keys(op.responses).find((s) => /^2/.test(s))!;
  if (r.status >= 400) {
    const v = validator({ $ref: '#/components/schemas/ErrorBody' }).safeParse(r.answer);
    if (!v.success) out.push(`${where}: error ${r.status} is not an ErrorBody`);
    return out;
  }
  if (String(r.status) !== ok) out.push(`${where}: answered ${r.status}, the document says ${ok}`);
  const content = op.responses[ok].content;
  if (r.answer !== undefined && content?.['application/json']) {
    const v = validator(content['application/json'].schema).safeParse(r.answer);
    if (!v.success) out.push(`${where}: answer: ${v.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  if (content?.['application/x-ndjson'] && !r.type.includes('ndjson')) out.push(`${where}: answered ${r.type}, not NDJSON`);
  return out;
}

/** Each NDJSON line the client yielded, against the document's line schema. */
function lineProblems(path: string, items: unknown[]): string[] {
  const t = templates.find((x) => x.re.test(path))!;
  const schema = doc.paths[t.p].get.responses['200'].content!['application/x-ndjson'].schema;
  return items.flatMap((it, i) => {
    const v = validator(schema).safeParse(it);
    return v.success ? [] : [`${path} line ${i}: ${v.error.issues.slice(0, 3).map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`];
  });
}

describe('the SDK client and the OpenAPI document', () => {
  let f: ApiFixture;
  const recorded: Recorded[] = [];
  const called = new Set<string>();
  let current = '';

  /** The client, with every call recorded under the method that made it. */
  const traced = (c: LbClient): LbClient =>
    new Proxy(c, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv) as unknown;
        if (typeof v !== 'function' || typeof prop !== 'string' || !(prop in CLIENT_ROUTES)) return v;
        return (...args: unknown[]) => {
          current = prop;
          called.add(prop);
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });

  beforeAll(async () => {
    f = await startApiFixture();
    const real = transport.httpRequest;
    jest.spyOn(transport, 'httpRequest').mockImplementation(async (url, init) => {
      const res = await real(url, init);
      const u = new URL(url);
      const type = String(res.headers['content-type'] ?? '');
      const rec: Recorded = { client: current, method: init.method, path: u.pathname, body: init.body ? JSON.parse(init.body) : undefined, status: res.status, type };
      recorded.push(rec);
      const ndjson = type.includes('ndjson');
      // Whole answers (and logs without follow) are read here, and handed to the client as they were.
      if (ndjson ? !(u.pathname.endsWith('/logs') && u.searchParams.get('follow') !== 'true') : res.status === 204) return res;
      const text = await res.text();
      if (ndjson) rec.lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
      else rec.answer = text ? JSON.parse(text) : undefined;
      return {
        ...res,
        text: async () => text,
        json: async () => JSON.parse(text) as unknown,
        chunks: async function* () {
          yield Buffer.from(text);
        },
      };
    });
  }, 60_000);
  afterAll(async () => {
    jest.restoreAllMocks();
    await f.close();
  }, 60_000);

  it('every route the client calls is in the document, with the request and answer types it gives', async () => {
    const admin = traced(new LbClient({ server: f.url, token: f.adminToken }));
    const ns = 'demo';
    const expectError = (p: Promise<unknown>) => p.then(
      () => undefined,
      (e: LbError) => e,
    );
    const agent: NodeAgentHandle = {
      exec: async () => ({ exitCode: 0, stdout: 'hi\n', stderr: '' }),
      drivers: async () => [{ kind: 'cri', package: '@lastbackend/driver-docker', version: '1.0.0', state: 'ready', message: '' }],
      swapDrivers: async (ks, swap) => ks.map((kind) => ({ kind, package: swap.package, version: '2.0.0', state: 'ready' as const, message: '' })),
      metrics: async () => '',
      stats: async (pods) => ({ node: 'n1', time: new Date().toISOString(), window: 1, pods: (pods ?? []).map((p) => ({ ...p, containers: [{ name: 'c', cpu: 12.5, memory: 2 ** 20, cpu_seconds: 3 }] })) }),
      // `cat`: stdin comes back on stdout; then exit 0
      execStream: async (_ns, _pod, _command, o) => {
        const stdin = new PassThrough();
        const stdout = new PassThrough();
        const stderr = o.tty ? null : new PassThrough().end();
        stdin.pipe(stdout);
        return { stdin, stdout, stderr, resize: async () => undefined, wait: async () => (await finished(stdout), { exitCode: 0 }), kill: async () => void stdout.destroy() };
      },
      // an echo server at the pod's port
      portForward: async () => new PassThrough(),
    };
    f.registerAgent('n1', agent);

    // system and namespaces
    await admin.health();
    await admin.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    await admin.namespaces();
    await admin.namespace(ns);

    // secrets, configs, volumes, routes
    await admin.create('secret', ns, { kind: 'Secret', meta: { name: 'db' }, spec: { data: { password: 'hunter2' } } });
    await admin.create('config', ns, { kind: 'Config', meta: { name: 'app' }, spec: { data: { 'app.conf': 'x=1' } } });
    await admin.create('volume', ns, { kind: 'Volume', meta: { name: 'data' }, spec: {} });
    await admin.create('route', ns, { kind: 'Route', meta: { name: 'web' }, spec: { domain: 'web.example.com', rules: [{ service: 'web', port: 80 }] } });
    await admin.create('job', ns, { kind: 'Job', meta: { name: 'report' }, spec: { task: { template: { containers: [{ name: 'c', image: { name: 'img' } }] } } } });
    for (const k of kinds) {
      await admin.list(k, ns);
      await admin.get(k, ns, (await admin.list(k, ns))[0].meta.name);
    }

    // a run of the job (no controller runs here: it stays queued until cancelled)
    const run = await admin.runJob(ns, 'report', [{ name: 'DAY', value: 'monday' }]);
    await admin.tasks(ns);
    await admin.tasks(ns, 'report');
    await admin.task(ns, run.meta.name);
    await admin.cancelTask(ns, run.meta.name);
    for await (const l of admin.taskLogs(ns, run.meta.name)) void l;

    // services, and what the controller would make of them (stored here: no controller runs)
    const template = { containers: [{ name: 'c', image: { name: 'img' }, volumes: [{ name: 'sec', path: '/s' }] }], volumes: [{ name: 'sec', secret: { name: 'db' } }] };
    await admin.createService(ns, { kind: 'Service', meta: { name: 'web' }, spec: { replicas: 1, network: { ports: ['80:8080/tcp'] }, template } });
    await admin.services(ns);
    await admin.updateService(ns, 'web', { spec: { replicas: 2 } });
    const svc = await admin.scale(ns, 'web', 1);
    await storeRunning(f, svc);
    await admin.service(ns, 'web');
    await admin.deployments(ns, 'web');
    await admin.deployment(ns, 'web', 'v1');
    await admin.pods(ns);
    await admin.pods(ns, 'web');
    await admin.pods(ns, 'web', 'v1');
    await admin.pod(ns, 'web-a');
    await admin.endpoints(ns);
    await admin.exec(ns, 'web-a', ['echo', 'hi'], 'c');
    expect((await admin.podStats(ns, 'web-a')).cpu).toBe(12.5);
    expect((await admin.namespaceStats(ns, 'web')).map((p) => p.memory)).toEqual([2 ** 20]);
    // exec -i and port-forward: upgraded connections (not fetch: nothing recorded), their bytes as sent
    const readAll = async (r: NodeJS.ReadableStream) => {
      let out = '';
      for await (const c of r) out += String(c);
      return out;
    };
    const session = execSessionOver(await admin.execStream(ns, 'web-a', ['cat'], { stdin: true }), { tty: false, stdin: true });
    session.stdin!.end('typed');
    expect(await readAll(session.stdout)).toBe('typed');
    expect(await session.wait()).toEqual({ exitCode: 0 });
    const tunnel = await admin.portForward(ns, 'web-a', 8080);
    tunnel.end('ping');
    expect(await readAll(tunnel)).toBe('ping');
    await admin.apply(ns, [{ kind: 'Config', meta: { name: 'more' }, spec: { data: { a: 'b' } } }]);
    await admin.rollback(ns, 'web', 1);

    // drivers of a node
    await admin.drivers('n1');
    await admin.swapDriver('cri', '@acme/driver-cri', {}, undefined, 'n1');
    await admin.swapDrivers(['cri', 'cii'], '@acme/driver-cri', {}, 'process', 'n1');

    // join tokens, a node joining, and what its agent then calls
    const t = await admin.createToken({ ttl: 3600, uses: 2, description: 'contract test' });
    const spare = await admin.createToken({});
    await admin.tokens();
    await admin.rotateAdminToken(3600); // the admin token used here works on through its grace
    await admin.rotateSecretKey().catch(() => undefined); // the fixture's key is not a data dir's: refused, still a call
    // This fixture serves plain HTTP: no CA to show or rotate (refused, still calls; the CA rotation's own test runs TLS).
    for (const call of [() => admin.caStatus(), () => admin.rotateCa(), () => admin.finishCaRotation(true), () => admin.caBundle()]) expect((await expectError(call()))?.code).toMatch(/FAILED_PRECONDITION|NOT_FOUND/);
    await admin.deleteToken(spare.id);
    const joined = await traced(new LbClient({ server: f.url, token: t.token })).join('n2', { address: '127.0.0.1' });
    await admin.revokeToken(t.id);
    const node = traced(new LbClient({ server: f.url, token: joined.token }));
    await node.reportNode('n2', { labels: {}, capacity: { cpu: 2000, ram: 2 ** 30, pods: 10, storage: 0 }, addresses: ['10.0.0.2'], os: 'linux', arch: 'x64', hostname: 'n2', version: VERSION, drivers: [], endpoint: 'http://10.0.0.2:2969' });
    await moveToNode(f, ns, 'web-a', 'n2');
    await node.nodeRef('n2', 'secret', ns, 'db');
    await node.shipLogs('n2', [{ namespace: ns, service: 'web', pod: 'web-a', container: 'c', node: 'n2', stream: 'stdout', time: new Date().toISOString(), line: 'hello' }]);
    await node.reportPods('n2', [{ namespace: ns, name: 'web-a', status: { state: 'ready', running: true, message: '', network: { host_ip: '10.0.0.2', pod_ip: '10.210.0.5' }, containers: [] } }]);
    await node.reportEvents('n2', [
      { component: 'agent', object: { kind: 'Pod', namespace: ns, name: 'web-a' }, type: 'normal', reason: 'Started', message: 'started container c' },
      { component: 'kernel', object: { kind: 'Node', name: 'n2' }, type: 'warning', reason: 'DriverFailed', message: 'csi driver x: gone', time: new Date().toISOString() },
    ]);
    await f.events.flush();
    const nsEvents: unknown[] = [];
    for await (const e of admin.events({ namespace: ns, for: 'pod/web-a' })) nsEvents.push(e);
    const clusterEvents: unknown[] = [];
    for await (const e of admin.events({ for: 'node/n2' })) clusterEvents.push(e);
    expect([nsEvents.length, clusterEvents.length]).toEqual([1, 1]);
    const events: unknown[] = [];
    const ctl = new AbortController();
    for await (const ev of node.watchNode('n2', ctl.signal)) {
      events.push(ev);
      if (events.length === 3) ctl.abort();
    }
    const err = await expectError(node.renewCertificate('n2', generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()));
    expect(err?.code).toBe('FAILED_PRECONDITION'); // this server runs plain HTTP: no certificates
    const lines: unknown[] = [];
    for await (const l of admin.logs(ns, 'web', { tail: 10 })) lines.push(l);
    expect(lines).toHaveLength(1);
    expect((await admin.watchTicket()).ticket).toMatch(/^lbw\./);
    await admin.nodes();
    expect((await admin.nodeStats()).map((n) => [n.name, n.cpu.capacity])).toEqual([['n2', 2000]]);
    await admin.node('n2');
    await admin.cluster();
    expect((await admin.cordonNode('n2')).spec.unschedulable).toBe(true);
    expect((await admin.drainNode('n2')).cordoned).toBe(true);
    expect((await admin.drainStatus('n2')).node).toBe('n2');
    expect((await admin.uncordonNode('n2')).spec.unschedulable).toBe(false);

    // and away again
    for (const k of kinds) await admin.remove(k, ns, (await admin.list(k, ns))[0].meta.name);
    await admin.deleteService(ns, 'web');
    await admin.deleteNode('n2');
    await admin.deleteNamespace(ns);
    const audit: unknown[] = [];
    for await (const r of admin.audit({ since: '1h', who: 'admin' })) audit.push(r);
    expect(audit.length).toBeGreaterThan(20);
    const snapshot: unknown[] = [];
    for await (const l of admin.snapshot()) snapshot.push(l);
    expect(snapshot.length).toBeGreaterThan(2); // header, objects, trailer

    expect(Object.keys(CLIENT_ROUTES).filter((m) => !called.has(m))).toEqual([]);
    expect(recorded.flatMap(problems)).toEqual([]);
    // The node stream's lines as the client yields them (not encoded: only agents read it); the logs as sent.
    const sentLines = recorded.find((r) => r.path === `/namespace/${ns}/service/web/logs`)?.lines ?? [];
    expect(sentLines).toHaveLength(1);
    expect([...lineProblems('/cluster/node/n2/stream', events), ...lineProblems(`/namespace/${ns}/service/web/logs`, sentLines), ...lineProblems('/audit', audit), ...lineProblems(`/namespace/${ns}/event`, nsEvents), ...lineProblems('/event', clusterEvents)]).toEqual([]);
    // Each method called only its own routes.
    const mismatched = recorded.filter((r) => {
      const routes = CLIENT_ROUTES[r.client as ClientMethod] as readonly RouteDef[];
      return !routes.some((d) => d.method === r.method && new RegExp(`^${d.path.replace(/:[A-Za-z_]\w*/g, '[^/]+')}$`).test(r.path));
    });
    expect(mismatched.map((r) => `${r.client}: ${r.method} ${r.path}`)).toEqual([]);
  }, 120_000);

  it('finds a request that the document does not allow', () => {
    expect(problems({ client: 'x', method: 'PATCH', path: '/namespace/a', body: undefined, status: 200, type: '' })).toEqual(['x: PATCH /namespace/a: not in the document']);
    expect(problems({ client: 'x', method: 'POST', path: '/namespace', body: { kind: 'Namespace' }, status: 201, type: '' })[0]).toMatch(/request body: meta/);
    expect(problems({ client: 'x', method: 'GET', path: '/namespace', status: 200, body: undefined, type: '', answer: [{ kind: 'Namespace' }] })[0]).toMatch(/answer: /);
    expect(problems({ client: 'x', method: 'POST', path: '/namespace', body: { kind: 'Namespace', meta: { name: 'a' } }, status: 200, type: '', answer: {} })[0]).toMatch(/answered 200, the document says 201/);
  });
});

/** What the controller and the node's agent would have made of the service: its first deployment and a pod of it. */
async function storeRunning(f: ApiFixture, svc: Service): Promise<void> {
  const { namespace: ns, name } = svc.meta;
  const now = new Date().toISOString();
  const meta = <E extends Record<string, string>>(n: string, extra: E) => ({ name: n, namespace: ns, labels: {}, uid: `uid-${n}`, created: now, updated: now, revision: 1, ...extra });
  await f.store.txn(async (tx) => {
    const deployment: Deployment = {
      kind: 'Deployment',
      version: 'v1',
      meta: meta('v1', { service: name }),
      spec: { version: 1, replicas: 1, template: svc.spec.template, hash: 'h1' },
      status: { state: 'active', message: '', replicas: { desired: 1, ready: 1, total: 1 } },
    };
    const pod: Pod = {
      kind: 'Pod',
      version: 'v1',
      meta: meta(`${name}-a`, { service: name, deployment: 'v1', node: 'n1' }),
      spec: { template: svc.spec.template, destroy: false, resources: { cpu: 0, ram: 0 } },
      status: { state: 'ready', running: true, message: '', network: { host_ip: '10.0.0.1', pod_ip: '10.210.0.4' }, containers: [] },
    };
    const endpoint: Endpoint = {
      kind: 'Endpoint',
      version: 'v1',
      meta: meta(name, {}),
      spec: { ip: svc.status.network.ip, ports: svc.status.network.ports, upstreams: [{ pod: `${name}-a`, ip: '10.210.0.4' }] },
      status: {},
    };
    tx.put(keys.deployment(ns, name, 'v1'), deployment);
    tx.put(keys.pod(ns, pod.meta.name), pod);
    tx.put(keys.endpoint(ns, name), endpoint);
  });
}

async function moveToNode(f: ApiFixture, ns: string, pod: string, node: string): Promise<void> {
  await f.store.txn(async (tx) => {
    const p = (await tx.get<Pod>(keys.pod(ns, pod)))!;
    const moved: Pod = { ...p, meta: { ...p.meta, node } };
    tx.put(keys.pod(ns, pod), moved);
  });
}
