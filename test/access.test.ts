// Scoped access against a real `lb server` over HTTP (control plane only, plain HTTP, no Docker needed).
// The role matrix: every route of the route table against every kind of caller, with the outcome this
// file expects: a route this file has no line for fails the test, so no new route can skip it. What a
// role may do is stated here, not asked of the product. Then the attacks: a viewer applying, execing and
// reading a secret's value; a deployer of namespace A reading, writing or learning of namespace B,
// making tokens or namespaces, swapping drivers; revoked tokens.
import { allRoutes } from '../core/src/api/routes';
import { lb, TestServer, uniq } from './harness';

// ------------------------------------------------------------------ what this test expects
/** Every route's permission ('+node': a node's own credential may call it too, for its own node). */
const EXPECTED: Record<string, string> = {
  'GET /healthz': 'public',
  'GET /livez': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'cluster.read',
  'GET /cacerts': 'public',
  'GET /cluster': 'cluster.read',
  'GET /cluster/leader': 'cluster.read',
  'GET /audit': 'cluster.admin',
  'POST /watch/ticket': 'namespace.read',
  'POST /cluster/token': 'token.manage',
  'GET /cluster/token': 'token.manage',
  'GET /auth/whoami': 'cluster.read',
  'DELETE /cluster/token/:id': 'token.manage',
  'POST /cluster/admin-token/rotate': 'token.manage',
  'POST /cluster/secret-key/rotate': 'cluster.admin',
  'GET /cluster/ca': 'cluster.admin',
  'POST /cluster/ca/rotate': 'cluster.admin',
  'POST /cluster/ca/rotate/finish': 'cluster.admin',
  'GET /cluster/snapshot': 'cluster.admin',
  'POST /cluster/join': 'join',
  'GET /cluster/node': 'cluster.read',
  'GET /cluster/node/:node': 'cluster.read+node',
  'GET /cluster/node/:node/metrics': 'cluster.read',
  'DELETE /cluster/node/:node': 'cluster.admin',
  'GET /cluster/node/:node/agent-key': 'cluster.admin+node',
  'POST /cluster/node/:node/certificate': 'node.self+node',
  'PUT /cluster/node/:node/labels': 'cluster.admin',
  'POST /cluster/node/:node/cordon': 'cluster.admin',
  'DELETE /cluster/node/:node/cordon': 'cluster.admin',
  'POST /cluster/node/:node/drain': 'cluster.admin',
  'GET /cluster/node/:node/drain': 'cluster.read',
  'PUT /cluster/node/:node/meta': 'cluster.admin',
  'PUT /cluster/node/:node/status': 'cluster.admin+node',
  'GET /cluster/node/:node/ref/:kind/:ns/:name': 'cluster.admin+node',
  'POST /cluster/node/:node/logs': 'cluster.admin+node',
  'PUT /cluster/node/:node/pod': 'cluster.admin+node',
  'POST /cluster/node/:node/events': 'cluster.admin+node',
  'GET /cluster/node/:node/stream': 'cluster.admin+node',
  'GET /cluster/driver': 'cluster.read',
  'PUT /cluster/driver': 'cluster.admin',
  'PUT /cluster/driver/:kind': 'cluster.admin',
  'GET /namespace': 'namespace.read',
  'POST /namespace': 'namespace.manage',
  'GET /namespace/:ns': 'namespace.read',
  'PUT /namespace/:ns': 'namespace.manage',
  'DELETE /namespace/:ns': 'namespace.manage',
  'POST /namespace/:ns/apply': 'namespace.write',
  'PUT /namespace/:ns/apply': 'namespace.write',
  'GET /namespace/:ns/service': 'namespace.read',
  'POST /namespace/:ns/service': 'namespace.write',
  'GET /namespace/:ns/service/:svc': 'namespace.read',
  'PUT /namespace/:ns/service/:svc': 'namespace.write',
  'DELETE /namespace/:ns/service/:svc': 'namespace.write',
  'POST /namespace/:ns/service/:svc/rollback': 'namespace.write',
  'GET /namespace/:ns/service/:svc/deployment': 'namespace.read',
  'GET /namespace/:ns/service/:svc/deployment/:d': 'namespace.read',
  'POST /namespace/:ns/service/:svc/deployment': 'namespace.write',
  'PUT /namespace/:ns/service/:svc/deployment/:d': 'namespace.write',
  'DELETE /namespace/:ns/service/:svc/deployment/:d': 'namespace.write',
  'GET /namespace/:ns/service/:svc/deployment/:d/pod': 'namespace.read',
  'GET /namespace/:ns/service/:svc/pod': 'namespace.read',
  'GET /namespace/:ns/service/:svc/logs': 'logs.read',
  'GET /namespace/:ns/pod': 'namespace.read',
  'GET /namespace/:ns/pod/:pod': 'namespace.read',
  'POST /namespace/:ns/pod/:pod/exec': 'namespace.exec',
  'GET /namespace/:ns/pod/:pod/stats': 'namespace.read',
  'GET /namespace/:ns/stats': 'namespace.read',
  'GET /cluster/stats': 'cluster.read',
  'POST /namespace/:ns/pod/:pod/exec/stream': 'namespace.exec',
  'POST /namespace/:ns/pod/:pod/port-forward': 'namespace.exec',
  'GET /namespace/:ns/endpoint': 'namespace.read',
  'GET /namespace/:ns/event': 'namespace.read',
  'GET /event': 'cluster.read',
  'GET /ingress': 'cluster.read',
  'GET /ingress/:name': 'cluster.read',
  'GET /discovery': 'cluster.read',
  'GET /discovery/:name': 'cluster.read',
  ...Object.fromEntries(
    ['secret', 'config', 'volume', 'route', 'job'].flatMap((k) => [
      [`GET /namespace/:ns/${k}`, 'namespace.read'],
      [`POST /namespace/:ns/${k}`, 'namespace.write'],
      [`GET /namespace/:ns/${k}/:name`, 'namespace.read'],
      [`PUT /namespace/:ns/${k}/:name`, 'namespace.write'],
      [`DELETE /namespace/:ns/${k}/:name`, 'namespace.write'],
    ]),
  ),
  // the original's routes that answer 501
  'PUT /cluster/node/:node': 'cluster.admin',
  'GET /cluster/node/:node/spec': 'cluster.read',
  'PUT /ingress/:name': 'cluster.admin',
  'PUT /ingress/:name/status': 'cluster.admin',
  'DELETE /ingress/:name': 'cluster.admin',
  'PUT /discovery/:name': 'cluster.admin',
  'PUT /discovery/:name/status': 'cluster.admin',
  'DELETE /discovery/:name': 'cluster.admin',
  'GET /exporter': 'cluster.read',
  'GET /exporter/:name': 'cluster.read',
  'PUT /exporter/:name': 'cluster.admin',
  'PUT /exporter/:name/status': 'cluster.admin',
  'DELETE /exporter/:name': 'cluster.admin',
  'GET /events': 'cluster.admin',
  // jobs: runs of a job (tasks)
  'POST /namespace/:ns/job/:job/task': 'namespace.write',
  'GET /namespace/:ns/job/:job/task': 'namespace.read',
  'GET /namespace/:ns/task': 'namespace.read',
  'GET /namespace/:ns/task/:task': 'namespace.read',
  'PUT /namespace/:ns/task/:task/cancel': 'namespace.write',
  'GET /namespace/:ns/task/:task/logs': 'logs.read',
  // the original's task paths (by job), its client's POST cancel beside its server's PUT
  'GET /namespace/:ns/job/:job/logs': 'logs.read',
  'GET /namespace/:ns/job/:job/task/:task': 'namespace.read',
  'PUT /namespace/:ns/job/:job/task/:task': 'namespace.write',
  'DELETE /namespace/:ns/job/:job/task/:task': 'namespace.write',
  'GET /namespace/:ns/job/:job/task/:task/logs': 'logs.read',
  'POST /namespace/:ns/job/:job/task/:task': 'namespace.write',
};

