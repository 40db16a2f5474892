// GET a service and GET a service's pods are answered by api/fast-reads.ts, before Nest's router, from an
// encoded answer kept until the next commit. A HEAD of the same path still goes through the route (Nest,
// the wire interceptor, res.json): its Content-Type, Content-Length and ETag (a hash of the body) must be
// the GET's. Conditional GETs answer 304, a change is seen by the next GET, and a failing read is answered
// by the route's error filter as before.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { TestServer, uniq } from './harness';

/** A GET by node:https (fetch sends Cache-Control: no-cache with a conditional header, which defeats it). */
function rawGet(s: TestServer, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return rawGetWithHeaders(s, path, headers).then(({ status, body }) => ({ status, body }));
}

/** The same, with the answer's headers in the order they came (Date left out: it is the clock's). */
function rawGetWithHeaders(s: TestServer, path: string, headers: Record<string, string>): Promise<{ status: number; body: string; headers: string[] }> {
  return new Promise((resolve, reject) => {
    // Host and path apart: a URL string would lose a bare "?" (the chain's way in).
    const { hostname, port } = new URL(s.url);
    const req = request({ hostname, port, path, ca: readFileSync(s.caFile, 'utf8'), headers }, (r) => {
      let body = '';
      const raw = r.rawHeaders.flatMap((h, i) => (i % 2 === 0 && h.toLowerCase() !== 'date' ? [`${h}: ${r.rawHeaders[i + 1]}`] : []));
      r.on('data', (d: Buffer) => (body += d.toString()));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body, headers: raw }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('fast reads', () => {
  let s: TestServer;
  const ns = uniq('fast');
  const auth = () => ({ authorization: `Bearer ${s.token}` });
  const head = (r: Response) => ({ type: r.headers.get('content-type'), length: r.headers.get('content-length'), etag: r.headers.get('etag') });

  beforeAll(async () => {
    s = await TestServer.start({ agent: false });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    await s.client.createService(ns, { kind: 'Service', meta: { name: 'web' }, spec: { replicas: 2, template: { containers: [{ name: 'c', image: { name: 'lb-test/busybox:latest' } }] } } });
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  it.each([['service', ''], ['pods', '/pod']])('GET %s: the bytes and headers the route sends; 304 when fresh', async (_, tail) => {
    const path = `/namespace/${ns}/service/web${tail}`;
    const got = await s.fetch(path, { headers: auth() });
    const body = await got.text();
    expect(got.status).toBe(200);
    expect(head(got).type).toBe('application/json; charset=utf-8');
    expect(Number(head(got).length)).toBe(Buffer.byteLength(body));
    const viaRoute = await s.fetch(path, { method: 'HEAD', headers: auth() });
    expect(viaRoute.status).toBe(200);
    expect(head(viaRoute)).toEqual(head(got));
    // Kept answer: the same again.
    const again = await s.fetch(path, { headers: auth() });
    expect(await again.text()).toBe(body);
    expect(head(again)).toEqual(head(got));
    const fresh = await rawGet(s, path, { ...auth(), 'if-none-match': head(got).etag! });
    expect(fresh).toEqual({ status: 304, body: '' });
  });

  it("a change is seen by the next GET; a missing service is the error filter's 404", async () => {
    const path = `/namespace/${ns}/service/web`;
    const etag = (await s.fetch(path, { headers: auth() })).headers.get('etag');
    expect((await s.client.service(ns, 'web')).spec.replicas).toBe(2);
    expect((await rawGet(s, path, { ...auth(), 'if-none-match': etag! })).status).toBe(304);
    await s.client.scale(ns, 'web', 3);
    expect((await rawGet(s, path, { ...auth(), 'if-none-match': etag! })).status).toBe(200);
    expect((await s.client.service(ns, 'web')).spec.replicas).toBe(3);
    for (const missing of [`/namespace/${ns}/service/absent`, `/namespace/${ns}/service/absent/pod`, `/namespace/${uniq('none')}/service/web/pod`]) {
      const r = await s.fetch(missing, { headers: auth() });
      expect(r.status).toBe(404);
      expect(await r.json()).toMatchObject({ code: 404, reason: 'NOT_FOUND', message: expect.stringContaining('not found') });
    }
    // Refused before any read: no token, a wrong token.
    expect((await s.fetch(path)).status).toBe(401);
    expect((await s.fetch(path, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  // hot-reads.ts: a kept answer goes to an admitted plain GET from the server's request event, before Express.
  it.each([['service', ''], ['pods', '/pod']])('GET %s answered before Express: the same status line, headers and bytes, counted; refusals still go through the chain', async (_, tail) => {
    const path = `/namespace/${ns}/service/web${tail}`;
    const template = `/namespace/:ns/service/:svc${tail}`;
    const laneCalls = async () => {
      const text = await (await s.fetch('/metrics', { headers: auth() })).text();
      return Number(text.split('\n').find((l) => l.startsWith('lb_http_hot_lane_calls_total{lane="read"}'))?.split(' ')[1] ?? 0);
    };
    const first = await rawGetWithHeaders(s, path, auth()); // read and kept
    const taken = await laneCalls();
    const hot = await rawGetWithHeaders(s, path, auth());
    expect((await laneCalls()) - taken).toBe(1);
    // "?" sends it through Express, whose fast-reads middleware serves the same kept answer.
    const chain = await rawGetWithHeaders(s, `${path}?`, auth());
    expect((await laneCalls()) - taken).toBe(1);
    expect(first.status).toBe(200);
    expect(hot).toEqual(first);
    expect(chain).toEqual(first);

    const count = async () => {
      const text = await (await s.fetch('/metrics', { headers: auth() })).text();
      const line = text.split('\n').find((l) => l.startsWith(`lb_http_request_duration_seconds_count{method="GET",route="${template}",code="200"}`));
      return Number(line?.split(' ')[1] ?? 0);
    };
    const before = await count();
    for (let i = 0; i < 5; i++) expect((await rawGet(s, path, auth())).body).toBe(first.body);
    expect((await count()) - before).toBe(5);

    // Tokens of a viewer: of this namespace, the same answer; of another one, 403 with the chain's error body and an audit record.
    const create = async (namespaces: string[]) => {
      const r = await s.fetch('/cluster/token', { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ role: 'viewer', namespaces }) });
      expect(r.status).toBe(201);
      return ((await r.json()) as { token: string }).token;
    };
    const inside = await create([ns]);
    expect(await rawGet(s, path, { authorization: `Bearer ${inside}` })).toEqual({ status: 200, body: first.body });
    const other = uniq('other');
    const outside = await create([other]);
    const refused = await rawGet(s, path, { authorization: `Bearer ${outside}` });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 403, reason: 'FORBIDDEN' });
    const records = [];
    for await (const r of s.client.audit({})) if (r.route === template && r.status === 403 && r.path === path) records.push(r);
    expect(records).toHaveLength(1);
  });
});
