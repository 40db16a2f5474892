import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { isLbError } from '@lastbackend/sdk';
import { BODY_ROUTES, DEFAULT_BODY_LIMIT, bodyLimit, jsonBodies } from './body-limits';

const MiB = 1024 * 1024;

describe('bodyLimit', () => {
  it('gives the document routes megabytes and everything else 256 KiB', () => {
    expect(bodyLimit('POST', '/namespace/demo/apply')).toBe(8 * MiB);
    expect(bodyLimit('post', '/Namespace/demo/APPLY/')).toBe(8 * MiB); // the router matches case-insensitively
    expect(bodyLimit('POST', '/cluster/node/n1/logs')).toBe(4 * MiB);
    expect(bodyLimit('PUT', '/cluster/node/n1/pod')).toBe(4 * MiB);
    expect(bodyLimit('POST', '/namespace/demo/secret')).toBe(2 * MiB);
    expect(bodyLimit('PUT', '/namespace/demo/config/app')).toBe(2 * MiB);
    expect(bodyLimit('POST', '/namespace/demo/service')).toBe(DEFAULT_BODY_LIMIT);
    expect(bodyLimit('PUT', '/namespace/demo/apply')).toBe(8 * MiB); // the original's apply, in maps
    expect(bodyLimit('PUT', '/namespace/demo/apply/x')).toBe(DEFAULT_BODY_LIMIT); // no such route: the default
    expect(bodyLimit('POST', '/namespace/demo/apply/x')).toBe(DEFAULT_BODY_LIMIT);
    expect(bodyLimit('POST', '/cluster/token')).toBe(DEFAULT_BODY_LIMIT);
    expect(DEFAULT_BODY_LIMIT).toBe(256 * 1024);
    expect(Math.max(...BODY_ROUTES.map((r) => r.limit))).toBe(8 * MiB);
  });
});

describe('jsonBodies (on a real HTTP server)', () => {
  let server: Server;
  let url = '';
  const mw = jsonBodies();

  beforeAll(async () => {
    // What the API's error filter would send: the LbError's status and code, or an http error's status.
    server = createServer((req: IncomingMessage, res) => {
      const next: NextFunction = (err?: unknown) => {
        if (isLbError(err)) return void res.writeHead(err.status, { 'content-type': 'application/json' }).end(JSON.stringify(err.toJSON()));
        const status = (err as { status?: number } | undefined)?.status;
        if (err) return void res.writeHead(status ?? 500).end(JSON.stringify({ message: (err as Error).message, type: (err as { type?: string }).type }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ body: (req as Request).body ?? null }));
      };
      mw(req as Request, res as unknown as Response, next);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const post = async (path: string, body: string, headers: Record<string, string> = {}, method = 'POST') => {
    const t = Date.now();
    const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: res.status, json: (await res.json()) as { code?: number; status?: string; reason?: string; message?: string; body?: unknown }, ms: Date.now() - t };
  };

  it('parses JSON under the limit and the depth cap', async () => {
    const doc = { manifests: [{ kind: 'Service', meta: { name: 'web' }, spec: { template: { containers: [{ env: [{ name: 'A' }] }] } } }] };
    expect(await post('/namespace/demo/apply', JSON.stringify(doc))).toMatchObject({ status: 200, json: { body: doc } });
  });

  it('refuses 8 MiB of "[" with 400 naming the depth, before JSON.parse', async () => {
    const r = await post('/namespace/demo/apply', '['.repeat(8 * MiB));
    // eslint-disable-next-line no-console
    console.log(`8 MiB of "[" refused in ${r.ms} ms`);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 400, status: 'Bad Request', reason: 'INVALID_ARGUMENT', message: 'request body: JSON nested deeper than 64 levels' });
  });

  it('refuses a body over the route limit with 413 PAYLOAD_TOO_LARGE naming the limit', async () => {
    const big = JSON.stringify({ meta: { name: 'x' }, pad: 'p'.repeat(300 * 1024) });
    const r = await post('/namespace/demo/service', big);
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ code: 413, status: 'Request Entity Too Large', reason: 'PAYLOAD_TOO_LARGE', message: 'request body is too large: POST /namespace/demo/service takes at most 256 KiB' });
    // The same body fits a secret (2 MiB), and 9 MiB does not fit apply (8 MiB).
    expect((await post('/namespace/demo/secret', big)).status).toBe(200);
    const apply = await post('/namespace/demo/apply', JSON.stringify({ pad: 'p'.repeat(9 * MiB) }));
    expect(apply).toMatchObject({ status: 413, json: { code: 413, status: 'Request Entity Too Large', reason: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('takes at most 8 MiB') } });
  });

  it('refuses an over-limit body sent without a Content-Length (chunked) as well', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: (c) => (sent++ < 20 ? c.enqueue(new Uint8Array(64 * 1024).fill(0x61)) : c.close()),
    });
    const res = await fetch(url + '/cluster/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { reason: string }).reason).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses charsets other than UTF-8 (the depth scan reads UTF-8)', async () => {
    const r = await post('/namespace', '{}', { 'content-type': 'application/json; charset=utf-16' });
    expect(r.status).toBe(415);
    expect(r.json.message).toMatch(/unsupported charset "UTF-16": send JSON as UTF-8/);
  });

  it('leaves other content types and bodiless requests unparsed', async () => {
    expect(await post('/namespace', '{"a":1}', { 'content-type': 'text/plain' })).toMatchObject({ status: 200, json: { body: null } });
    const res = await fetch(url + '/namespace', { method: 'GET' });
    expect(res.status).toBe(200);
  });
});
