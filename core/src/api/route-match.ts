// Which route definition a request is for, and its path parameters: what the auth middleware checks a
// caller against before any handler runs. It matches as the router does (case-insensitive, an optional
// trailing slash, HEAD as GET) so that no spelling of a path reaches a handler unchecked; parameters
// are decoded.
import type { RouteDef } from './route';
import { allRoutes } from './routes';

export interface RouteMatch {
  def: RouteDef;
  params: Record<string, string>;
}

interface Compiled {
  def: RouteDef;
  re: RegExp;
  names: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(def: RouteDef): Compiled {
  const names: string[] = [];
  const body = def.path
    .split('/')
    .map((seg) => {
      const m = /^:([A-Za-z_]\w*)$/.exec(seg);
      if (!m) return escape(seg);
      names.push(m[1]);
      return '([^/]+)';
    })
    .join('/');
  return { def, re: new RegExp(`^${body}/?$`, 'i'), names };
}

/** A matcher over these routes. A parameter that is not valid percent-encoding does not match. */
export function routeMatcher(routes: readonly RouteDef[]): (method: string, path: string) => RouteMatch | undefined {
  const compiled = routes.map(compile);
  return (method, path) => {
    for (const c of compiled) {
      if (c.def.method !== (method === 'HEAD' ? 'GET' : method)) continue;
      const m = c.re.exec(path);
      if (!m) continue;
      try {
        return { def: c.def, params: Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
      } catch {
        return undefined;
      }
    }
    return undefined;
  };
}

let apiMatcher: ReturnType<typeof routeMatcher> | undefined;
/**
 * Matches by (method, path) already made: the matcher tries each route's pattern in turn, on every
 * request. Bounded (cleared when full, paths carry names). Callers only read a match.
 */
const byPath = new Map<string, RouteMatch | undefined>();
const MAX_PATHS = 10_000;
const matched = new WeakMap<object, { method: string; path: string; match: RouteMatch | undefined }>();

/**
 * The API route a request is for, matched once per request: the metrics, audit, bearer check and watch
 * middlewares all ask.
 */
export function requestRoute(req: { method: string; path: string }): RouteMatch | undefined {
  const hit = matched.get(req);
  if (hit && hit.method === req.method && hit.path === req.path) return hit.match;
  apiMatcher ??= routeMatcher(allRoutes());
  const key = `${req.method} ${req.path}`;
  let match = byPath.get(key);
  if (match === undefined && !byPath.has(key)) {
    match = apiMatcher(req.method, req.path);
    if (byPath.size >= MAX_PATHS) byPath.clear();
    byPath.set(key, match);
  }
  matched.set(req, { method: req.method, path: req.path, match });
  return match;
}
