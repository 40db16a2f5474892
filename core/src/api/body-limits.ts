// JSON request bodies are bounded per route, and in nesting depth, before any parsing work: a body over its
// route's limit is refused with 413 (at once when Content-Length says so, else as soon as the limit is read
// past), one nested deeper than MAX_JSON_DEPTH with 400 after a linear scan of its bytes (JSON.parse of 8 MB
// of "[" held the server's only thread for seconds). Only the routes that carry documents get megabytes.
import { json } from 'body-parser';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { LbError } from '@lastbackend/sdk';
import { MAX_JSON_DEPTH, depthMessage, exceedsJsonDepth } from './json-depth';
import type { RouteDef } from './route';
import { allRoutes } from './routes';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface BodyRoute {
  method: 'POST' | 'PUT';
  /** Matched against the request path, case-insensitively like the router. */
  path: RegExp;
  limit: number;
}

/** Routes that take more than DEFAULT_BODY_LIMIT (their bodyLimit in routes.ts). */
export const BODY_ROUTES: readonly BodyRoute[] = allRoutes()
  .filter((r): r is RouteDef & { method: 'POST' | 'PUT'; bodyLimit: number } => r.bodyLimit !== undefined && (r.method === 'POST' || r.method === 'PUT'))
  .map((r) => ({ method: r.method, path: new RegExp(`^${r.path.replace(/:[A-Za-z_]\w*/g, '[^/]+')}/?$`, 'i'), limit: r.bodyLimit }));

/** Every other route: a manifest of one service, a token request, a driver swap. */
export const DEFAULT_BODY_LIMIT = 256 * KiB;

export function bodyLimit(method: string, path: string): number {
  const m = method.toUpperCase();
  return BODY_ROUTES.find((r) => r.method === m && r.path.test(path))?.limit ?? DEFAULT_BODY_LIMIT;
}

export const formatLimit = (bytes: number): string => (bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${Math.round(bytes / KiB)} KiB`);

export const tooLarge = (method: string, path: string, limit: number): LbError =>
  new LbError('PAYLOAD_TOO_LARGE', `request body is too large: ${method.toUpperCase()} ${path} takes at most ${formatLimit(limit)}`);

/** Raised inside body-parser's verify hook; the handler below turns it into the API's error. */
class BodyRefused extends Error {
  constructor(readonly error: Error) {
    super(error.message);
  }
}

/** Checks the raw bytes, after reading and before JSON.parse. */
function verify(_req: unknown, _res: unknown, buf: Buffer, encoding: string): void {
  // The depth scan reads bytes as UTF-8; JSON between systems is UTF-8 (RFC 8259), so other charsets are refused.
  if (encoding !== 'utf-8') {
    throw new BodyRefused(Object.assign(new Error(`unsupported charset "${encoding.toUpperCase()}": send JSON as UTF-8`), { status: 415, expose: true }));
  }
  if (exceedsJsonDepth(buf, MAX_JSON_DEPTH)) throw new BodyRefused(new LbError('INVALID_ARGUMENT', depthMessage(MAX_JSON_DEPTH)));
}

/** The API's JSON body parser: req.body for application/json requests, bounded by route and depth. */
export function jsonBodies(): RequestHandler {
  const limits = [...new Set([DEFAULT_BODY_LIMIT, ...BODY_ROUTES.map((r) => r.limit)])];
  const parsers = new Map(limits.map((limit) => [limit, json({ limit, verify })]));
  return (req: Request, res: Response, next: NextFunction) => {
    const path = (req.url ?? '/').split('?')[0]; // mounted at the root: the whole path
    const limit = bodyLimit(req.method, path);
    const parser = parsers.get(limit) as RequestHandler;
    parser(req, res, (err?: unknown) => {
      if (err instanceof BodyRefused) return next(err.error);
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') return next(tooLarge(req.method, path, limit));
      next(err);
    });
  };
}
