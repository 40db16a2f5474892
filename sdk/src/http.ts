// The client's HTTP exchanges, on node:http/https rather than the global fetch: fetch's first call loads
// undici, web streams, http2, zlib and worker_threads (~30 ms, as long as the rest of `lb version` with
// no server), which every CLI command paid before its first byte went out.
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { NetConnectOpts } from 'node:net';
import { defaultCa } from './default-trust';
import { LbError } from './errors';

/** An answer: its status, and its body read whole or as it arrives. */
export interface HttpAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: IncomingHttpHeaders;
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** The body's chunks as they arrive (a stream's keep-alives included). */
  chunks(): AsyncIterable<Buffer>;
}

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Aborts the request, or the reading of its body. */
  signal: AbortSignal;
  /** For https: a CA to trust and a client certificate (tlsAgent); plain http ignores it. */
  agent?: HttpsAgent;
  /** A server on a unix socket (serverTarget): the request goes there as plain HTTP. */
  socketPath?: string;
}

/**
 * Where a request for `path` on `server` goes. A server is an http(s) URL, or `unix:///abs/path.sock`:
 * the local server's socket (`lb server` serves one in its data dir), plain HTTP with no TLS to set up,
 * the way docker's CLI reaches its engine.
 */
export function serverTarget(server: string, path: string): { url: string; socketPath?: string } {
  if (!server.startsWith('unix:')) return { url: server + path };
  return { url: `http://localhost${path}`, socketPath: unixSocketPath(server) };
}

/** The socket file of a `unix:` server URL; throws naming what is wrong with it. */
export function unixSocketPath(server: string): string {
  let u: URL;
  try {
    u = new URL(server);
  } catch {
    throw new LbError('INVALID_ARGUMENT', `server "${server}" is not a URL: a unix socket is unix:///absolute/path.sock`);
  }
  const path = decodeURIComponent(u.pathname);
  if (u.protocol !== 'unix:' || u.host !== '' || !path.startsWith('/') || path === '/' || u.search || u.hash)
    throw new LbError('INVALID_ARGUMENT', `server "${server}": a unix socket is unix:///absolute/path.sock`);
  return path;
}

/** TLS agents by their settings, shared by every client with them: connections (and handshakes) are reused. */
const agents = new Map<string, HttpsAgent>();

/** Without a CA: the default trust (default-trust.ts). */
export function tlsAgent(tls: { ca?: string; cert?: string; key?: string }): HttpsAgent {
  const id = `${tls.ca ?? ''}\0${tls.cert ?? ''}\0${tls.key ?? ''}`;
  let a = agents.get(id);
  if (!a) {
    const { Agent } = require('node:https') as typeof import('node:https');
    const ca = tls.ca ?? defaultCa();
    a = tlsAfterTcp(new Agent({ keepAlive: true, ...(ca ? { ca } : {}), ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}) }));
    agents.set(id, a);
  }
  return a;
}

/**
 * `agent` with TLS set up once TCP is connected, not before: a server that cannot be reached costs no
 * secure context (with the default trust, node parses its ~140 root certificates for the first one: about
 * a third of `lb version` with no server). The agent's own TLS connect (its session cache) goes over it.
 */
function tlsAfterTcp(agent: HttpsAgent): HttpsAgent {
  const { connect } = require('node:net') as typeof import('node:net');
  const tlsOver = agent.createConnection.bind(agent);
  agent.createConnection = (options, done) => {
    const tcp = connect({ host: options.host ?? undefined, port: Number(options.port), ...(options.family ? { family: options.family } : {}), ...(options.localAddress ? { localAddress: options.localAddress } : {}) } as NetConnectOpts);
    const fail = (e: Error) => done?.(e, tcp);
    tcp.once('error', fail);
    tcp.once('connect', () => {
      tcp.off('error', fail);
      done?.(null, tlsOver({ ...options, socket: tcp } as RequestOptions)!);
    });
    return undefined;
  };
  return agent;
}

function answer(res: IncomingMessage): HttpAnswer {
  const status = res.statusCode ?? 0;
  const text = async () => {
    const parts: Buffer[] = [];
    for await (const c of res) parts.push(c as Buffer);
    return Buffer.concat(parts).toString('utf8');
  };
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: res.headers,
    text,
    json: async () => JSON.parse(await text()) as unknown,
    chunks: () => res,
  };
}

/** Sends one request; rejects when no answer comes (refused, reset, TLS, aborted), with the socket's error. */
export function httpRequest(url: string, r: HttpRequest): Promise<HttpAnswer> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  const headers = r.body === undefined ? r.headers : { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) };
  const options: RequestOptions = { method: r.method, headers, signal: r.signal, ...(https && r.agent ? { agent: r.agent } : {}), ...(r.socketPath ? { socketPath: r.socketPath } : {}) };
  const send = (retry: boolean): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const mod = (https ? require('node:https') : require('node:http')) as typeof import('node:http');
      const req: ClientRequest = mod.request(u, options, (res) => resolve(answer(res)));
      req.on('error', (e: NodeJS.ErrnoException) => {
        // A kept-alive connection the server closed as it was reused: the request never got there; once more
        // on a new one (what node's docs advise; fetch does the same).
        if (retry && req.reusedSocket && e.code === 'ECONNRESET' && !r.signal.aborted) resolve(send(false));
        else reject(e);
      });
      req.end(r.body);
    });
  return send(true);
}
