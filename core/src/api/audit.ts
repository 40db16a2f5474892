// The audit trail's recorder, in front of every route (before the bearer check, so refusals are
// recorded too). Which calls are recorded comes from the route table (RouteDef.audit: every change,
// plus sensitive reads such as logs and secrets, and any refused (401/403) read; never an agent's
// routine traffic, which would flood the trail); a path that matches no route is not recorded. A record holds who (principalName), what
// (method, route template, the path without its query, namespace and name, an apply's kind/name list),
// when, from where (the socket's peer) and the outcome (status, the error's reason): never a body, a
// header or the query, so neither a secret value nor a token (the ?x-lastbackend-token= parameter is
// in the query, cut out by the bearer check in any case) can end up in it.
// It is written when the answer's status line goes out (writeHead), so a client that got its answer
// finds the call in the trail; a caller that leaves first is recorded with status 0.
import type { NextFunction, Response } from 'express';
import { principalName, type Principal } from '../auth/auth';
import type { AuditRecord, AuditTrail } from '../audit/trail';
import type { AuthedRequest } from './auth';
import { audited, auditRule } from './route';
import { requestRoute, type RouteMatch } from './route-match';

const MAX_TEXT = 256;
const MAX_OBJECTS = 100;
const cut = (s: string) => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) + '…' : s);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? cut(v) : undefined);
const nameOf = (m: unknown): string | undefined => (m && typeof m === 'object' ? str((m as { meta?: { name?: unknown } }).meta?.name) : undefined);

/** The kind/name of each manifest an apply names (either form of apply); nothing else of the body. */
export function appliedObjects(body: unknown): string[] | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const out: string[] = [];
  const manifests = (body as { manifests?: unknown }).manifests;
  if (Array.isArray(manifests)) {
    for (const m of manifests.slice(0, MAX_OBJECTS)) {
      const kind = m && typeof m === 'object' ? str((m as { kind?: unknown }).kind) : undefined;
      out.push(`${(kind ?? '?').toLowerCase()}/${nameOf(m) ?? '?'}`);
    }
    if (manifests.length > MAX_OBJECTS) out.push(`… ${manifests.length - MAX_OBJECTS} more`);
  } else {
    // The original's form: { services: { name: manifest }, secrets: {...}, … }
    for (const [group, byName] of Object.entries(body as Record<string, unknown>)) {
      if (!byName || typeof byName !== 'object' || Array.isArray(byName)) continue;
      for (const name of Object.keys(byName)) if (out.length < MAX_OBJECTS) out.push(`${cut(group.replace(/s$/, ''))}/${cut(name)}`);
    }
  }
  return out.length ? out : undefined;
}

/** The caller's address; a connected socket with none is the local unix socket's (local-socket.ts). */
export const callerAddress = (a: string | undefined) => (a === undefined ? 'local' : a.replace(/^::ffff:/, ''));

/** A call as the recorder sees it when it starts: the route it matched, the caller's address, the time. */
export interface AuditedCall {
  hit: RouteMatch;
  method: string;
  /** The path without its query. */
  path: string;
  from: string;
  time: string;
}

/** The trail's record of a call answered with this status, or undefined when the route's rule skips it. */
export function auditRecord(call: AuditedCall, who: Principal | undefined, body: unknown, status: number, reason: string | undefined, server: string): AuditRecord | undefined {
  const { hit } = call;
  if (!audited(hit.def, status)) return undefined;
  const isApply = hit.def.path.endsWith('/apply');
  const name = hit.params.svc ?? hit.params.pod ?? hit.params.name ?? hit.params.node ?? hit.params.id ?? hit.params.kind ?? (isApply ? undefined : nameOf(body));
  const namespace = hit.params.ns;
  const objects = isApply ? appliedObjects(body) : undefined;
  const why = status >= 400 || status === 0 ? (reason ?? (status === 0 ? 'CLIENT_CLOSED' : undefined)) : undefined;
  return {
    time: call.time,
    who: principalName(who),
    from: call.from,
    method: call.method,
    route: hit.def.path,
    path: cut(call.path),
    ...(namespace ? { namespace: cut(namespace) } : {}),
    ...(name ? { name: cut(name) } : {}),
    ...(objects ? { objects } : {}),
    status,
    ...(why !== undefined ? { reason: why } : {}),
    server,
  };
}

/** The reason a JSON error body (errorBody) gives, as the trail keeps it. */
export const errorReason = (body: unknown): string | undefined => (body && typeof body === 'object' ? str((body as { reason?: unknown }).reason) : undefined);

export function auditMiddleware(trail: AuditTrail, server: string) {
  return (req: AuthedRequest, res: Response, next: NextFunction) => {
    const hit = requestRoute(req);
    if (!hit || auditRule(hit.def) === 'none') return next();
    // Only the path, as Express routes it (an absolute-form request line included): the query, where a
    // token may be, is never looked at. The address is read now: a socket the client closed before the
    // answer has no address any more, like a unix one.
    const call: AuditedCall = { hit, method: req.method, path: req.path, from: callerAddress(req.socket.remoteAddress), time: new Date().toISOString() };
    let reason: string | undefined;
    let recorded = false;
    const record = (status: number) => {
      if (recorded) return;
      recorded = true;
      const r = auditRecord(call, req.principal, req.body, status, reason, server);
      if (r) trail.append(r);
    };
    // The error's reason, from the JSON error body (errorBody) the answer carries.
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode >= 400) reason = errorReason(body);
      return json(body);
    };
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: unknown[]) {
      record(typeof args[0] === 'number' ? args[0] : res.statusCode);
      return (writeHead as (...a: unknown[]) => Response).apply(this, args);
    } as Response['writeHead'];
    res.on('close', () => record(res.headersSent ? res.statusCode : 0));
    next();
  };
}
