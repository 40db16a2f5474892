// Bearer-token check in front of every route but the public ones (/healthz, /cacerts), the API's
// documentation (/docs) and the dashboard's static files (/ui/, and a browser's GET /, api/ui.ts):
// 401 for a missing, unknown, expired or revoked token; 403 for a known caller outside its role or scope. The request is matched to its route definition (routes.ts), which names
// the permission it takes; a route with :ns takes it in that namespace. Nodes and join tokens keep their
// own rules (auth.ts `allowed`). Over TLS the client certificate the socket verified against the
// cluster CA is part of who the caller is.
// As in the original, the token may instead be a query parameter (?x-lastbackend-token=, for clients
// that cannot set headers: a browser's EventSource or WebSocket); it wins over the header when both are
// given, and is cut from the URL before anything after this middleware (routing, errors, logs) sees it.
// Not for Server-Sent Events (Accept: text/event-stream): a bearer token never goes into their URL. A
// watch (?watch=true on a list route) may instead carry ?ticket=, a watch ticket (api/watch/tickets.ts)
// that acts once as the caller who asked for it; it too is cut from the URL. Nor for the upgraded streams
// (exec -i/-t, port-forward), which the CLI opens with the header.
import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, Response } from 'express';
import { errorBody, type ErrorCode } from '@lastbackend/sdk';
import { allowed, forbidden, isApiCaller, type Auth, type Principal } from '../auth/auth';
import { refusal, type ApiCaller } from '../auth/permissions';
import { x509Identity, type PeerIdentity } from '../tls/cert-info';
import { isDocsPath } from './docs';
import { takeQueryToken } from './query-token';
import { isUiRequest } from './ui';
import { requestRoute, type RouteMatch } from './route-match';
import { allRoutes } from './routes';
import { TICKET_PARAM, type WatchTickets } from './watch/tickets';
import { acceptsEventStream, isWatchRequest } from './watch/watch';

export type AuthedRequest = Request & { principal?: Principal };

/** Routes anyone may call (routes.ts: permission 'public'): liveness, and the CA bundle an agent checks against its join token's hash. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(allRoutes().filter((r) => r.permission === 'public').map((r) => r.path));


export function peerOf(req: Pick<Request, 'socket'>): PeerIdentity | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.authorized || !socket.getPeerX509Certificate) return undefined;
  return x509Identity(socket.getPeerX509Certificate());
}

/** Why an API caller may not make this request, or undefined when it may. */
function apiRefusal(c: ApiCaller, route: RouteMatch | undefined): { status: 403 | 404; message: string } | undefined {
  // No route: the router answers 404 for the owner's token; other tokens get the same without reaching it.
  if (!route) return c.token === undefined ? undefined : { status: 404, message: 'no such route' };
  const why = refusal(c, route.def.permission, route.params.ns);
  return why ? { status: 403, message: why } : undefined;
}

export function authMiddleware(auth: Auth, tickets?: WatchTickets) {
  return (req: AuthedRequest, res: Response, next: NextFunction) => {
    const fromQuery = takeQueryToken(req);
    const ticket = takeQueryToken(req, TICKET_PARAM);
    if (PUBLIC_PATHS.has(req.path) || (req.method === 'GET' && isDocsPath(req.path)) || isUiRequest(req)) return next();
    if (fromQuery !== undefined && acceptsEventStream(req))
      return deny(res, 401, 'UNAUTHORIZED', 'a bearer token never goes into the URL of an event stream: get a watch ticket (POST /watch/ticket) and send ?ticket=<ticket>');
    if (fromQuery !== undefined && isUpgradeRoute(req))
      return deny(res, 401, 'UNAUTHORIZED', 'a bearer token never goes into the URL of a stream: send "Authorization: Bearer <token>"');
    if (ticket !== undefined) return byTicket(tickets, ticket, req, res, next);
    const token = fromQuery ?? headerBearer(req.headers.authorization);
    if (!token) return deny(res, 401, 'UNAUTHORIZED', 'missing bearer token: send "Authorization: Bearer <token>" (or ?x-lastbackend-token=<token>)');
    auth.authenticate(token, peerOf(req)).then(
      (p) => {
        if (!p) return deny(res, 401, 'UNAUTHORIZED', invalidToken(token));
        admit(p, req, res, next);
      },
      (e: Error) => next(e),
    );
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export const headerBearer = (header: string | undefined): string | undefined => /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1].trim();

/** Why a known caller may not make this request (its role, scope or namespaces), or undefined when it may. */
export function admission(p: Principal, method: string, path: string, route: RouteMatch | undefined): { status: 403 | 404; reason: ErrorCode; message: string } | undefined {
  if (isApiCaller(p)) {
    const no = apiRefusal(p, route);
    return no && { ...no, reason: no.status === 403 ? 'FORBIDDEN' : 'NOT_FOUND' };
  }
  return allowed(p, method, path) ? undefined : { status: 403, reason: 'FORBIDDEN', message: forbidden(p).message };
}

/** A known caller: on if its role (and scope) allow the route. */
function admit(p: Principal, req: AuthedRequest, res: Response, next: NextFunction): void {
  // Known before a refusal too: the audit trail names who was refused.
  req.principal = p;
  const no = admission(p, req.method, req.path, requestRoute(req));
  if (no) return deny(res, no.status, no.reason, no.message);
  next();
}

/** A watch ticket opens a watch, once, as the caller who asked for it; nothing else. */
function byTicket(tickets: WatchTickets | undefined, ticket: string, req: AuthedRequest, res: Response, next: NextFunction): void {
  if (!isWatchRequest(req)) return deny(res, 401, 'UNAUTHORIZED', 'a watch ticket opens a watch only (GET <list route>?watch=true&ticket=…)');
  if (!tickets) return deny(res, 401, 'UNAUTHORIZED', 'this server takes no watch tickets');
  tickets.take(ticket).then((t) => {
    if (!t) return deny(res, 401, 'UNAUTHORIZED', 'invalid watch ticket: unknown, used or expired (ask POST /watch/ticket for a new one)');
    if (t.path !== undefined && t.path.replace(/\/+$/, '') !== req.path.replace(/\/+$/, ''))
      return deny(res, 401, 'UNAUTHORIZED', `this watch ticket opens a watch of ${t.path} only`);
    admit(t.caller, req, res, next);
  }, next);
}

/** exec -i/-t and port-forward (an `upgrade` answer): what lb opens carries its token in the header only. */
const isUpgradeRoute = (req: Request): boolean => {
  const answer = requestRoute(req)?.def.answer;
  return !!answer && 'upgrade' in answer;
};

function invalidToken(token: string): string {
  if (token.startsWith('lbj.')) return 'invalid token: a join token that is unknown, used up, expired or revoked';
  if (token.startsWith('lbt.')) return 'invalid token: unknown, expired or revoked';
  return 'invalid token';
}

function deny(res: Response, status: number, reason: ErrorCode, message: string): void {
  if (status === 401) res.setHeader('www-authenticate', 'Bearer');
  res.status(status).json(errorBody(status, reason, message));
}
