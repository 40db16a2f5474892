// Creates and replaces of namespaced objects by an admitted caller are carried out by api/hot-writes.ts from
// the HTTP server's request event, before Express. Each call here is made twice: once on the lane and once
// with "?" after the path, which sends it through the whole chain (Express, the body parser, Nest, the wire
// interceptor, the error filter). Both must answer the same status, headers and body, leave the same audit
// record and be counted by the metrics. What the lane does not take (no token, a refused caller, a body
// that does not start with "{", chunked, another content type) must get the chain's answer.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { AuditRecord } from '@lastbackend/sdk';
import { TestServer, uniq } from './harness';

interface Raw {
  status: number;
  /** Header names in the order they came (Date and ETag values are the clock's and the body's). */
  names: string[];
  type: string | undefined;
  etag: string | undefined;
  length: string | undefined;
  body: string;
}

function raw(s: TestServer, method: string, path: string, headers: Record<string, string>, body?: string, chunked = false): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const h = { ...headers, ...(body !== undefined && !chunked ? { 'content-length': String(Buffer.byteLength(body)) } : {}) };
    // Host and path apart: a URL string would lose a bare "?" (the chain's way in).
    const { hostname, port } = new URL(s.url);
    const req = request({ hostname, port, path, method, ca: readFileSync(s.caFile, 'utf8'), headers: h }, (r) => {
      let text = '';
      r.on('data', (d: Buffer) => (text += d.toString()));
      r.on('end', () =>
        resolve({
          status: r.statusCode ?? 0,
          names: r.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()),
          type: r.headers['content-type'],
          etag: r.headers.etag,
          length: r.headers['content-length'],
          body: text,
        }),
      );
    });
    req.on('error', reject);
    if (chunked && body !== undefined) {
      req.write(body.slice(0, 3));
      req.end(body.slice(3));
    } else req.end(body);
  });
}

