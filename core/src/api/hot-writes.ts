// The hottest writes served before Express: a create or replace of a namespaced object (config, secret,
// volume, route, job) with a JSON body, by a caller the bearer check admits, is carried out from the HTTP
// server's own request event, as hot-reads.ts does for reads. Express's request setup, its router, the
// body parser, Nest's execution context and its interceptor chain cost about two thirds of such a call.
// It does what the chain does, with the same parts: the route's body limit and the depth cap, the same
// domain call (Resources.createObject), the wire encoding, res.json's headers (ETag included), the
// error filter's answers, the audit record (api/audit.ts) and the metrics (http-metrics.ts).
// It passes to Express, untouched, every request whose answer anything else could decide:
//  - a query (a query token), no Content-Length (chunked), Content-Encoding, a Content-Type other than
//    JSON in UTF-8, a body over the route's limit, a body that does not start with "{" (body-parser's
//    strict refusals word their message their own way; the first bytes are put back for it);
//  - no bearer header, an unknown token, a caller the route refuses (the chain's 401/403 answers).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { LbError, type wire } from '@lastbackend/sdk';
import type { Auth, Principal } from '../auth/auth';
import type { AuditTrail } from '../audit/trail';
import type { Logger } from '../kernel/logger';
import type { Resources } from '../state/resources';
import { auditRecord, callerAddress, errorReason, type AuditedCall } from './audit';
import { admission, headerBearer, peerOf } from './auth';
import { bodyLimit } from './body-limits';
import { errorAnswer } from './errors.filter';
import { answerHeaders } from './fast-reads';
import type { HttpObserver } from './http-metrics';
import { hotLaneCalls } from '../metrics/metrics';
import { depthMessage, exceedsJsonDepth } from './json-depth';
import type { RouteDef } from './route';
import { requestRoute } from './route-match';
import { OBJECT_KINDS, OBJECT_ROUTES } from './routes';
import { wireEncoder } from './wire.interceptor';

export interface HotWritesDeps {
  auth: Auth;
  resources: Resources;
  metrics: HttpObserver;
  wire: wire.WireContext;
  /** The Express app's ETag function (res.send's), so that answers carry the same ETag. */
  etag: (body: Buffer) => string | undefined;
  audit?: { trail: AuditTrail; server: string };
  log: Logger;
}

type Write = (params: Record<string, string>, body: unknown) => unknown;
interface Target {
  write: Write;
  encode: (value: unknown) => unknown;
  status: number;
}

const JSON_TYPES = new Set(['application/json', 'application/json;charset=utf-8']);
const OPEN_BRACE = 0x7b;
const WRITE_CALLS = hotLaneCalls.labels('write');

/** Whether the headers leave the body's reading to the route's limit alone: JSON in UTF-8, of a known length. */
function plainJsonWrite(req: IncomingMessage): boolean {
  const h = req.headers;
  const type = h['content-type']?.toLowerCase().replace(/\s+/g, '');
  return (
    (req.method === 'POST' || req.method === 'PUT') &&
    !(req.url ?? '').includes('?') &&
    type !== undefined &&
    JSON_TYPES.has(type) &&
    h['content-length'] !== undefined &&
    h['transfer-encoding'] === undefined &&
    h['content-encoding'] === undefined
  );
}

