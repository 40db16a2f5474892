// A logging reverse proxy that records what a client (the original Last.Backend CLI) sends and what the
// server answers, one JSON file per exchange. Its recordings are the contract fixtures in
// test/contract/fixtures/original-cli/: facts about the original client's wire format, captured rather
// than written from memory of its types.
//
//   node record-proxy.js --listen 127.0.0.1:PORT --target https://127.0.0.1:2967 [--ca ca.pem] --out DIR
//
// The client talks plain HTTP to the proxy; the proxy talks HTTP or HTTPS (trusting --ca) to the server.
// Tokens never reach a recording: Authorization and X-Lastbackend-Token headers and an
// x-lastbackend-token query parameter are replaced with "<redacted>".
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';

export interface Exchange {
  seq: number;
  method: string;
  /** Path and query as the client sent them, token redacted. */
  path: string;
  requestHeaders: Record<string, string>;
  /** The body parsed as JSON when it is JSON, else the text; null when empty. */
  requestBody: unknown;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: unknown;
}

export const REDACTED = '<redacted>';
const SECRET_HEADERS = new Set(['authorization', 'x-lastbackend-token', 'cookie']);
const SECRET_QUERY = /([?&]x-lastbackend-token=)[^&]*/gi;
// Headers that describe one connection, not the exchange (and would only make fixtures noisy).
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'host', 'content-length']);

export function redactPath(path: string): string {
  return path.replace(SECRET_QUERY, `$1${REDACTED}`);
}

export function redactHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_HEADERS.has(name)) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = SECRET_HEADERS.has(name) ? redactValue(text) : text;
  }
  return out;
}

/** Keeps the scheme word of an Authorization value ("Bearer") so a fixture still says how it was sent. */
function redactValue(value: string): string {
  const scheme = /^(\w+)\s+\S/.exec(value);
  return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
}

export function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export interface ProxyOptions {
  listen: { host: string; port: number };
  target: URL;
  ca?: Buffer;
  /** A directory to write NNNN.json per exchange into. */
  out?: string;
  /** Called with each exchange once its answer has ended. */
  onExchange?: (exchange: Exchange) => void;
}

export function startProxy(opts: ProxyOptions): http.Server {
  if (opts.out) mkdirSync(opts.out, { recursive: true });
  let seq = 0;
  const secure = opts.target.protocol === 'https:';
  const agent = secure ? new https.Agent({ ca: opts.ca, keepAlive: false }) : new http.Agent({ keepAlive: false });

  const server = http.createServer((req, res) => {
    void (async () => {
      const n = ++seq;
      const body = await readAll(req);
      const headers = { ...req.headers, host: opts.target.host };
      const upstream = (secure ? https : http).request(
        { protocol: opts.target.protocol, hostname: opts.target.hostname, port: opts.target.port, method: req.method, path: req.url, headers, agent },
        (up) => {
          // Streamed on as it arrives (logs may stream); recorded once the answer ends or the client leaves.
          res.writeHead(up.statusCode ?? 502, up.headers);
          const chunks: Buffer[] = [];
          let recorded = false;
          const record = (): void => {
            if (recorded) return;
            recorded = true;
            const exchange: Exchange = {
              seq: n,
              method: req.method ?? 'GET',
              path: redactPath(req.url ?? '/'),
              requestHeaders: redactHeaders(req.headers),
              requestBody: parseBody(body),
              status: up.statusCode ?? 0,
              responseHeaders: redactHeaders(up.headers),
              responseBody: parseBody(Buffer.concat(chunks)),
            };
            if (opts.out) writeFileSync(join(opts.out, `${String(n).padStart(4, '0')}.json`), JSON.stringify(exchange, null, 2) + '\n');
            opts.onExchange?.(exchange);
          };
          up.on('data', (c: Buffer) => {
            chunks.push(c);
            res.write(c);
          });
          up.on('end', () => {
            record();
            res.end();
          });
          res.on('close', () => {
            record();
            up.destroy();
          });
        },
      );
      upstream.on('error', (err) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`record-proxy: ${err.message}`);
      });
      upstream.end(body);
    })();
  });
  server.listen(opts.listen.port, opts.listen.host);
  return server;
}

function parseArgs(argv: string[]): ProxyOptions {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const listen = get('--listen') ?? '127.0.0.1:0';
  const target = get('--target');
  const out = get('--out');
  if (!target || !out) throw new Error('usage: record-proxy --listen HOST:PORT --target URL [--ca FILE] --out DIR');
  const [host, port] = listen.split(':');
  const ca = get('--ca');
  return { listen: { host: host ?? '127.0.0.1', port: Number(port) }, target: new URL(target), ca: ca ? readFileSync(ca) : undefined, out };
}

if (require.main === module) {
  const opts = parseArgs(process.argv.slice(2));
  const server = startProxy(opts);
  server.on('listening', () => process.stdout.write(`record-proxy ${JSON.stringify(server.address())} -> ${opts.target.href}\n`));
}
