import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { LbClient } from './client';
import { isLbError } from './errors';

/** A tiny API server answering every request with status and body, counting hits. */
function fake(status: number, body: unknown): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const srv: Server = createServer((req, res) => {
    hits++;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        hits: () => hits,
        close: () => new Promise<void>((r) => srv.close(() => r())),
      }),
    ),
  );
}

/** A loopback URL nothing listens on. */
async function deadUrl(): Promise<string> {
  const f = await fake(200, {});
  await f.close();
  return f.url;
}

describe('LbClient with several servers', () => {
  it('parses a comma-separated list and starts with the first', () => {
    const c = new LbClient({ server: 'http://a:1/, http://b:2' });
    expect(c.servers).toEqual(['http://a:1', 'http://b:2']);
    expect(c.server).toBe('http://a:1');
  });

  it('moves on from a server that refuses the connection, and sticks to the one that answered', async () => {
    const dead = await deadUrl();
    const ok = await fake(200, { status: 'ok' });
    try {
      const c = new LbClient({ server: `${dead},${ok.url}` });
      expect(await c.health()).toEqual({ status: 'ok' });
      expect(c.server).toBe(ok.url);
      await c.health();
      expect(ok.hits()).toBe(2);
    } finally {
      await ok.close();
    }
  });

  it('moves on from a 503 but not from other errors', async () => {
    const down = await fake(503, { code: 'UNAVAILABLE', message: 'etcd is down' });
    const missing = await fake(404, { code: 'NOT_FOUND', message: 'no such thing' });
    const ok = await fake(200, { status: 'ok' });
    try {
      expect(await new LbClient({ server: `${down.url},${ok.url}` }).health()).toEqual({ status: 'ok' });
      const e = await new LbClient({ server: `${missing.url},${ok.url}` }).health().catch((x: unknown) => x);
      expect(isLbError(e) && e.code).toBe('NOT_FOUND');
      expect(ok.hits()).toBe(1);
    } finally {
      await Promise.all([down.close(), missing.close(), ok.close()]);
    }
  });

  it('tries each server once, then fails UNAVAILABLE naming them all', async () => {
    const [a, b] = [await deadUrl(), await deadUrl()];
    const e = await new LbClient({ server: `${a},${b}` }).health().catch((x: unknown) => x);
    expect(isLbError(e) && e.code).toBe('UNAVAILABLE');
    expect((e as Error).message).toContain(a);
    expect((e as Error).message).toContain(b);
    expect((e as Error).message).toContain('ECONNREFUSED');
  });

  it('says a request that timed out did, and a kept-alive connection is reused', async () => {
    const sockets = new Set<unknown>();
    const srv: Server = createServer((req, res) => {
      sockets.add(req.socket);
      if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const c = new LbClient({ server: url, timeout: 200 });
      expect(await c.health()).toEqual({ status: 'ok' });
      expect(await c.health()).toEqual({ status: 'ok' });
      expect(sockets.size).toBe(1);
      const e = await c.request('GET', '/hangs').catch((x: unknown) => x);
      expect(isLbError(e) && e.code).toBe('UNAVAILABLE');
      expect((e as Error).message).toContain('(The operation was aborted due to timeout)');
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('with one server keeps the answer it got', async () => {
    const down = await fake(503, { code: 'UNAVAILABLE', message: 'etcd is down' });
    try {
      const e = await new LbClient({ server: down.url }).health().catch((x: unknown) => x);
      expect(isLbError(e) && e.code).toBe('UNAVAILABLE');
      expect((e as Error).message).toBe('etcd is down');
    } finally {
      await down.close();
    }
  });
});

describe('LbClient.watchNode', () => {
  /** A server that answers the stream with headers and one event, then goes silent (a hung process). */
  function silentAfterOne(): Promise<{ url: string; close: () => Promise<void> }> {
    const srv: Server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(JSON.stringify({ type: 'snapshot', pods: [], revision: 1 }) + '\n');
    });
    return new Promise((resolve) =>
      srv.listen(0, '127.0.0.1', () =>
        resolve({
          url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
          close: () => {
            srv.closeAllConnections();
            return new Promise<void>((r) => srv.close(() => r()));
          },
        }),
      ),
    );
  }

  it('gives up on a stream that goes silent and moves to the next server', async () => {
    const hung = await silentAfterOne();
    const other = await fake(200, {});
    try {
      const c = new LbClient({ server: `${hung.url},${other.url}` });
      const got: string[] = [];
      const t0 = Date.now();
      const e = await (async () => {
        for await (const ev of c.watchNode('n1', new AbortController().signal, 300)) got.push(ev.type);
      })().catch((x: unknown) => x);
      expect(got).toEqual(['snapshot']);
      expect(isLbError(e) && e.code).toBe('UNAVAILABLE');
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(c.server).toBe(other.url);
    } finally {
      await Promise.all([hung.close(), other.close()]);
    }
  });

  it('gives up on a server that accepts the stream but never answers', async () => {
    const srv: Server = createServer(() => undefined);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const c = new LbClient({ server: `${url},http://127.0.0.1:1` });
      const e = await (async () => {
        for await (const ev of c.watchNode('n1', new AbortController().signal, 300)) void ev;
      })().catch((x: unknown) => x);
      expect(isLbError(e) && e.code).toBe('UNAVAILABLE');
      expect(c.server).toBe('http://127.0.0.1:1');
    } finally {
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('stops quietly when the caller aborts', async () => {
    const hung = await silentAfterOne();
    try {
      const ctl = new AbortController();
      const c = new LbClient({ server: hung.url });
      const got: string[] = [];
      for await (const ev of c.watchNode('n1', ctl.signal, 10_000)) {
        got.push(ev.type);
        ctl.abort();
      }
      expect(got).toEqual(['snapshot']);
    } finally {
      await hung.close();
    }
  });
});

describe('LbClient on a unix socket (unix:///path)', () => {
  it('sends requests and upgrades to the socket as plain HTTP, with the token, paths and queries intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-client-sock-'));
    const path = join(dir, 'api.sock');
    const seen: { url?: string; auth?: string }[] = [];
    const srv: Server = createServer((req, res) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
    });
    srv.on('upgrade', (req, socket) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: lb-test\r\n\r\nhello');
    });
    await new Promise<void>((r) => srv.listen(path, r));
    try {
      const c = new LbClient({ server: `unix://${path}`, token: 'tok' });
      expect(await c.health()).toEqual({ status: 'ok' });
      expect(seen[0]).toEqual({ url: '/healthz', auth: 'Bearer tok' });
      const stream = await c.upgrade('/some/stream?x=1', 'lb-test');
      let got = '';
      for await (const d of stream) got += d;
      expect(got).toBe('hello');
      expect(seen[1]).toEqual({ url: '/some/stream?x=1', auth: 'Bearer tok' });
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a socket URL that is not absolute, naming the form it takes', () => {
    for (const server of ['unix://relative.sock', 'unix:relative.sock', 'unix://host/x.sock', 'unix:///', 'unix:///x.sock?q=1'])
      expect(() => new LbClient({ server })).toThrow(/unix:\/\/\/absolute\/path\.sock/);
    expect(new LbClient({ server: 'unix:///run/lb/api.sock' }).server).toBe('unix:///run/lb/api.sock');
  });
});