describe('hot writes', () => {
  let s: TestServer;
  const ns = uniq('hotw');
  const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const config = (name: string, data: unknown = { k: 'v' }) => JSON.stringify({ kind: 'Config', meta: { name }, spec: { data } });
  /** The audit records of these paths, without what differs between two calls (time, path). */
  const records = async (paths: string[]) => {
    const out: Partial<AuditRecord>[] = [];
    for await (const r of s.client.audit({})) if (paths.includes(r.path)) out.push({ ...r, time: undefined, path: undefined });
    return out;
  };
  const metric = async (prefix: string) => {
    const text = await (await s.fetch('/metrics', { headers: { authorization: `Bearer ${s.token}` } })).text();
    return Number(text.split('\n').find((l) => l.startsWith(prefix))?.split(' ')[1] ?? 0);
  };
  const count = (route: string, method: string, code: number) => metric(`lb_http_request_duration_seconds_count{method="${method}",route="${route}",code="${code}"}`);
  /** Calls the write lane took: how the tests know which path answered. */
  const laneCalls = () => metric('lb_http_hot_lane_calls_total{lane="write"}');
  /** The lane's answer, then the chain's ("?"): the lane took the first only. */
  const both = async (method: string, path: string, headers: Record<string, string>, body: string | (() => string), between?: () => Promise<unknown>) => {
    const text = typeof body === 'string' ? () => body : body;
    const taken = await laneCalls();
    const hot = await raw(s, method, path, headers, text());
    expect((await laneCalls()) - taken).toBe(1);
    await between?.();
    const chain = await raw(s, method, `${path}?`, headers, text());
    expect((await laneCalls()) - taken).toBe(1);
    return { hot, chain };
  };

  beforeAll(async () => {
    s = await TestServer.start({ agent: false });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  it('a create on the lane answers what the chain answers, is stored, audited and counted', async () => {
    const before = await count('/namespace/:ns/config', 'POST', 201);
    const { hot, chain } = await both('POST', `/namespace/${ns}/config`, json(s.token), config('same'), () => s.client.remove('config', ns, 'same'));
    expect(hot.status).toBe(201);
    expect(hot.names).toEqual(chain.names);
    expect(hot.type).toBe('application/json; charset=utf-8');
    expect(Number(hot.length)).toBe(Buffer.byteLength(hot.body));
    expect(hot.etag).toMatch(/^W\/"/);
    // The same object but for when it was made, its uid and its revision.
    const timeless = (b: string) => b.replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"T"').replace(/"uid":"[^"]+"/, '"uid":""').replace(/"revision":\d+/, '"revision":0');
    expect(timeless(hot.body)).toBe(timeless(chain.body));
    expect(JSON.parse(hot.body)).toMatchObject({ kind: 'Config', meta: { name: 'same', namespace: ns } });
    expect((await count('/namespace/:ns/config', 'POST', 201)) - before).toBe(2);
    expect((await s.client.get('config', ns, 'same')).meta.name).toBe('same');
    const [a, b] = await records([`/namespace/${ns}/config`]);
    expect(a).toMatchObject({ method: 'POST', route: '/namespace/:ns/config', namespace: ns, name: 'same', status: 201 });
    expect(b).toEqual(a);
    expect(a.reason).toBeUndefined();
  });

  it('a replace on the lane answers what the chain answers', async () => {
    await s.client.create('config', ns, { kind: 'Config', meta: { name: 'rep' }, spec: { data: { a: '1' } } });
    let n = 1;
    const { hot, chain } = await both('PUT', `/namespace/${ns}/config/rep`, json(s.token), () => config('rep', { a: String(++n) }));
    expect(hot.status).toBe(200);
    expect(chain.status).toBe(200);
    expect(hot.names).toEqual(chain.names);
    expect(JSON.parse(hot.body).spec.data).toEqual({ a: '2' });
    expect((await s.client.get('config', ns, 'rep')).spec).toMatchObject({ data: { a: '3' } });
  });

  const deep = `{"a":${'['.repeat(100)}${']'.repeat(100)}}`;
  it.each([
    ['a name taken (409)', 'POST', () => `/namespace/${ns}/config`, () => config('taken')],
    ['an invalid field (400, naming it)', 'POST', () => `/namespace/${ns}/config`, () => config('bad', 'not a map')],
    ['an invalid name (400)', 'POST', () => `/namespace/${ns}/config`, () => config('Not A Name')],
    ['no such namespace (404)', 'POST', () => `/namespace/${ns}-none/config`, () => config('x')],
    ['JSON that does not parse (400)', 'POST', () => `/namespace/${ns}/config`, () => '{"kind": "Config", "meta": '],
    ['JSON nested too deep (400)', 'POST', () => `/namespace/${ns}/config`, () => deep],
    ['a replace naming another object (400)', 'PUT', () => `/namespace/${ns}/config/taken`, () => config('other')],
    ['a replace of a missing object (404)', 'PUT', () => `/namespace/${ns}/config/missing`, () => config('missing')],
  ])('%s: the error filter\'s answer and the audit record, as through the chain', async (_, method, path, body) => {
    await s.client.create('config', ns, { kind: 'Config', meta: { name: 'taken' }, spec: { data: {} } }).catch(() => undefined);
    const { hot, chain } = await both(method, path(), json(s.token), body());
    expect(hot.status).toBeGreaterThanOrEqual(400);
    expect(hot).toEqual({ ...chain, etag: hot.etag });
    expect(hot.etag).toBe(chain.etag);
    const [a, b] = (await records([path()])).slice(-2);
    expect(a).toMatchObject({ method, status: hot.status, reason: JSON.parse(hot.body).reason });
    expect(b).toEqual(a);
  });

  it('what the lane does not take gets the chain\'s answer', async () => {
    // JSON in UTF-8 named in another case is the lane's.
    const cased = await laneCalls();
    expect((await raw(s, 'POST', `/namespace/${ns}/config`, { ...json(s.token), 'content-type': 'Application/JSON; Charset=UTF-8' }, config('cased'))).status).toBe(201);
    expect((await laneCalls()) - cased).toBe(1);
    const taken = await laneCalls();
    // A body that is JSON but not an object: body-parser's strict refusal.
    const str = await raw(s, 'POST', `/namespace/${ns}/config`, json(s.token), '"text"');
    expect(str).toEqual(await raw(s, 'POST', `/namespace/${ns}/config?`, json(s.token), '"text"'));
    expect(str.status).toBe(400);
    // Leading white space, chunked: created by the chain.
    expect((await raw(s, 'POST', `/namespace/${ns}/config`, json(s.token), `  ${config('spaced')}`)).status).toBe(201);
    expect((await raw(s, 'POST', `/namespace/${ns}/config`, json(s.token), config('chunked'), true)).status).toBe(201);
    for (const name of ['spaced', 'chunked', 'cased']) expect((await s.client.get('config', ns, name)).meta.name).toBe(name);
    // Another content type: not parsed, so the handler's validation refuses the missing body.
    const plain = await raw(s, 'POST', `/namespace/${ns}/config`, { ...json(s.token), 'content-type': 'text/plain' }, config('plain'));
    expect(plain).toEqual({ ...(await raw(s, 'POST', `/namespace/${ns}/config?`, { ...json(s.token), 'content-type': 'text/plain' }, config('plain'))), etag: plain.etag });
    expect(plain.status).toBe(400);
    // No token, a wrong one, a viewer: the chain's 401 and 403; nothing stored.
    expect((await raw(s, 'POST', `/namespace/${ns}/config`, { 'content-type': 'application/json' }, config('anon'))).status).toBe(401);
    expect((await raw(s, 'POST', `/namespace/${ns}/config`, json('lbt.nope'), config('anon'))).status).toBe(401);
    const r = await s.fetch('/cluster/token', { method: 'POST', headers: json(s.token), body: JSON.stringify({ role: 'viewer', namespaces: [ns] }) });
    const viewer = ((await r.json()) as { token: string }).token;
    const refused = await raw(s, 'POST', `/namespace/${ns}/config`, json(viewer), config('anon'));
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ reason: 'FORBIDDEN' });
    await expect(s.client.get('config', ns, 'anon')).rejects.toMatchObject({ status: 404 });
    expect((await laneCalls()) - taken).toBe(0);
  });
});
