// The hottest reads (GET a service, GET a service's pods) answered straight after the middlewares every
// call goes through (metrics, audit, the bearer check with its scopes and namespaces, watches, bodies),
// without Nest's router, its interceptor chain (rxjs) and Express's router, which cost about a fifth of
// such a call. Each calls the same controller method as its route and encodes its answer as the wire
// interceptor and res.json do: the same bytes, Content-Type, ETag (the app's etag function) and
// conditional GET (res.send's freshness check). Only a success is answered here: when the read throws,
// the call goes on to its route, whose error filter answers as it always does.
// Both answers are functions of the stored state only, so with the level store (this process is its
// only writer) the encoded answer is kept until the store's next commit: the revision it was read at
// must still be the store's when it was made, and when it is served.
import type { NextFunction, Response } from 'express';
import type { wire } from '@lastbackend/sdk';
import { LevelStore } from '../store/level-store';
import type { Store } from '../store/store';
import type { AuthedRequest } from './auth';
import type { ServiceController } from './controllers/service.controller';
import { audited, type RouteDef } from './route';
import { requestRoute, type RouteMatch } from './route-match';
import { ROUTES } from './routes';
import { wireEncoder } from './wire.interceptor';

type Read = (params: Record<string, string>) => Promise<unknown>;

/** An encoded answer and the store revision it holds. */
export interface Answer {
  body: Buffer;
  etag: string | undefined;
  revision: number;
}

/** Answers kept at most (a key per route and parameters); all are dropped when full. */
const MAX_ANSWERS = 1_000;
const JSON_TYPE = 'application/json; charset=utf-8';

export interface FastReads {
  /** Answers the fast routes' GETs after the middlewares, or passes the call on to the router. */
  middleware: (req: AuthedRequest, res: Response, next: NextFunction) => void;
  /** The kept answer to a GET of this route, while it still holds the store's state (hot-reads.ts serves it). */
  kept(route: RouteMatch): Answer | undefined;
}

export function fastReads(services: ServiceController, store: Store, ctx: wire.WireContext): FastReads {
  const table = new Map<RouteDef, { read: Read; encode: (value: unknown) => unknown }>();
  const add = (def: RouteDef, read: Read) => {
    const encode = wireEncoder(def, ctx);
    // Only a route whose answer is JSON with status 200, as the route would send it, and whose success
    // the audit trail does not record (the hot lane answers without the recorder).
    if (encode && def.method === 'GET' && def.status === 200 && !audited(def, 200)) table.set(def, { read, encode });
  };
  add(ROUTES.service, (p) => services.get(p.ns, p.svc));
  add(ROUTES.servicePods, (p) => services.pods(p.ns, p.svc));
  const cacheable = store.backend instanceof LevelStore;
  const answers = new Map<string, Answer>();
  const keyOf = (route: RouteMatch) => `${route.def.path}\n${JSON.stringify(route.params)}`;
  const kept = (route: RouteMatch): Answer | undefined => {
    const a = cacheable && table.has(route.def) ? answers.get(keyOf(route)) : undefined;
    return a && a.revision === store.revision ? a : undefined;
  };

  const middleware = (req: AuthedRequest, res: Response, next: NextFunction) => {
    if (req.method !== 'GET') return next();
    const hit = requestRoute(req);
    const fast = hit && table.get(hit.def);
    if (!fast) return next();
    const revision = store.revision;
    const key = keyOf(hit);
    const answer = kept(hit);
    if (answer) return send(res, answer);
    Promise.resolve(hit.params)
      .then(fast.read)
      .then((value) => {
        const body = Buffer.from(JSON.stringify(fast.encode(value)), 'utf8');
        const etagFn = req.app.get('etag fn') as ((body: Buffer) => string | undefined) | undefined;
        const answer: Answer = { body, etag: typeof etagFn === 'function' ? etagFn(body) : undefined, revision };
        // Kept only when no commit landed while it was read (it could hold part of one).
        if (cacheable && store.revision === revision) {
          if (answers.size >= MAX_ANSWERS) answers.clear();
          answers.set(key, answer);
        }
        return answer;
      })
      .then(
        (answer) => void (res.headersSent || res.destroyed || send(res, answer)),
        () => next(),
      )
      .catch((e: unknown) => next(e));
  };
  return { middleware, kept };
}

/** The headers res.json sends with the answer, in its order. */
export const answerHeaders = (a: Pick<Answer, 'body' | 'etag'>): Record<string, string | number> => ({ 'Content-Type': JSON_TYPE, 'Content-Length': a.body.length, ...(a.etag ? { ETag: a.etag } : {}) });

/** What res.json sends for the answer; res.send answers 304 when it is fresh. */
function send(res: Response, a: Answer): void {
  res.status(200);
  for (const [name, value] of Object.entries(answerHeaders(a))) res.setHeader(name, value);
  res.send(a.body);
}
