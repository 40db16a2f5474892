// Fuzzing the API and `lb apply` with generated invalid input: every request is refused with a 4xx and a
// JSON error that says why, never a 5xx; the server stays up; nothing of a rejected request is stored.
// Seeded and bounded: FUZZ_SEED=<n> replays a run (the seed is printed), FUZZ_SCALE=<f> scales the counts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { Manifests, NAME_RE, NamespaceManifest, RollbackRequest, ServiceManifest, ServiceUpdate, type ManifestKind } from '@lastbackend/sdk';
import { ROOT, TestServer, lb } from './harness';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261125;
const SCALE = process.env.FUZZ_SCALE ? Number(process.env.FUZZ_SCALE) : 1;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
/** Cases per target; they add up to 10,000 (CLI_SPAWNED + CLI_IN_PROCESS + the API ones). */
const N = {
  serviceCreate: 1900,
  serviceBadPath: 300,
  serviceUpdate: 900,
  rollback: 200,
  namespaceCreate: 500,
  namespaceUpdate: 300,
  objects: 2000,
  apply: 1500,
  raw: 1000,
  cluster: 500,
  cliInProcess: 840,
  cliSpawned: 60,
};
const TOTAL = Object.values(N).reduce((a, b) => a + b, 0);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];
type Mutation = (v: Json) => Json;

// ------------------------------------------------------------------ valid bases the mutations break
const NS = 'fz';
const TEMPLATE: Json = {
  containers: [
    {
      name: 'web',
      image: { name: 'lb-test/busybox:latest', policy: 'never' },
      command: ['sleep', '3600'],
      args: ['x'],
      workdir: '/tmp',
      env: [{ name: 'A', value: '1' }, { name: 'B', secret: { name: 'base-secret', key: 'k' } }],
      ports: [{ container: 8080, protocol: 'tcp' }],
      volumes: [{ name: 'data', path: '/data', readonly: false, sub_path: 'sub' }],
      resources: { limits: { ram: '64mib', cpu: '500m' }, requests: { ram: 1048576, cpu: 0.1 } },
      restart: { policy: 'on-failure', attempts: 3 },
      readiness: { http: { path: '/', port: 8080 }, period: 1 },
      liveness: { tcp: { port: 8080 }, initial_delay: 1 },
    },
  ],
  volumes: [{ name: 'data', volume: { name: 'base-volume' } }],
  termination: 5,
};
const BASE_SERVICE = {
  kind: 'Service',
  version: 'v1',
  meta: { name: 'base', description: 'fuzz base', labels: { app: 'base', 'example.com/tier': 'web' } },
  spec: {
    replicas: 0,
    selector: { node: 'nowhere', labels: { pool: 'x' } },
    network: { ports: ['http=80:8080/tcp', '53/udp'], scheduler: 'rr' },
    template: TEMPLATE,
  },
} satisfies Json;
const BASE_NAMESPACE = { kind: 'Namespace', version: 'v1', meta: { name: 'fz-new', labels: { a: 'b' }, description: 'd' }, spec: { resources: { limits: { ram: '1gib', cpu: 2 } } } } satisfies Json;
const BASE_UPDATE = { meta: { labels: { a: 'b' }, description: 'd' }, spec: { replicas: 0, network: { ports: ['80:8080'] }, template: TEMPLATE } } satisfies Json;
const BASE_OBJECTS = {
  secret: { kind: 'Secret', meta: { name: 'base-secret', namespace: NS }, spec: { type: 'opaque', data: { k: 'v' } } },
  config: { kind: 'Config', meta: { name: 'base-config' }, spec: { data: { 'app.conf': 'x=1' } } },
  volume: { kind: 'Volume', meta: { name: 'base-volume' }, spec: { capacity: { storage: '1gib' }, selector: { labels: { disk: 'ssd' } } } },
  route: { kind: 'Route', meta: { name: 'base-route' }, spec: { domain: 'a.example.com', port: 443, tls: { secret: 'base-secret', redirect: true }, rules: [{ path: '/', service: 'base', port: 80 }] } },
} satisfies Record<string, Json>;
type ObjKind = keyof typeof BASE_OBJECTS;
const OBJ_KINDS = Object.keys(BASE_OBJECTS) as ObjKind[];
const KIND_OF: Record<ObjKind, ManifestKind> = { secret: 'Secret', config: 'Config', volume: 'Volume', route: 'Route' };