export function hotWrites(next: RequestListener, d: HotWritesDeps): RequestListener {
  const table = new Map<RouteDef, Target>();
  const add = (def: RouteDef, write: Write) => {
    const encode = wireEncoder(def, d.wire);
    if (!encode) throw new Error(`hot writes: ${def.method} ${def.path} has no wire encoder`);
    table.set(def, { write, encode, status: def.status });
  };
  for (const kind of OBJECT_KINDS) {
    add(OBJECT_ROUTES[kind].create, (p, body) => d.resources.createObject(kind, p.ns, body));
    add(OBJECT_ROUTES[kind].replace, (p, body) => d.resources.createObject(kind, p.ns, body, p.name));
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const token = plainJsonWrite(req) ? headerBearer(req.headers.authorization) : undefined;
    const path = req.url as string;
    const route = token ? requestRoute({ method: req.method as string, path }) : undefined;
    const target = route && table.get(route.def);
    const length = Number(req.headers['content-length']);
    if (!token || !route || !target || !(length > 0) || length > bodyLimit(req.method as string, path)) return next(req, res);
    // Read now, as the recorder does: a caller that has gone has no address.
    const call: AuditedCall = { hit: route, method: req.method as string, path, from: callerAddress(req.socket.remoteAddress), time: new Date().toISOString() };
    d.auth.authenticate(token, peerOf(req)).then(
      (p) => (p && !admission(p, call.method, path, route) ? serve(req, res, { call, target, principal: p, started }) : next(req, res)),
      () => next(req, res),
    );
  };

  /** An admitted call: its body read, checked and parsed, the write carried out and answered. */
  function serve(req: IncomingMessage, res: ServerResponse, c: { call: AuditedCall; target: Target; principal: Principal; started: number }): void {
    let body: unknown;
    let answered = false;
    let handedOn = false;
    const audit = (status: number, reason: string | undefined) => {
      const r = d.audit && auditRecord(c.call, c.principal, body, status, reason, d.audit.server);
      if (r) d.audit?.trail.append(r);
    };
    const answer = (status: number, value: unknown) => {
      if (answered) return;
      answered = true;
      const out = Buffer.from(JSON.stringify(value), 'utf8');
      audit(status, status >= 400 ? errorReason(value) : undefined);
      res.writeHead(status, answerHeaders({ body: out, etag: d.etag(out) }));
      res.end(out);
    };
    const fail = (err: unknown) => answer(...errorAnswer(err, d.log));
    // As the chain counts and records a call: when it is done, with status 0 for a caller that left first.
    res.once('close', () => {
      if (handedOn) return;
      if (!answered) audit(0, undefined);
      d.metrics.record(c.call.method, c.call.hit.def.path, res.headersSent ? res.statusCode : 0, (performance.now() - c.started) / 1000, c.principal);
    });
    readBody(req, (bytes) => {
      if (!bytes) return ((handedOn = true), next(req, res));
      WRITE_CALLS.inc();
      if (exceedsJsonDepth(bytes)) return fail(new LbError('INVALID_ARGUMENT', depthMessage()));
      try {
        body = JSON.parse(bytes.toString('utf8'));
      } catch (e) {
        // As body-parser reports it: JSON.parse's own message.
        return fail(Object.assign(new Error((e as Error).message), { type: 'entity.parse.failed' }));
      }
      Promise.resolve()
        .then(() => c.target.write(c.call.hit.params, body))
        .then((value) => answer(c.target.status, c.target.encode(value)), fail);
    });
  }
}

/**
 * The request's body, or undefined when it does not start with "{": its first bytes are then put back,
 * unread, for the chain to read as it always does. A caller that leaves mid-body gets no callback.
 */
function readBody(req: IncomingMessage, then: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  // By 'readable', not 'data': a stream left without a 'readable' listener goes back to its initial
  // state, so that the 'data' listener body-parser adds later starts it again ('data' after pause() would not).
  const onReadable = () => {
    for (let chunk: Buffer | null; (chunk = req.read() as Buffer | null) !== null; ) {
      if (chunks.length === 0 && chunk[0] !== OPEN_BRACE) {
        req.unshift(chunk);
        stop();
        return then(undefined);
      }
      chunks.push(chunk);
    }
  };
  const onEnd = () => {
    stop();
    then(Buffer.concat(chunks));
  };
  const stop = () => {
    req.off('readable', onReadable);
    req.off('end', onEnd);
  };
  req.on('readable', onReadable);
  req.on('end', onEnd);
}