/** What each role may do (the issue: viewer reads, logs included; deployer also changes and execs; admin all). */
const ROLE: Record<'admin' | 'deployer' | 'viewer', string[]> = {
  viewer: ['cluster.read', 'namespace.read', 'logs.read'],
  deployer: ['cluster.read', 'namespace.read', 'logs.read', 'namespace.write', 'namespace.exec'],
  admin: ['cluster.read', 'namespace.read', 'logs.read', 'namespace.write', 'namespace.exec', 'cluster.admin', 'token.manage', 'namespace.manage'],
};
/** Permissions that hold only in a token's namespaces (on a route with :ns). */
const IN_NAMESPACE = ['namespace.read', 'namespace.write', 'namespace.exec', 'logs.read'];

/**
 * A call the access check lets through may still be refused by the route itself with a 403 of its own:
 * here only a node's secret, which its pods do not use (none are bound in this test). Such a 403 counts
 * as let through only with this very message.
 */
const ROUTE_OWN_403: Record<string, RegExp> = {
  'GET /cluster/node/:node/ref/:kind/:ns/:name': /^no pod on node "[^"]+" uses secret "nope" of namespace "[^"]+"$/,
};

const keyOf = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
const expectation = (key: string) => {
  const [permission, node] = EXPECTED[key].split('+');
  return { permission, node: node === 'node' };
};