// ------------------------------------------------------------------ tree surgery on JSON values
const clone = (v: Json): Json => (v === null || typeof v !== 'object' ? v : JSON.parse(JSON.stringify(v)));

function paths(v: Json, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function setAt(v: Json, p: Path, value: Json): Json {
  if (!p.length) return value;
  const root = clone(v);
  let cur: Json = root;
  for (const k of p.slice(0, -1)) {
    const next: Json | undefined = cur && typeof cur === 'object' ? (cur as Record<string, Json>)[k] : undefined;
    if (!next || typeof next !== 'object') return root; // an earlier mutation replaced this branch
    cur = next;
  }
  if (cur && typeof cur === 'object') (cur as Record<string, Json>)[p[p.length - 1]] = value;
  return root;
}

function deleteAt(v: Json, p: Path): Json {
  if (!p.length) return v;
  const root = clone(v);
  let cur: Json = root;
  for (const k of p.slice(0, -1)) {
    const next: Json | undefined = cur && typeof cur === 'object' ? (cur as Record<string, Json>)[k] : undefined;
    if (!next || typeof next !== 'object') return root;
    cur = next;
  }
  if (Array.isArray(cur)) cur.splice(Number(p[p.length - 1]), 1);
  else if (cur && typeof cur === 'object') delete cur[p[p.length - 1]];
  return root;
}

function getAt(v: Json, p: Path): Json | undefined {
  let cur: Json | undefined = v;
  for (const k of p) cur = cur && typeof cur === 'object' ? (cur as Record<string, Json>)[k] : undefined;
  return cur;
}

// ------------------------------------------------------------------ bad values
/** {"a":{"a":…}} n levels deep (built as text: JSON.stringify would recurse as deep). */
const deepText = (n: number, open = '{"a":', close = '}') => open.repeat(n) + '1' + close.repeat(n);
const deepValue = (n: number): Json => {
  let v: Json = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};

const badName = fc.oneof(
  fc.constantFrom('', 'A', 'Upper', '-a', 'a-', 'a_b', 'a.b', 'a b', 'ä', '../etc', '%2e%2e', 'a\u0000b', 'a/b', 'a'.repeat(64), '0'.repeat(200), 'né', '\u202eevil', 'a\nb'),
  fc.string({ maxLength: 80 }).filter((s) => !NAME_RE.test(s)),
  fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !NAME_RE.test(s)),
);
const hugeString = fc.integer({ min: 1100, max: 300_000 }).map((n) => 'x'.repeat(n));
const badNumber = fc.constantFrom(-1, -0.5, 0.5, 1.5, 65536, 99999, 1e21, -1e21, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 31), 1e308);
const badPortMapping = fc.oneof(
  fc.constantFrom('0', '65536', '99999:1', '80:0', '80:65536', 'http=80:8080/sctp', '-1', '80:', ':80', 'abc', 'UPPER=80', '80/TCP', '80:8080:9090', '1.5', ' 80', '80 ', 'a-very-long-port-name=80', '', '80\n'),
  fc.string({ maxLength: 20 }).filter((s) => !/^(?:([a-z][a-z0-9-]{0,14})=)?(\d{1,5})(?::(\d{1,5}))?(?:\/(tcp|udp))?$/.test(s)),
  fc.integer(),
);
/** CIDR-shaped strings no API field takes (the CIDRs are config-only): they must be refused where names, ports or images go. */
const badCidr = fc.constantFrom('10.0.0.0/33', '300.1.1.1/8', '10.0.0.0', '::/0', '10.0.0.0/-1', '0.0.0.0/0', '10.0.0.0/8/8');
const anyValue: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;
const badValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, '', 'x', [], {}, [null], { '': '' }) },
  { weight: 3, arbitrary: anyValue },
  { weight: 2, arbitrary: badName },
  { weight: 2, arbitrary: badNumber },
  { weight: 1, arbitrary: badPortMapping },
  { weight: 1, arbitrary: badCidr },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 3000 }).map(deepValue) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 50 }) },
);

