// Bearer-token check in front of every route but /healthz (the OpenAPI pages included): 401 for a
// missing or unknown token, 403 for a known caller outside its scope (a node asking for another's pods).
import type { NextFunction, Request, Response } from 'express';
import { allowed, forbidden, type Auth, type Principal } from '../auth/auth';

export type AuthedRequest = Request & { principal?: Principal };

export function authMiddleware(auth: Auth) {
  return (req: AuthedRequest, res: Response, next: NextFunction) => {
    if (req.path === '/healthz') return next();
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return deny(res, 401, 'UNAUTHORIZED', 'missing bearer token: send "Authorization: Bearer <token>"');
    auth.authenticate(m[1].trim()).then(
      (p) => {
        if (!p) return deny(res, 401, 'UNAUTHORIZED', 'invalid token');
        if (!allowed(p, req.method, req.path)) return deny(res, 403, 'FORBIDDEN', forbidden(p).message);
        req.principal = p;
        next();
      },
      (e: Error) => next(e),
    );
  };
}

function deny(res: Response, status: number, code: string, message: string): void {
  if (status === 401) res.setHeader('www-authenticate', 'Bearer');
  res.status(status).json({ code, message });
}
