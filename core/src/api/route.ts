// A route of the API, declared once: method, path, who may call it, its request and response types.
// Nest registers the handler from it (@Route), request bodies and queries are validated with its
// schemas, and the OpenAPI document is built from the same definitions (openapi/spec.ts).
import { applyDecorators, createParamDecorator, HttpCode, RequestMapping, RequestMethod, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { parseOrThrow, type SchemaLike } from '@lastbackend/sdk';
import type { Request } from 'express';
import type { z } from 'zod';
import type { Permission } from '../auth/permissions';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A named schema: the name is its entry in the document's components. */
export interface Named {
  name: string;
  schema: z.ZodType;
}

export type RouteAnswer =
  | { json: Named; list?: boolean }
  /** Newline-delimited JSON: one value per line (blank lines are keep-alives). */
  | { ndjson: Named }
  | { text: string; description: string }
  | { none: true }
  /**
   * An HTTP upgrade (101 Switching Protocols) to this protocol, after the same checks as any call
   * (api/upgrade.ts); a request without "Upgrade: <protocol>" is refused (400).
   */
  | { upgrade: string; description: string }
  /**
   * A route of the original Last.Backend API that has no meaning here, or not yet: it always answers
   * 501 NOT_IMPLEMENTED with this message, which names what replaces it.
   */
  | { notImplemented: string };

/**
 * A list route that `?watch=true` streams (api/watch/watch.ts): its objects are the store's keys under
 * prefix, each sent as item (the answer schema whose wire encoder it goes through).
 */
export interface WatchDef {
  item: Named;
  /** The store prefix of the listed objects, from the path's parameters. */
  prefix: (params: Record<string, string>) => string;
  /** What must exist first, as the list answers 404 otherwise: its key and how the error names it. */
  requires?: (params: Record<string, string>) => { key: string; what: string }[];
  /** Only these objects under the prefix (the pods of one service). */
  filter?: (obj: { meta: Record<string, unknown> }, params: Record<string, string>) => boolean;
  /**
   * On a route without :ns: the namespace an object belongs to (a namespace's own name), so that a
   * token limited to namespaces sees its own only, as the list shows.
   */
  namespaceOf?: (key: string) => string;
  /**
   * Only the objects the request's query selects (events' ?for=KIND/NAME), checked once when the watch
   * starts: it throws (400) on a bad query before anything is streamed.
   */
  select?: (params: Record<string, string>, query: URLSearchParams) => (obj: unknown) => boolean;
}

export interface RouteDef {
  method: HttpMethod;
  /** Express-style: /namespace/:ns/service/:svc */
  path: string;
  tag: string;
  summary: string;
  /**
   * What the caller's role must grant (core/src/auth/permissions.ts): 'public' needs no token, 'join' a
   * join token; a namespaced permission on a route with :ns holds only in the caller's namespaces.
   */
  permission: Permission;
  /** A node's own credential may call it too, for its own node only (core/src/auth/auth.ts `allowed`). */
  node?: true;
  /** Path parameters that take fewer values than any string. */
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  /**
   * The request body. A handler that takes it as @Payload() gets it parsed with this schema; one that
   * passes it on to a domain method (Resources, ClusterState, Auth) leaves the parsing to that method,
   * which is called directly too and parses with this same schema.
   */
  body?: Named & {
    /** The error's message when the body does not parse. */
    invalid: string;
  };
  answer: RouteAnswer;
  /** 202: the request is taken and the controller carries it out; 101: an `upgrade` answer; 501: a `notImplemented` answer. */
  status: 101 | 200 | 201 | 202 | 204 | 501;
  /** Bytes of JSON body the route takes, when more than the default (body-limits.ts). */
  bodyLimit?: number;
  /**
   * Which calls go to the audit trail (api/audit.ts). Default: every call that is not a GET (a change),
   * and a GET that is refused (401/403). true: every call (a sensitive read: logs, secrets); false: none
   * (an agent's routine traffic: status reports, log shipping, its stream, which would flood the trail).
   */
  audit?: boolean;
  /** A list route that may be watched (?watch=true). */
  watch?: WatchDef;
}

/** Which calls of a route go to the audit trail (see RouteDef.audit): all, refused ones only, or none. */
export const auditRule = (def: RouteDef): 'all' | 'refused' | 'none' => (def.audit === undefined ? (def.method === 'GET' ? 'refused' : 'all') : def.audit ? 'all' : 'none');
/** Whether a call of a route that was answered with this status goes to the audit trail. */
export const audited = (def: RouteDef, status: number): boolean => {
  const rule = auditRule(def);
  return rule === 'all' || (rule === 'refused' && (status === 401 || status === 403));
};

const ROUTE = 'lb:route';

/** Registers the handler for a route definition (method, path, status) and remembers the definition. */
export function Route(def: RouteDef): MethodDecorator {
  return applyDecorators(RequestMapping({ path: def.path, method: RequestMethod[def.method] }), HttpCode(def.status), SetMetadata(ROUTE, def));
}

/** The route definition a handler was registered from, if any. */
export const routeDefOf = (handler: object): RouteDef | undefined => Reflect.getMetadata(ROUTE, handler) as RouteDef | undefined;

function routeOf(ctx: ExecutionContext): RouteDef {
  const def = Reflect.getMetadata(ROUTE, ctx.getHandler()) as RouteDef | undefined;
  if (!def) throw new Error(`handler ${ctx.getClass().name}.${ctx.getHandler().name} has no @Route`);
  return def;
}

/** The request body, parsed with the route's body schema: an invalid one is refused naming each field. */
export const Payload = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const def = routeOf(ctx);
  if (!def.body) throw new Error(`route ${def.method} ${def.path} takes no body`);
  return parseOrThrow(def.body.schema as SchemaLike<unknown>, ctx.switchToHttp().getRequest<Request>().body, def.body.invalid);
});

/** The query string, parsed with the route's query schema. */
export const QueryOf = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const def = routeOf(ctx);
  if (!def.query) throw new Error(`route ${def.method} ${def.path} takes no query`);
  return parseOrThrow(def.query as SchemaLike<unknown>, ctx.switchToHttp().getRequest<Request>().query, 'invalid query');
});

/** /a/:b/c → /a/{b}/c */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z_]\w*)/g, '{$1}');

/** Path parameter names, in order. */
export const pathParams = (path: string): string[] => [...path.matchAll(/:([A-Za-z_]\w*)/g)].map((m) => m[1]);
