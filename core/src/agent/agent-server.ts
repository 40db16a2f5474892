// A joined node's agent serves exec, its drivers (list, hot swap), its metrics and its pods' stats to the API server, and only to
// it: over mutual TLS a client certificate of a server of this cluster (O=lastbackend:server), or over
// plain HTTP the agent key. Logs reach the API through the log collector instead.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { AgentStatsRequestSchema, ExecRequest, LbError, errorBody, isLbError, parseOrThrow, statusText } from '@lastbackend/sdk';
import { z } from 'zod';
import { DriverGroupSwapRequest } from '../config/config';
import type { Kernel } from '../kernel/kernel';
import { identity } from '../tls/cert-info';
import { depthMessage, exceedsJsonDepth } from '../api/json-depth';
import { agentExposition, CONTENT_TYPE } from '../metrics/metrics';
import type { Agent } from './agent';
import type { Duplex } from 'node:stream';
import { serveExecSession } from '../stream/exec-wire';
import { EXEC_PROTOCOL } from '../stream/frames';
import { joinStreams, TCP_PROTOCOL } from '../stream/join';
import { AgentExecStreamQuery, AgentPortForwardQuery, execRequestOf, queryObject } from '../stream/queries';

const AgentExec = ExecRequest.safeExtend({ namespace: z.string().min(1), pod: z.string().min(1) });
const MAX_BODY = 1024 * 1024;

/** How callers prove they are an API server of this cluster. */
export type AgentServerAuth = { tls: { ca: string; cert: string; key: string } } | { key: string };

export interface AgentServer {
  server: Server;
  port: number;
  /** A renewed certificate (and, after a CA change, the CAs to trust) for the next connections. */
  setCertificate(cert: string, key: string, ca?: string): void;
}

export async function startAgentServer(agent: () => Agent, kernel: Kernel, auth: AgentServerAuth, host: string, port: number): Promise<AgentServer> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const refused = refusal(auth, req);
    if (refused) return send(res, 401, errorBody(401, 'UNAUTHORIZED', refused));
    handle(agent, kernel, req, res).catch((e: unknown) => {
      const err = isLbError(e) ? e : new LbError('INTERNAL', (e as Error).message);
      if (!res.headersSent) send(res, err.status, err.toJSON());
      else res.end();
    });
  };
  const tls = 'tls' in auth ? auth.tls : undefined;
  const server = tls ? createHttpsServer({ ...tls, requestCert: true, rejectUnauthorized: true }, handler) : createHttpServer(handler);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const refused = refusal(auth, req);
    if (refused) return answerRaw(socket, 401, errorBody(401, 'UNAUTHORIZED', refused));
    if (head.length) socket.unshift(head);
    upgrade(agent, req, socket).catch((e: unknown) => {
      const err = isLbError(e) ? e : new LbError('INTERNAL', (e as Error).message);
      answerRaw(socket, err.status, err.toJSON());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    setCertificate: (cert, key, ca) => {
      if (tls) (server as import('node:https').Server).setSecureContext({ ...tls, cert, key, ...(ca ? { ca } : {}) });
    },
  };
}

/** Why a request is refused, or undefined when it comes from an API server of this cluster. */
function refusal(auth: AgentServerAuth, req: IncomingMessage): string | undefined {
  if ('tls' in auth) {
    // The handshake already required a certificate from the cluster CA; it must be a server's.
    const who = identity((req.socket as TLSSocket).getPeerCertificate());
    return who?.role === 'server' ? undefined : 'only an API server of this cluster may call this agent';
  }
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  const expected = createHash('sha256').update(auth.key).digest();
  return m && timingSafeEqual(createHash('sha256').update(m[1].trim()).digest(), expected) ? undefined : 'invalid agent key';
}

async function handle(agent: () => Agent, kernel: Kernel, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://agent');
  if (req.method === 'POST' && url.pathname === '/exec') {
    const body = parseOrThrow(AgentExec, await readJson(req), 'invalid exec request');
    send(res, 200, await agent().exec(body.namespace, body.pod, body.command, body.container, body.timeout));
    return;
  }
  if (req.method === 'GET' && url.pathname === '/drivers') {
    send(res, 200, await kernel.states());
    return;
  }
  if (req.method === 'GET' && url.pathname === '/metrics') {
    res.writeHead(200, { 'content-type': CONTENT_TYPE }).end(await agentExposition());
    return;
  }
  if (req.method === 'PUT' && url.pathname === '/drivers') {
    const { kinds, ...swap } = parseOrThrow(DriverGroupSwapRequest, await readJson(req), 'invalid driver swap');
    send(res, 200, await kernel.swapAll(kinds, swap));
    return;
  }
  if (req.method === 'POST' && url.pathname === '/stats') {
    const body = parseOrThrow(AgentStatsRequestSchema, await readJson(req), 'invalid stats request');
    send(res, 200, await agent().stats(body.pods));
    return;
  }
  send(res, 404, errorBody(404, 'NOT_FOUND', 'no such route'));
}

/** The streams the API server opens for exec -i/-t and port-forward (HTTP upgrades). */
async function upgrade(agent: () => Agent, req: IncomingMessage, socket: Duplex): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://agent');
  const wants = (req.headers.upgrade ?? '').toLowerCase();
  const query = queryObject(url.searchParams);
  if (req.method === 'POST' && url.pathname === '/exec/stream' && wants === EXEC_PROTOCOL) {
    const q = parseOrThrow(AgentExecStreamQuery, query, 'invalid exec request');
    const session = await agent().execStream(q.namespace, q.pod, q.command, execRequestOf(q));
    switchProtocols(socket, EXEC_PROTOCOL);
    await serveExecSession(session, socket);
    return;
  }
  if (req.method === 'POST' && url.pathname === '/port-forward' && wants === TCP_PROTOCOL) {
    const q = parseOrThrow(AgentPortForwardQuery, query, 'invalid port-forward request');
    const conn = await agent().portForward(q.namespace, q.pod, q.port);
    switchProtocols(socket, TCP_PROTOCOL);
    await joinStreams(socket, conn);
    return;
  }
  answerRaw(socket, 404, errorBody(404, 'NOT_FOUND', 'no such stream route'));
}

function switchProtocols(socket: Duplex, protocol: string): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\n\r\n`);
}

/** An answer on a connection the HTTP server handed over (an upgrade refused), then its end. */
function answerRaw(socket: Duplex, status: number, body: unknown): void {
  if (socket.destroyed) return;
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} ${statusText(status)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
}

/**
 * The request's JSON, refused before parsing when it is over MAX_BODY (413: what is past the limit is read
 * off, not kept) or nests deeper than MAX_JSON_DEPTH (400); no body reads as {}.
 */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const buf = await readBody(req);
  if (exceedsJsonDepth(buf)) throw new LbError('INVALID_ARGUMENT', depthMessage());
  try {
    return JSON.parse(buf.toString('utf8') || '{}');
  } catch (e) {
    throw new LbError('INVALID_ARGUMENT', `request body is not valid JSON: ${(e as Error).message}`);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  const tooLarge = () => new LbError('PAYLOAD_TOO_LARGE', `request body is too large: at most ${MAX_BODY / (1024 * 1024)} MiB`);
  if (Number(req.headers['content-length']) > MAX_BODY) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) return void chunks.push(c);
      req.off('data', onData);
      req.resume();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