/** Random breakages of a valid base: wrong type or value anywhere, unknown or missing fields, bad names and ports. */
function mutations(base: Json): fc.Arbitrary<Mutation> {
  const all = paths(base);
  const objects = all.filter((p) => {
    const v = getAt(base, p);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  const names = all.filter((p) => ['name', 'namespace', 'service', 'secret'].includes(String(p[p.length - 1])) && typeof getAt(base, p) === 'string');
  const ports = all.filter((p) => /port|container|replicas|termination|attempts|period|ttl/.test(String(p[p.length - 1])) || p.includes('ports'));
  const pick = (ps: Path[]) => fc.constantFrom(...(ps.length ? ps : [[]]));
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(pick(all), badValue).map(([p, v]): Mutation => (x) => setAt(x, p, v)) },
    { weight: 2, arbitrary: fc.tuple(pick(objects), fc.string({ minLength: 1, maxLength: 30 }), anyValue).map(([p, k, v]): Mutation => (x) => setAt(x, [...p, k], v)) },
    { weight: 2, arbitrary: pick(all.filter((p) => p.length)).map((p): Mutation => (x) => deleteAt(x, p)) },
    { weight: 2, arbitrary: fc.tuple(pick(names), badName).map(([p, v]): Mutation => (x) => setAt(x, p, v)) },
    { weight: 2, arbitrary: fc.tuple(pick(ports), fc.oneof(badNumber, badPortMapping)).map(([p, v]): Mutation => (x) => setAt(x, p, v)) },
    { weight: 1, arbitrary: badValue.map((v): Mutation => () => v) },
  );
}

interface Schema {
  safeParse(v: unknown): { success: boolean };
}

/** A broken copy of `base` that `schema` refuses (1–3 mutations). */
function invalidFrom(base: Json, schema: Schema, prepare: (v: Json) => unknown = (v) => v): fc.Arbitrary<Json> {
  return fc
    .array(mutations(base), { minLength: 1, maxLength: 3 })
    .map((ms) => ms.reduce((v, m) => m(v), clone(base)))
    .filter((v) => !schema.safeParse(prepare(v)).success);
}

// What the per-kind routes do to a body without a kind (they add theirs), and an update's path to one
// without a name (the original's clients send neither).
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const withKind = (kind: string) => (body: Json) => (isObject(body) && !('kind' in body) ? { ...body, kind } : body);
const withName = (name: string) => (body: Json) => {
  if (!isObject(body)) return body;
  const meta = body.meta;
  if (meta === undefined || meta === null) return { ...body, meta: { name } };
  return isObject(meta) && (meta.name ?? null) === null ? { ...body, meta: { ...meta, name } } : body;
};

const invalidService = invalidFrom(BASE_SERVICE, ServiceManifest);
const invalidNamespace = invalidFrom(BASE_NAMESPACE, NamespaceManifest);
const invalidObject = (k: ObjKind) => invalidFrom(BASE_OBJECTS[k], Manifests[KIND_OF[k]], withKind(KIND_OF[k]));
const invalidObjectUpdate = (k: ObjKind) => invalidFrom(BASE_OBJECTS[k], Manifests[KIND_OF[k]], (b) => withName(BASE_OBJECTS[k].meta.name)(withKind(KIND_OF[k])(b) as Json));
// As POST /namespace and POST …/service take them: their kind is implied.
const invalidServiceBody = invalidFrom(BASE_SERVICE, ServiceManifest, withKind('Service'));
const invalidNamespaceBody = invalidFrom(BASE_NAMESPACE, NamespaceManifest, withKind('Namespace'));
const invalidAnyManifest: fc.Arbitrary<Json> = fc.oneof(invalidService, invalidNamespace, ...OBJ_KINDS.map(invalidObject), fc.constantFrom<Json>({ kind: 'Gadget', meta: { name: 'x' } }, { meta: { name: 'x' } }, 'Service', [], 42));
/** Valid documents that go along with an invalid one (all or nothing: none may land). */
const validManifest = fc.constantFrom<Json>(
  { ...BASE_SERVICE, meta: { name: 'apply-svc' } },
  { kind: 'Namespace', meta: { name: 'apply-ns' } },
  { ...BASE_OBJECTS.config, meta: { name: 'apply-config' } },
  { ...BASE_OBJECTS.secret, meta: { name: 'apply-secret' } },
);

