// The OpenAPI document, built from the route definitions (api/routes.ts) and their zod schemas: the
// same ones that register the handlers and validate requests. Request bodies are described as they
// are sent (defaults optional), answers as they come back.
import { ERROR_CODES } from '@lastbackend/sdk';
import { z } from 'zod';
import { DEFAULT_BODY_LIMIT, formatLimit } from '../api/body-limits';
import { allRoutes } from '../api/routes';
import { API_ROLES, NAMESPACED, ROLE_PERMISSIONS } from '../auth/permissions';
import { openApiPath, pathParams, type Named, type RouteDef } from '../api/route';

type Json = Record<string, unknown>;

/** The original's error ({code, status, message}) plus this project's reason word and refused fields. */
const ErrorBody = {
  type: 'object',
  required: ['code', 'status', 'message', 'reason'],
  properties: {
    code: { type: 'integer', description: 'the HTTP status (as the original)' },
    status: { type: 'string', description: "the HTTP status's reason phrase, e.g. Not Found (as the original)" },
    message: { type: 'string' },
    reason: { type: 'string', enum: Object.keys(ERROR_CODES), description: 'what went wrong, as a word to branch on' },
    fields: { type: 'array', items: { type: 'object', required: ['field', 'reason'], properties: { field: { type: 'string' }, reason: { type: 'string' } } } },
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, ...js } = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as Json;
  return js;
}

/** Named schemas become components; a name used twice must mean one schema. */
class Components {
  readonly schemas: Record<string, Json> = {};
  private readonly seen = new Map<string, z.ZodType>();

  ref(n: Named, io: 'input' | 'output'): Json {
    const prev = this.seen.get(n.name);
    if (prev && prev !== n.schema) throw new Error(`two schemas are named ${n.name} in the route definitions`);
    if (!prev) {
      this.seen.set(n.name, n.schema);
      this.schemas[n.name] = jsonSchema(n.schema, io);
    }
    return { $ref: `#/components/schemas/${n.name}` };
  }
}

const content = (type: string, schema: Json) => ({ content: { [type]: { schema } } });
const errorRef = { $ref: '#/components/schemas/ErrorBody' };
const error = (description: string) => ({ description, ...content('application/json', errorRef) });

/** Who may call a route, in words: the roles that have its permission, and the node itself. */
function whoMay(r: RouteDef): string {
  if (r.permission === 'public') return 'anyone, no token';
  if (r.permission === 'join') return 'a join token';
  const roles = API_ROLES.filter((role) => ROLE_PERMISSIONS[role].includes(r.permission));
  const scoped = NAMESPACED.has(r.permission) && r.path.includes(':ns') ? ' (a token limited to namespaces: in those only)' : '';
  return [...(roles.length ? [`roles ${roles.join(', ')}${scoped}`] : []), ...(r.node ? ["the node's own credential"] : [])].join('; ');
}

/** The query of a watchable list route (api/watch/watch.ts). */
const watchParameters = (item: string): Json[] => [
  {
    name: 'watch',
    in: 'query',
    required: false,
    description: `true: stream events as NDJSON (Server-Sent Events with Accept: text/event-stream): {type: ADDED|MODIFIED|DELETED, revision, object: ${item}}, and {type: SYNCED, revision} after the current items`,
    schema: { type: 'string', enum: ['true', 'false'] },
  },
  { name: 'revision', in: 'query', required: false, description: 'with watch: only the changes after this revision (resume); none: the current items first', schema: { type: 'integer', minimum: 0 } },
  { name: 'ticket', in: 'query', required: false, description: 'with watch: a watch ticket (POST /watch/ticket) instead of a bearer token', schema: { type: 'string' } },
];

function operation(r: RouteDef, c: Components): Json {
  const a = r.answer;
  const ok =
    'none' in a
      ? { description: 'done' }
      : 'notImplemented' in a
        ? error(`not implemented here: ${a.notImplemented}`)
        : 'upgrade' in a
          ? { description: `switching protocols to ${a.upgrade} (Connection: Upgrade, Upgrade: ${a.upgrade}): ${a.description}` }
          : 'text' in a
          ? { description: a.description, ...content(a.text, { type: 'string' }) }
          : 'ndjson' in a
            ? { description: `newline-delimited JSON: one ${a.ndjson.name} per line (blank lines keep the connection alive)`, ...content('application/x-ndjson', c.ref(a.ndjson, 'output')) }
            : { description: 'ok', ...content('application/json', a.list ? { type: 'array', items: c.ref(a.json, 'output') } : c.ref(a.json, 'output')) };
  const isPublic = r.permission === 'public';
  const responses: Json = { [r.status]: ok };
  if (r.body || r.query || r.params) responses[400] = error('invalid input: names each field and reason');
  if (!isPublic) responses[401] = error('missing or unknown bearer token');
  if (!isPublic) responses[403] = error('the token\'s role lacks the permission (in this namespace), or a node\'s credential or a join token used outside its own routes');
  responses[404] = error('not found');
  if (r.body) responses[413] = error(`request body over ${formatLimit(r.bodyLimit ?? DEFAULT_BODY_LIMIT)}`);
  responses.default = error('any other refusal (409 already exists, 412 failed precondition, 503 unavailable, …): the reason says which');
  if (r.watch) responses[410] = error('watch: the revision is older than the change log keeps (reason RESYNC): list again');
  const query = r.query ? Object.entries(r.query.shape as Record<string, z.ZodType>) : [];
  const parameters = [
    ...pathParams(r.path).map((name) => ({ name, in: 'path', required: true, schema: r.params?.[name] ? jsonSchema(r.params[name], 'input') : { type: 'string' } })),
    ...query.map(([name, s]) => {
      const { description, ...schema } = jsonSchema(s, 'input');
      return { name, in: 'query', required: !s.safeParse(undefined).success, ...(description ? { description } : {}), schema };
    }),
    ...(r.watch ? watchParameters(r.watch.item.name) : []),
  ];
  return {
    tags: [r.tag],
    summary: r.summary,
    description: `Permission: ${r.permission} (${whoMay(r)}).`,
    ...(isPublic ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(r.body ? { requestBody: { required: true, ...content('application/json', c.ref(r.body, 'input')) } } : {}),
    responses,
  };
}

export function buildOpenApi(version: string, routes: readonly RouteDef[] = allRoutes()) {
  const c = new Components();
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const p = (paths[openApiPath(r.path)] ??= {});
    const m = r.method.toLowerCase();
    if (p[m]) throw new Error(`route ${r.method} ${r.path} is defined twice`);
    p[m] = operation(r, c);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Last.Backend API',
      version,
      description:
        'Container management platform. Every route but /livez, /readyz, /healthz and /cacerts needs "Authorization: Bearer <token>" or, as in the original, ?x-lastbackend-token=<token> (taken out of the URL before anything logs it); nodes also present their client certificate. Errors are the original\'s {code: <HTTP status>, status, message} plus reason (a word to branch on) and fields. Built from the route definitions (core/src/api/routes.ts).',
    },
    security: [{ bearer: [] }, { token: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, token: { type: 'apiKey', in: 'query', name: 'x-lastbackend-token' } },
      schemas: { ...c.schemas, ErrorBody },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApi>;