// ------------------------------------------------------------------ the callers
type Caller = {
  name: string;
  token?: string;
  /** The :ns and :node its requests name. */
  ns: string;
  node: string;
  /** Whether it may call a route: true for "not 401/403", else the status it must get. */
  may(permission: string, node: boolean, path: string): true | 401 | 403;
};

describe('scoped access', () => {
  let s: TestServer;
  const A = uniq('team-a');
  const B = uniq('team-b');
  const C = uniq('team-c'); // never created
  const node = uniq('acc-node');
  const ghostNode = uniq('ghost');
  const tok: Record<string, string> = {};

  const req = (path: string, token: string | undefined, init: { method?: string; body?: unknown } = {}) =>
    s.fetch(path, {
      method: init.method ?? 'GET',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  const as = async (token: string | undefined, path: string, init: { method?: string; body?: unknown } = {}) => {
    const r = await req(path, token, init);
    const text = await r.text();
    return { status: r.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  const create = async (body: Record<string, unknown>) => {
    const r = await as(s.token, '/cluster/token', { method: 'POST', body });
    expect(r.status).toBe(201);
    return r.json as { id: string; token: string };
  };

  beforeAll(async () => {
    s = await TestServer.start({ agent: false, extraArgs: ['--insecure-http'] });
    for (const ns of [A, B]) expect((await as(s.token, '/namespace', { method: 'POST', body: { kind: 'Namespace', meta: { name: ns } } })).status).toBe(201);
    tok.admin = (await create({ role: 'admin', description: 'second-admin' })).token;
    tok.deployer = (await create({ role: 'deployer', namespaces: [A], description: 'ci' })).token;
    tok.viewer = (await create({ role: 'viewer', namespaces: [A] })).token;
    tok.join = (await create({ role: 'node', uses: 5 })).token;
    const joined = await as(tok.join, '/cluster/join', { method: 'POST', body: { name: node, address: '127.0.0.1' } });
    expect(joined.status).toBe(201);
    tok.node = (joined.json as { token: string }).token;
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  it('has an expectation for every route of the route table, and the table agrees with it', () => {
    const routes = allRoutes();
    const keys = routes.map(keyOf);
    expect(keys.filter((k) => !(k in EXPECTED))).toEqual([]); // a new route needs its line above
    expect(Object.keys(EXPECTED).filter((k) => !keys.includes(k))).toEqual([]);
    expect(Object.fromEntries(routes.map((r) => [keyOf(r), `${r.permission}${r.node ? '+node' : ''}`]))).toEqual(EXPECTED);
  });

  it('the role matrix: every route against admin, deployer and viewer (own and other namespace), a node, a join token and no token', async () => {
    const apiCaller = (name: string, token: () => string, role: keyof typeof ROLE, ns: string, scope?: string): Caller => ({
      name,
      get token() {
        return token();
      },
      ns,
      node: ghostNode,
      may: (permission, _node, path) => {
        if (permission === 'public') return true;
        if (!ROLE[role].includes(permission)) return 403;
        if (scope && IN_NAMESPACE.includes(permission) && path.includes(':ns') && ns !== scope) return 403;
        return true;
      },
    });
    const callers: Caller[] = [
      // Those that cannot change anything first: the admins last, on names that do not exist.
      { name: 'no token', ns: A, node, may: (p) => (p === 'public' ? true : 401) },
      { name: 'join token', token: tok.join, ns: A, node, may: (p) => (p === 'public' || p === 'join' ? true : 403) },
      { name: 'node (own)', token: tok.node, ns: A, node, may: (p, n) => (p === 'public' || n ? true : 403) },
      { name: 'node (another)', token: tok.node, ns: A, node: ghostNode, may: (p) => (p === 'public' ? true : 403) },
      apiCaller('viewer (own ns)', () => tok.viewer, 'viewer', A, A),
      apiCaller('viewer (other ns)', () => tok.viewer, 'viewer', B, A),
      apiCaller('deployer (own ns)', () => tok.deployer, 'deployer', A, A),
      apiCaller('deployer (other ns)', () => tok.deployer, 'deployer', B, A),
      apiCaller('deployer (absent ns)', () => tok.deployer, 'deployer', C, A),
      apiCaller('admin token', () => tok.admin, 'admin', C),
      apiCaller('owner', () => s.token, 'admin', C),
    ];
    const fill = (path: string, c: Caller) =>
      path
        .replace(':ns', c.ns)
        .replace(':node', c.node)
        .replace(':kind', 'secret')
        .replace(/:(svc|d|pod|name|id|job|task)\b/g, 'nope');
    const wrong: string[] = [];
    const answers = new Map<string, string>();
    let n = 0;
    for (const c of callers) {
      const jobs = allRoutes().map(async (r) => {
        const { permission, node: nodeToo } = expectation(keyOf(r));
        const want = c.may(permission, nodeToo, r.path);
        const path = fill(r.path, c);
        const res = await req(path, c.token, { method: r.method, ...(r.method === 'POST' || r.method === 'PUT' ? { body: {} } : {}) });
        // A stream (the node's) would never end: only a refusal's body is read.
        const message = res.status === 403 ? ((await res.json()) as { message: string }).message : (await res.body?.cancel(), '');
        n++;
        answers.set(`${c.name} ${keyOf(r)}`, `${res.status} ${message.replaceAll(c.ns, 'NS')}`);
        const routeOwn = res.status === 403 && ROUTE_OWN_403[keyOf(r)]?.test(message);
        const ok = want === true ? res.status !== 401 && (res.status !== 403 || routeOwn) : res.status === want;
        if (!ok) wrong.push(`${c.name}: ${r.method} ${path} (${permission}) → ${res.status} ${message}, expected ${want === true ? 'not 401/403' : want}`);
      });
      await Promise.all(jobs);
    }
    expect(wrong).toEqual([]);
    expect(n).toBe(callers.length * allRoutes().length);
    // Whether the other namespace exists or not, a deployer of A gets the same answer on every route.
    const differs = allRoutes()
      .filter((r) => r.path.includes(':ns') && answers.get(`deployer (other ns) ${keyOf(r)}`) !== answers.get(`deployer (absent ns) ${keyOf(r)}`))
      .map((r) => `${keyOf(r)}: ${answers.get(`deployer (other ns) ${keyOf(r)}`)} / ${answers.get(`deployer (absent ns) ${keyOf(r)}`)}`);
    expect(differs).toEqual([]);
    // The node's credential still works: nothing above took it away.
    expect((await as(tok.node, `/cluster/node/${node}/agent-key`)).status).toBe(200);
  });

  it('a 403 names the token, its role and the missing permission, the same whether the namespace exists or not', async () => {
    const other = await as(tok.deployer, `/namespace/${B}/service`, { method: 'POST', body: { kind: 'Service', meta: { name: 'x' } } });
    expect(other.status).toBe(403);
    expect(other.json).toMatchObject({ code: 403, reason: 'FORBIDDEN', message: `token "ci" (role deployer) lacks "namespace.write" on namespace "${B}"` });
    const same = (ns: string) => as(tok.deployer, `/namespace/${ns}`);
    const [exists, absent] = [await same(B), await same(C)];
    expect([exists.status, absent.status]).toEqual([403, 403]);
    expect(exists.text.replaceAll(B, 'X')).toBe(absent.text.replaceAll(C, 'X'));
    // Nor does the spelling of the path get around it.
    for (const p of [`/NAMESPACE/${B}`, `/namespace/${B}/`, `/namespace/${encodeURIComponent(B).replace('-', '%2D')}`])
      expect((await as(tok.deployer, p)).status).toBe(403);
    expect((await req(`/namespace/${B}/secret`, tok.deployer, { method: 'HEAD' })).status).toBe(403);
    const viewerWrites = await as(tok.viewer, `/namespace/${A}/secret/x`, { method: 'DELETE' });
    expect(viewerWrites.json?.message).toMatch(/^token "[0-9a-f]+" \(role viewer\) lacks "namespace.write" on namespace "/);
    const noTokens = await as(tok.deployer, '/cluster/token', { method: 'POST', body: { role: 'admin' } });
    expect(noTokens.json?.message).toBe('token "ci" (role deployer) lacks "token.manage"');
  });

  it('a deployer of A cannot learn B exists, nor write to it through an apply into A, nor make namespaces, tokens or swap drivers', async () => {
    const names = async (token: string) => ((await as(token, '/namespace')).json as unknown as { meta: { name: string } }[]).map((n) => n.meta.name);
    expect(await names(tok.deployer)).toEqual([A]);
    expect(await names(tok.viewer)).toEqual([A]);
    expect(await names(tok.admin)).toEqual(expect.arrayContaining([A, B]));

    const secret = (name: string, ns?: string) => ({ kind: 'Secret', meta: { name, ...(ns ? { namespace: ns } : {}) }, spec: { data: { k: 'v' } } });
    // An apply into A carrying a manifest for B, or a Namespace, is refused as a whole: nothing is stored.
    const into = await as(tok.deployer, `/namespace/${A}/apply`, { method: 'POST', body: { manifests: [secret('ok'), secret('sneak', B)] } });
    expect(into.status).toBe(403);
    expect(into.json?.message).toBe(`token "ci" (role deployer) lacks "namespace.write" on namespace "${B}"`);
    const nsInApply = await as(tok.deployer, `/namespace/${A}/apply`, { method: 'POST', body: { manifests: [{ kind: 'Namespace', meta: { name: C } }, secret('ok')] } });
    expect(nsInApply.status).toBe(403);
    expect(nsInApply.json?.message).toMatch(/lacks "namespace.manage"/);
    expect((await as(s.token, `/namespace/${B}/secret/sneak`)).status).toBe(404);
    expect((await as(s.token, `/namespace/${A}/secret/ok`)).status).toBe(404);
    expect((await as(s.token, `/namespace/${C}`)).status).toBe(404);

    expect((await as(tok.deployer, '/namespace', { method: 'POST', body: { kind: 'Namespace', meta: { name: C } } })).status).toBe(403);
    expect((await as(tok.deployer, `/namespace/${A}`, { method: 'DELETE' })).status).toBe(403);
    expect((await as(tok.deployer, '/cluster/token', { method: 'POST', body: { role: 'deployer', namespaces: [B] } })).status).toBe(403);
    expect((await as(tok.deployer, '/cluster/driver/runtime', { method: 'PUT', body: { package: '@lastbackend/driver-containerd' } })).status).toBe(403);
    expect((await as(tok.deployer, `/cluster/node/${node}`, { method: 'DELETE' })).status).toBe(403);

    // What it may do, it does: an apply into its own namespace.
    const mine = await as(tok.deployer, `/namespace/${A}/apply`, { method: 'POST', body: { manifests: [secret('ok')] } });
    expect(mine.status).toBe(200);
    expect((await as(s.token, `/namespace/${A}/secret/ok`)).status).toBe(200);
  });

  it('a viewer reads, logs included, but cannot apply, exec, or read a secret value', async () => {
    const value = `hunter-${uniq('pw')}`;
    expect((await as(s.token, `/namespace/${A}/secret`, { method: 'POST', body: { kind: 'Secret', meta: { name: 'db' }, spec: { data: { password: value } } } })).status).toBe(201);
    const one = await as(tok.viewer, `/namespace/${A}/secret/db`);
    const all = await as(tok.viewer, `/namespace/${A}/secret`);
    expect([one.status, all.status]).toEqual([200, 200]);
    expect(one.text).toContain('password');
    expect(one.text + all.text).not.toContain(value);
    const apply = await as(tok.viewer, `/namespace/${A}/apply`, { method: 'POST', body: { manifests: [{ kind: 'Secret', meta: { name: 'v' }, spec: { data: { k: 'v' } } }] } });
    expect(apply.status).toBe(403);
    expect(apply.json?.message).toMatch(/\(role viewer\) lacks "namespace.write"/);
    const exec = await as(tok.viewer, `/namespace/${A}/pod/any/exec`, { method: 'POST', body: { command: ['cat', '/etc/passwd'] } });
    expect(exec.status).toBe(403);
    expect(exec.json?.message).toMatch(/\(role viewer\) lacks "namespace.exec"/);
    // Logs are a read: the service does not exist, which the viewer may learn (its own namespace).
    expect((await as(tok.viewer, `/namespace/${A}/service/web/logs`)).status).toBe(404);
  });

  it('a revoked token, a made-up one and a join token used as an API token get 401', async () => {
    const t = await create({ role: 'viewer', description: 'short-lived' });
    expect((await as(t.token, '/namespace')).status).toBe(200);
    expect((await as(s.token, `/cluster/token/${t.id}`, { method: 'DELETE' })).status).toBe(204);
    const revoked = await as(t.token, '/namespace');
    expect(revoked.status).toBe(401);
    expect(revoked.json?.message).toMatch(/unknown, expired or revoked/);
    const [, id] = t.token.split('.');
    expect((await as(`lbt.${id}.forged`, '/namespace')).status).toBe(401);
    expect((await as(`lbt.${tok.join.split('.')[1]}.${tok.join.split('.')[2]}`, '/namespace')).status).toBe(401);
    // Only an admin lists and revokes tokens.
    expect((await as(tok.viewer, '/cluster/token')).status).toBe(403);
    expect((await as(tok.deployer, `/cluster/token/${t.id}`, { method: 'DELETE' })).status).toBe(403);
  });

  it('lb token create, ls and revoke: roles, namespaces, expiry', async () => {
    const made = await s.lb(['token', 'create', '--role', 'deployer', '--namespace', A, '--namespace', B, '--ttl', '30d', '--description', 'cli-made']);
    expect(made.code).toBe(0);
    const bearer = made.stdout.trim();
    expect(bearer).toMatch(/^lbt\.[0-9a-f]+\.\S+$/);
    expect((await as(bearer, `/namespace/${B}/service`)).status).toBe(200);
    const id = bearer.split('.')[1];
    const ls = await s.lb(['token', 'ls']);
    expect(ls.code).toBe(0);
    const row = ls.stdout.split('\n').find((l) => l.startsWith(id));
    expect(row).toMatch(new RegExp(`^${id}\\s+deployer\\s+${[A, B].sort().join(',')}\\s+.*cli-made`));
    const days = (Date.parse(row!.match(/\d{4}-\d\d-\d\dT\S+/)![0]) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    // The CLI with that token: it sees its namespaces only, and a refusal names what it lacks.
    const asCi = (args: string[]) => lb(args, { ...s.env, LB_TOKEN: bearer });
    const D = uniq('team-d');
    expect((await as(s.token, '/namespace', { method: 'POST', body: { kind: 'Namespace', meta: { name: D } } })).status).toBe(201);
    const seen = await asCi(['get', 'namespace']);
    expect(seen.code).toBe(0);
    expect(seen.stdout).toContain(A);
    expect(seen.stdout).toContain(B);
    expect(seen.stdout).not.toContain(D);
    const refused = await asCi(['delete', 'namespace', A]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('token "cli-made" (role deployer) lacks "namespace.manage"');
    const bad = await s.lb(['token', 'create', '--role', 'viewer', '--uses', '3']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/uses.*only for node tokens/);
    expect((await s.lb(['token', 'revoke', id])).code).toBe(0);
    expect((await as(bearer, '/namespace')).status).toBe(401);
  });
});
