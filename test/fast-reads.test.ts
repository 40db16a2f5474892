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
  return new Promise((resolve, reject) => {
    const req = request(s.url + path, { ca: readFileSync(s.caFile, 'utf8'), headers }, (r) => {
      let body = '';
      r.on('data', (d: Buffer) => (body += d.toString()));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
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
});