// ------------------------------------------------------------------ requests
interface Req {
  method: 'POST' | 'PUT';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}
const json = (method: Req['method'], path: string, body: Json): Req => ({ method, path, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

const applyBodies: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.array(validManifest, { maxLength: 3 }), invalidAnyManifest, fc.nat()).map(([good, bad, at]) => ({ manifests: [...good.slice(0, at % (good.length + 1)), bad, ...good.slice(at % (good.length + 1))] })) },
  // The same object twice is refused even when both are valid.
  { weight: 1, arbitrary: validManifest.map((m) => ({ manifests: [m, m] })) },
  { weight: 1, arbitrary: fc.constantFrom<Json>({}, { manifests: [] }, { manifests: {} }, { manifests: 'x' }, { manifests: null }, [], { manifest: [BASE_SERVICE] }) },
  { weight: 1, arbitrary: fc.integer({ min: 1001, max: 1500 }).map((n) => ({ manifests: Array.from({ length: n }, () => ({ kind: 'Config', meta: { name: 'c' }, spec: {} })) })) },
  // A document naming another namespace than the request's.
  { weight: 1, arbitrary: badName.map((n) => ({ manifests: [{ ...BASE_OBJECTS.config, meta: { name: 'c', namespace: n } }] })) },
);

const segment = fc.oneof(badName.map(encodeURIComponent), fc.constantFrom('%', '%E0%A4%A', '%zz', '%C0%AF', 'nope-missing', '..', '%2F', '%00'));
const contentTypes = fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16', 'application/json; charset=latin9', 'application/jsonx', '', 'application/octet-stream');
const createPaths = fc.constantFrom(`/namespace/${NS}/service`, '/namespace', `/namespace/${NS}/apply`, ...OBJ_KINDS.map((k) => `/namespace/${NS}/${k}`));
const notJson = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc.constantFrom('{', '{"kind":', '[1,2', "{'a':1}", '{"a":1,}', 'NaN', 'undefined', '\u0000', '{"a":"\\x"}', '\ufeff{}', deepText(20000), deepText(20000, '[', ']')),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);

const rawRequests: fc.Arbitrary<Req> = fc.oneof(
  fc.tuple(createPaths, notJson).map(([path, body]): Req => ({ method: 'POST', path, body, headers: { 'content-type': 'application/json' } })),
  // A valid manifest under the wrong content type is not read as JSON, so the request has no body.
  fc.tuple(contentTypes, createPaths).map(([ct, path]): Req => ({ method: 'POST', path, body: JSON.stringify(BASE_OBJECTS.config), headers: ct ? { 'content-type': ct } : {} })),
  fc.constantFrom<Req>(
    { method: 'POST', path: `/namespace/${NS}/service`, body: 'not gzip', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } },
    { method: 'POST', path: `/namespace/${NS}/service`, body: '{}', headers: { 'content-type': 'application/json', 'content-encoding': 'br2' } },
    { method: 'POST', path: `/namespace/${NS}/config`, body: `{"kind":"Config","meta":{"name":"${'y'.repeat(11 * 1024 * 1024)}"}}`, headers: { 'content-type': 'application/json' } },
    { method: 'POST', path: '/namespace', headers: { 'content-type': 'application/json' } },
  ),
);

const clusterRequests: fc.Arbitrary<Req> = fc.oneof(
  fc
    .oneof(
      fc.constantFrom<Json>({ role: 'owner' }, { role: 'admin', uses: 2 }, { role: 'viewer', node: 'n1' }, { role: 'node', namespaces: ['a'] }, { ttl: 59 }, { ttl: 1.5 }, { ttl: -1 }, { ttl: '3600' }, { ttl: 10 * 365 * 86400 + 1 }, { role: 'node', extra: 1 }, [], 'node', 0),
      fc.integer({ min: 257, max: 5000 }).map((n) => ({ description: 'd'.repeat(n) })),
    )
    .map((b) => json('POST', '/cluster/token', b)),
  fc.oneof(badName.filter((n) => !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(n)).map((name) => ({ name })), fc.constantFrom<Json>({}, { name: 1 }, { name: 'ok', x: 1 }, [])).map((b) => json('POST', '/cluster/join', b)),
  fc.tuple(fc.constantFrom('cri', 'cii', 'csi', 'cni', 'cpi', 'gpu', '%zz'), fc.constantFrom<Json>({}, { package: '' }, { package: 1 }, { pkg: 'x' }, null, [])).map(([k, b]) => json('PUT', `/cluster/driver/${k}`, b)),
);

