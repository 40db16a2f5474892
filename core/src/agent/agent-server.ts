// A joined node's agent serves exec and its drivers (list, hot swap) to the API server, and only to
// it: the agent key. Logs reach the API through the log collector instead.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ExecRequest, LbError, isLbError, parseOrThrow } from '@lastbackend/sdk';
import { z } from 'zod';
import { DriverGroupSwapRequest } from '../config/config';
import type { Kernel } from '../kernel/kernel';
import type { Agent } from './agent';

const AgentExec = ExecRequest.safeExtend({ namespace: z.string().min(1), pod: z.string().min(1) });
const MAX_BODY = 1024 * 1024;

export async function startAgentServer(agent: () => Agent, kernel: Kernel, key: string, host: string, port: number): Promise<{ server: Server; port: number }> {
  const expected = createHash('sha256').update(key).digest();
  const server = createServer((req, res) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m || !timingSafeEqual(createHash('sha256').update(m[1].trim()).digest(), expected)) return send(res, 401, { code: 'UNAUTHORIZED', message: 'invalid agent key' });
    handle(agent, kernel, req, res).catch((e: unknown) => {
      const err = isLbError(e) ? e : new LbError('INTERNAL', (e as Error).message);
      if (!res.headersSent) send(res, err.status, err.toJSON());
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function handle(agent: () => Agent, kernel: Kernel, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://agent');
  if (req.method === 'POST' && url.pathname === '/exec') {
    const body = parseOrThrow(AgentExec, JSON.parse(await readBody(req)), 'invalid exec request');
    send(res, 200, await agent().exec(body.namespace, body.pod, body.command, body.container, body.timeout));
    return;
  }
  if (req.method === 'GET' && url.pathname === '/drivers') {
    send(res, 200, await kernel.states());
    return;
  }
  if (req.method === 'PUT' && url.pathname === '/drivers') {
    const { kinds, ...swap } = parseOrThrow(DriverGroupSwapRequest, JSON.parse(await readBody(req)), 'invalid driver swap');
    send(res, 200, await kernel.swapAll(kinds, swap));
    return;
  }
  send(res, 404, { code: 'NOT_FOUND', message: 'no such route' });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy(new LbError('INVALID_ARGUMENT', 'request body is too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8') || '{}'));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
