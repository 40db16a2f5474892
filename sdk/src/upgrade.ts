// Opens an HTTP upgrade (101 Switching Protocols) and hands over the connection: what `lb exec -it` and
// `lb port-forward` open to the API server, and the API server to a node's agent. An answer other than 101
// is the server's refusal, read (bounded) and thrown as the LbError it names.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { PeerCertificate } from 'node:tls';
import { defaultCa } from './default-trust';
import { decodeErrorBody, LbError } from './errors';

export interface UpgradeOptions {
  /** The protocol asked for (Upgrade: …). */
  protocol: string;
  method?: string;
  headers?: Record<string, string>;
  /** https: the CA to trust, a client certificate, and an extra check of the server's certificate. */
  tls?: { ca?: string; cert?: string; key?: string; checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined };
  /** Until the switch (default 30 s); none once switched. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A server on a unix socket (http.ts serverTarget): url is then http://localhost/…. */
  socketPath?: string;
}

const ERROR_BODY_LIMIT = 64 * 1024;

async function refusal(res: IncomingMessage): Promise<LbError> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > ERROR_BODY_LIMIT) break;
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return decodeErrorBody(res.statusCode ?? 500, body, text || `the server answered ${res.statusCode} instead of switching to the stream`);
}

/** The upgraded connection (bytes after the switch included), or the server's refusal. */
export function openUpgrade(url: string, o: UpgradeOptions): Promise<Duplex> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  // Required here: https loads tls and crypto, which a client that never upgrades (most CLI commands) skips.
  const { request } = (https ? require('node:https') : require('node:http')) as typeof import('node:http');
  const tls = o.tls ?? {};
  const ca = https ? (tls.ca ?? defaultCa()) : undefined;
  const req = request(u, {
    method: o.method ?? 'POST',
    headers: { ...o.headers, connection: 'Upgrade', upgrade: o.protocol },
    ...(ca ? { ca } : {}),
    ...(https ? { ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}), ...(tls.checkServerIdentity ? { checkServerIdentity: tls.checkServerIdentity } : {}) } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.socketPath ? { socketPath: o.socketPath } : {}),
  });
  return new Promise<Duplex>((resolve, reject) => {
    req.setTimeout(o.timeoutMs ?? 30_000, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.once('upgrade', (_res: IncomingMessage, socket: Duplex, head: Buffer) => {
      (socket as Partial<import('node:net').Socket>).setTimeout?.(0);
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    req.once('response', (res: IncomingMessage) => {
      refusal(res).then(reject, reject);
    });
    req.once('error', (e: NodeJS.ErrnoException) => {
      if (o.signal?.aborted) return reject(e);
      reject(new LbError('UNAVAILABLE', `cannot open a stream to ${o.socketPath ? `unix://${o.socketPath}` : u.origin}: ${e.code ?? e.message}`));
    });
    req.end();
  });
}