function hasYamlError(text: string): boolean {
  const docs = parseAllDocuments(text);
  return Array.isArray(docs) && docs.some((d) => d.errors.length > 0);
}

// ------------------------------------------------------------------ the server side of every case
describe('fuzz: 10,000 generated invalid inputs', () => {
  let s: TestServer;
  let before: string;
  let tmp: string;
  let cases = 0;

  const send = async (r: Req) => {
    const res = await s.fetch(r.path, { method: r.method, headers: { authorization: `Bearer ${s.token}`, ...(r.headers ?? {}) }, body: r.body });
    return { status: res.status, text: await res.text() };
  };

  /** 4xx with a JSON body that names the status, a reason word and a message (and for invalid input, the field). */
  const rejected = async (r: Req): Promise<void> => {
    cases++;
    const { status, text } = await send(r);
    const show = () => `${r.method} ${r.path} ${String(r.body ?? '').slice(0, 300)} → ${status} ${text.slice(0, 300)}`;
    if (status < 400 || status >= 500) throw new Error(`not a 4xx: ${show()}`);
    let body: { code?: unknown; status?: unknown; reason?: unknown; message?: unknown; fields?: { field: string; reason: string }[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`error body is not JSON: ${show()}`);
    }
    if (body.code !== status || typeof body.status !== 'string' || typeof body.reason !== 'string' || typeof body.message !== 'string' || !body.message.trim())
      throw new Error(`error without code, status, reason and message: ${show()}`);
    if (body.reason === 'INTERNAL') throw new Error(`internal error: ${show()}`);
    // "field: reason" or a sentence saying what is wrong.
    if (status === 400 && !(body.fields?.length || /\S: \S|\S \S/.test(body.message))) throw new Error(`400 without a field or reason: ${show()}`);
  };

  /** Everything a user can list, minus status (the controller writes that): kinds, names, labels and spec. */
  async function snapshot(): Promise<string> {
    const get = async (path: string) => {
      const res = await s.fetch(path, { headers: { authorization: `Bearer ${s.token}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as { kind?: string; meta: unknown; spec?: unknown }[];
    };
    // The controller's status writes move meta.updated and meta.revision: those two are left out.
    const strip = (xs: { kind?: string; meta: unknown; spec?: unknown }[]) =>
      xs.map((x) => {
        const { updated: _u, revision: _r, ...meta } = x.meta as Record<string, unknown>;
        return { kind: x.kind, meta, spec: x.spec };
      });
    const out: Record<string, unknown> = {};
    const nss = await get('/namespace');
    out.namespaces = strip(nss);
    for (const n of nss) {
      const name = (n.meta as { name: string }).name;
      out[`${name}/service`] = strip(await get(`/namespace/${name}/service`));
      for (const k of OBJ_KINDS) out[`${name}/${k}`] = strip(await get(`/namespace/${name}/${k}`));
    }
    out.tokens = ((await get('/cluster/token')) as unknown as { id?: string; meta?: { name: string } }[]).map((t) => t.id ?? t.meta?.name);
    // The original's NodeList: a map by node name.
    out.nodes = Object.keys((await get('/cluster/node')) as unknown as Record<string, unknown>).sort();
    return JSON.stringify(out, null, 1);
  }

  beforeAll(async () => {
    // eslint-disable-next-line no-console
    console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays it), ${TOTAL} cases at scale ${SCALE}`);
    tmp = mkdtempSync(join(tmpdir(), 'lb-fuzz-'));
    // Control plane only: the inputs are refused before any node would act on them.
    s = await TestServer.start({ agent: false });
    // Something of every kind, so updates hit existing objects and the "before" listing is not empty.
    const c = s.client;
    await c.createNamespace({ kind: 'Namespace', meta: { name: NS } });
    for (const k of OBJ_KINDS) await c.request('POST', `/namespace/${NS}/${k}`, BASE_OBJECTS[k]);
    await c.createService(NS, BASE_SERVICE as never);
    await c.request('POST', '/cluster/token', { description: 'fuzz' });
    await new Promise((r) => setTimeout(r, 1000)); // let the controller settle the new objects
    before = await snapshot();
  });

  afterAll(async () => {
    await s?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  let logFrom = 0;
  beforeEach(() => (logFrom = s.output().length));
  afterEach(async () => {
    // The server is alive, logged no internal error, and stored nothing of what it refused.
    // A case loop that never waits on I/O (the in-process CLI refuses locally) holds the event loop for
    // seconds: let the client take in the kept-alive sockets the server closed meanwhile before it asks.
    await new Promise((r) => setImmediate(r));
    expect((await s.client.health()).status).toBe('ok');
    expect(s.output().slice(logFrom)).not.toMatch(/unhandled error/);
    expect(await snapshot()).toBe(before);
  });

  const check = (n: number, arb: fc.Arbitrary<Req>) => fc.assert(fc.asyncProperty(arb, rejected), { seed: SEED, numRuns: runs(n), endOnFailure: true });

  it('service create bodies', async () => {
    await check(N.serviceCreate, invalidServiceBody.map((b) => json('POST', `/namespace/${NS}/service`, b)));
  });

  it('service creates into bad or missing namespaces (path segments)', async () => {
    await check(N.serviceBadPath, fc.tuple(segment, fc.oneof(invalidServiceBody, fc.constant<Json>(BASE_SERVICE))).map(([ns, b]) => json('POST', `/namespace/${ns}/service`, b)));
  });

  it('service update and rollback bodies', async () => {
    await check(N.serviceUpdate, invalidFrom(BASE_UPDATE, ServiceUpdate).map((b) => json('PUT', `/namespace/${NS}/service/base`, b)));
    const badRollback = fc.oneof(fc.constantFrom<Json>({ to: 0 }, { to: -1 }, { to: 1.5 }, { to: 'v' }, { to: 'V1' }, { to: '1' }, { to: null }, { back: 1 }, []), anyValue.filter((v) => !RollbackRequest.safeParse(v ?? {}).success));
    await check(N.rollback, badRollback.map((b) => json('POST', `/namespace/${NS}/service/base/rollback`, b)));
  });

  it('namespace create and update bodies', async () => {
    await check(N.namespaceCreate, invalidNamespaceBody.map((b) => json('POST', '/namespace', b)));
    await check(N.namespaceUpdate, invalidFrom({ ...BASE_NAMESPACE, meta: { name: NS } }, NamespaceManifest, withKind('Namespace')).map((b) => json('PUT', `/namespace/${NS}`, b)));
  });

  it('secret, config, volume and route create and update bodies', async () => {
    const arb = fc.constantFrom(...OBJ_KINDS).chain((k) =>
      fc.oneof(
        invalidObjectUpdate(k).map((b) => json('PUT', `/namespace/${NS}/${k}/${BASE_OBJECTS[k].meta.name}`, b)),
        invalidObject(k).map((b) => json('POST', `/namespace/${NS}/${k}`, b)),
      ),
    );
    await check(N.objects, arb);
  });

  it('apply bodies (all or nothing)', async () => {
    await check(N.apply, applyBodies.map((b) => json('POST', `/namespace/${NS}/apply`, b)));
  });

  it('non-JSON bodies, wrong content types and encodings, oversized bodies', async () => {
    await check(N.raw, rawRequests);
  });

  it('token, join and driver swap bodies', async () => {
    await check(N.cluster, clusterRequests);
  });

  // ---------------------------------------------------------------- lb apply -f
  const brokenYaml = fc.oneof(
    fc.constantFrom(
      'kind: Service\nmeta:\n  name: web\n  labels: [unclosed\n',
      'kind: Service\n\tmeta: {}\n',
      'a: b: c\n',
      '"unterminated\n',
      '{a: 1\n',
      'kind: Config\nkind: Config\n',
      '- a\nb: c\n',
      '*undefined_alias\n',
      'key: @reserved\n',
      '%YAML 9.9\n---\na: 1\n',
      '? [a\n',
      'a: !!binary "@@@"\n',
      'x: |\n y\n  z\n- q\n',
    ),
    fc.string({ maxLength: 120 }),
    // A broken line spliced into a valid manifest.
    fc.tuple(fc.constantFrom(': x', '[', '{', '"', '\t- a', '- - -: ]', '&a *a'), fc.nat()).map(([bad, at]) => {
      const lines = stringify(BASE_OBJECTS.config).split('\n');
      lines.splice(at % lines.length, 0, bad);
      return lines.join('\n');
    }),
  ).filter(hasYamlError);
  // Alias bombs parse but expand past the alias limit.
  const aliasBomb = fc.integer({ min: 4, max: 9 }).map((n) => ['a0: &a0 [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: n }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}]`)].join('\n') + '\n');
  // A null document is an empty one in YAML (skipped by design), so it cannot be the invalid one here.
  const invalidDocs = fc
    .tuple(fc.array(validManifest, { maxLength: 3 }), invalidAnyManifest.filter((d) => d !== null), fc.nat())
    .map(([good, bad, at]) => {
      const docs = [...good];
      docs.splice(at % (docs.length + 1), 0, bad);
      // JSON is YAML too: values nested too deep for the YAML writer go as JSON text.
      const text = (d: Json) => {
        try {
          return stringify(d, { aliasDuplicateObjects: false });
        } catch {
          return JSON.stringify(d) + '\n';
        }
      };
      return docs.map(text).join('---\n');
    });
  const applyFiles = fc.oneof(
    { weight: 5, arbitrary: invalidDocs },
    { weight: 3, arbitrary: brokenYaml },
    { weight: 1, arbitrary: aliasBomb },
    { weight: 1, arbitrary: fc.constantFrom('', '# only a comment\n', '---\n---\n', '\n\n') },
  );

  /** exit 1 with one line "error: <reason>", no stack trace, no crash. */
  const cliRefused = (code: number, stdout: string, stderr: string, input: string) => {
    cases++;
    const show = () => `input:\n${input.slice(0, 600)}\n→ exit ${code}, stdout ${stdout.slice(0, 200)}, stderr ${stderr.slice(0, 600)}`;
    if (code !== 1) throw new Error(`exit code ${code}: ${show()}`);
    if (stdout.trim()) throw new Error(`applied something: ${show()}`);
    const lines = stderr.trim().split('\n');
    if (lines.length !== 1 || !/^error: \S.*\S/.test(lines[0]) || /\n\s+at /.test(stderr)) throw new Error(`not a one-line reason: ${show()}`);
  };

  it('lb apply -f - (the CLI code path in-process)', async () => {
    const { main } = require(join(ROOT, 'core/dist/cli/main.js')) as typeof import('../core/src/cli/main');
    const env = { ...process.env, ...s.env, LB_CLI_CONFIG: join(tmp, 'cli.json') };
    await fc.assert(
      fc.asyncProperty(applyFiles, async (text) => {
        let out = '';
        let err = '';
        const io = { stdout: { write: (x: string) => (out += x) }, stderr: { write: (x: string) => (err += x) }, stdin: Readable.from([text]), env, onInterrupt: () => () => undefined };
        const code = await main(['node', 'lb', 'apply', '-f', '-', '-n', NS], io);
        cliRefused(code, out, err, text);
      }),
      { seed: SEED, numRuns: runs(N.cliInProcess), endOnFailure: true },
    );
  });

  it('lb apply -f FILE (the real CLI process)', async () => {
    // Process spawns are slow: sampled up front (same seed), run two at a time.
    const samples = fc.sample(applyFiles, { seed: SEED + 1, numRuns: runs(N.cliSpawned) });
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < samples.length) {
        const i = next++;
        const file = join(tmp, `case-${i}.yaml`);
        writeFileSync(file, samples[i]);
        const r = await lb(['apply', '-f', file, '-n', NS], { ...s.env, LB_CLI_CONFIG: join(tmp, 'cli.json') });
        try {
          cliRefused(r.code, r.stdout, r.stderr, samples[i]);
        } catch (e) {
          failures.push(`case ${i}: ${(e as Error).message}`);
        }
        rmSync(file, { force: true });
      }
    };
    await Promise.all([worker(), worker()]);
    expect(failures).toEqual([]);
  });

  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`fuzz: ${cases} invalid inputs sent, seed ${SEED}`);
  });
});
