// Bearer-token check in front of every route but /healthz (the OpenAPI pages included).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function authMiddleware(token: string) {
  const expected = digest(token);
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path === '/healthz') return next();
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (m && timingSafeEqual(digest(m[1].trim()), expected)) return next();
    res
      .status(401)
      .setHeader('www-authenticate', 'Bearer')
      .json({ code: 'UNAUTHORIZED', message: m ? 'invalid token' : 'missing bearer token: send "Authorization: Bearer <token>"' });
  };
}
