// Every API call, when its answer is done: counted and timed by method, route template and status
// (lb_http_request_duration_seconds), and written to the access log when one is kept. Cheap on the hot
// path: one timer reading per request, one shared listener, and the histogram child for a (route, method,
// status) found through Maps keyed by the strings Express already holds. The route is the template the
// router matched (never the path: its names would make the labels unbounded); a call refused before
// routing (401/403) is matched to its template here, and one that matches none is "unmatched".
// The access log names who called (principalName), never a token, a header or the query.
import type { ServerResponse } from 'node:http';
import type { NextFunction, Response } from 'express';
import { principalName, type Principal } from '../auth/auth';
import type { Logger } from '../kernel/logger';
import type { HistogramChild } from '../metrics/fast';
import { httpRequests } from '../metrics/metrics';
import type { AuthedRequest } from './auth';
import { requestRoute } from './route-match';

const STARTED = Symbol('lb.started');
type Timed = ServerResponse & { [STARTED]?: number; req: AuthedRequest };

export const UNMATCHED = 'unmatched';

/** The route template of an answered request. */
export function routeTemplate(req: AuthedRequest): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return path;
  return requestRoute(req)?.def.path ?? UNMATCHED;
}

/** The middleware that times every call to its answer; `record` counts one answered before Express (hot-reads.ts). */
export type HttpObserver = ((req: AuthedRequest, res: Response, next: NextFunction) => void) & {
  record(method: string, route: string, code: number, seconds: number, principal: Principal | undefined): void;
};

export function httpObserver(access?: Logger): HttpObserver {
  const children = new Map<string, Map<string, Map<number, HistogramChild>>>();
  const child = (route: string, method: string, code: number): HistogramChild => {
    let byMethod = children.get(route);
    if (!byMethod) children.set(route, (byMethod = new Map()));
    let byCode = byMethod.get(method);
    if (!byCode) byMethod.set(method, (byCode = new Map()));
    let c = byCode.get(code);
    if (!c) byCode.set(code, (c = httpRequests.labels(method, route, String(code))));
    return c;
  };
  function done(this: Timed): void {
    const started = this[STARTED];
    if (started === undefined) return;
    this[STARTED] = undefined;
    const seconds = (performance.now() - started) / 1000;
    const req = this.req;
    // A caller that left before any answer: code 0.
    record(req.method, routeTemplate(req), this.headersSent ? this.statusCode : 0, seconds, req.principal);
  }
  function record(method: string, route: string, code: number, seconds: number, principal: Principal | undefined): void {
    child(route, method, code).observe(seconds);
    access?.info(`${method} ${route} ${code}`, { method, route, status: code, duration_ms: Math.round(seconds * 1e4) / 10, who: principalName(principal) });
  }
  const middleware = (_req: AuthedRequest, res: Response, next: NextFunction) => {
    (res as unknown as Timed)[STARTED] = performance.now();
    res.on('close', done);
    next();
  };
  return Object.assign(middleware, { record });
}
