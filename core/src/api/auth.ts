// Bearer-token check in front of every route but /healthz, /cacerts and the API's documentation (/docs): 401 for a missing or unknown
// token, 403 for a known caller outside its scope (a node asking for another's pods). Over TLS the
// client certificate the socket verified against the cluster CA is part of who the caller is.
// As in the original, the token may instead be a query parameter (?x-lastbackend-token=, for clients
// that cannot set headers: a browser's EventSource or WebSocket); it wins over the header when both are
// given, and is cut from the URL before anything after this middleware (routing, errors, logs) sees it.
import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, Response } from 'express';
import { errorBody, type ErrorCode } from '@lastbackend/sdk';
import { allowed, forbidden, type Auth, type Principal } from '../auth/auth';
import { identity, type PeerIdentity } from '../tls/cert-info';
import { isDocsPath } from './docs';
import { takeQueryToken } from './query-token';
import { allRoutes } from './routes';

export type AuthedRequest = Request & { principal?: Principal };

/** Routes anyone may call (routes.ts: callers 'public'): liveness, and the CA bundle an agent checks against its join token's hash. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(allRoutes().filter((r) => r.callers.includes('public')).map((r) => r.path));

function peerOf(req: Request): PeerIdentity | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || !socket.authorized || !socket.getPeerCertificate) return undefined;
  return identity(socket.getPeerCertificate());
}

export function authMiddleware(auth: Auth) {
  return (req: AuthedRequest, res: Response, next: NextFunction) => {
    const fromQuery = takeQueryToken(req);
    if (PUBLIC_PATHS.has(req.path) || (req.method === 'GET' && isDocsPath(req.path))) return next();
    const token = fromQuery ?? /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1].trim();
    if (!token) return deny(res, 401, 'UNAUTHORIZED', 'missing bearer token: send "Authorization: Bearer <token>" (or ?x-lastbackend-token=<token>)');
    auth.authenticate(token, peerOf(req)).then(
      (p) => {
        if (!p) return deny(res, 401, 'UNAUTHORIZED', token.startsWith('lbj.') ? 'invalid token: a join token that is unknown, used up, expired or revoked' : 'invalid token');
        // Known before a refusal too: the audit trail names who was refused.
        req.principal = p;
        if (!allowed(p, req.method, req.path)) return deny(res, 403, 'FORBIDDEN', forbidden(p).message);
        next();
      },
      (e: Error) => next(e),
    );
  };
}

function deny(res: Response, status: number, reason: ErrorCode, message: string): void {
  if (status === 401) res.setHeader('www-authenticate', 'Bearer');
  res.status(status).json(errorBody(status, reason, message));
}
