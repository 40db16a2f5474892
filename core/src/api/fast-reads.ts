// The hottest reads (GET a service, GET a service's pods) answered straight after the middlewares every
// call goes through (metrics, audit, the bearer check with its scopes and namespaces, watches, bodies),
// without Nest's router, its interceptor chain (rxjs) and Express's router, which cost about a fifth of
// such a call. Each calls the same controller method as its route and encodes its answer as the wire
// interceptor does, through res.json (the same ETag and conditional GET). Only a success is answered
// here: when the read throws, the call goes on to its route, whose error filter answers as it always does.
import type { NextFunction, Response } from 'express';
import type { wire } from '@lastbackend/sdk';
import type { AuthedRequest } from './auth';
import type { ServiceController } from './controllers/service.controller';
import type { RouteDef } from './route';
import { requestRoute } from './route-match';
import { ROUTES } from './routes';
import { wireEncoder } from './wire.interceptor';

type Read = (params: Record<string, string>) => Promise<unknown>;

export function fastReads(services: ServiceController, ctx: wire.WireContext) {
  const table = new Map<RouteDef, { read: Read; encode: (value: unknown) => unknown }>();
  const add = (def: RouteDef, read: Read) => {
    const encode = wireEncoder(def, ctx);
    // Only a route whose answer is JSON with status 200, as the route would send it.
    if (encode && def.method === 'GET' && def.status === 200) table.set(def, { read, encode });
  };
  add(ROUTES.service, (p) => services.get(p.ns, p.svc));
  add(ROUTES.servicePods, (p) => services.pods(p.ns, p.svc));
  return (req: AuthedRequest, res: Response, next: NextFunction) => {
    if (req.method !== 'GET') return next();
    const hit = requestRoute(req);
    const fast = hit && table.get(hit.def);
    if (!fast) return next();
    Promise.resolve(hit.params)
      .then(fast.read)
      .then(fast.encode)
      .then(
        (body) => void (res.headersSent || res.destroyed || res.status(200).json(body)),
        () => next(),
      )
      .catch((e: unknown) => next(e));
  };
}
