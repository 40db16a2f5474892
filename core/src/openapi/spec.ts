// The OpenAPI document, built from the same zod schemas that validate requests.
import { z } from 'zod';
import {
  ConfigManifest,
  ExecRequest,
  NamespaceManifest,
  NodeLabelsUpdate,
  NodeStatusReport,
  PodStatusReport,
  RollbackRequest,
  RouteManifest,
  SecretManifest,
  ServiceManifest,
  ServiceUpdate,
  VolumeManifest,
} from '@lastbackend/sdk';

const schemas = {
  NamespaceManifest,
  ServiceManifest,
  ServiceUpdate,
  SecretManifest,
  ConfigManifest,
  VolumeManifest,
  RouteManifest,
  RollbackRequest,
  ExecRequest,
  NodeStatusReport,
  NodeLabelsUpdate,
  PodStatusReport,
};
type SchemaName = keyof typeof schemas;

const ErrorBody = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    fields: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } } } },
  },
};

const ref = (name: SchemaName | 'ErrorBody' | 'Object') => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });

interface Op {
  summary: string;
  body?: SchemaName | 'Apply';
  ok?: number;
  list?: boolean;
  stream?: boolean;
  query?: string[];
}

function op(tag: string, params: string[], o: Op) {
  const responses: Record<string, unknown> = {
    [o.ok ?? 200]:
      o.ok === 204
        ? { description: 'done' }
        : o.stream
          ? { description: 'newline-delimited JSON', content: { 'application/x-ndjson': { schema: { type: 'string' } } } }
          : { description: 'ok', ...json(o.list ? { type: 'array', items: ref('Object') } : ref('Object')) },
    400: { description: 'invalid input: names each field and reason', ...json(ref('ErrorBody')) },
    401: { description: 'missing or wrong bearer token', ...json(ref('ErrorBody')) },
    404: { description: 'not found', ...json(ref('ErrorBody')) },
  };
  const body =
    o.body === 'Apply'
      ? json({ type: 'object', required: ['manifests'], properties: { manifests: { type: 'array', items: { oneOf: [ref('NamespaceManifest'), ref('ServiceManifest'), ref('SecretManifest'), ref('ConfigManifest'), ref('VolumeManifest'), ref('RouteManifest')] } } } })
      : o.body
        ? json(ref(o.body))
        : undefined;
  return {
    tags: [tag],
    summary: o.summary,
    parameters: [
      ...params.map((p) => ({ name: p, in: 'path', required: true, schema: { type: 'string' } })),
      ...(o.query ?? []).map((q) => ({ name: q, in: 'query', required: false, schema: { type: 'string' } })),
    ],
    ...(body ? { requestBody: { required: true, ...body } } : {}),
    responses,
  };
}

export function buildOpenApi(version: string) {
  const ns = ['ns'];
  const svc = ['ns', 'svc'];
  const kinds = ['secret', 'config', 'volume', 'route'] as const;
  const kindSchema = { secret: 'SecretManifest', config: 'ConfigManifest', volume: 'VolumeManifest', route: 'RouteManifest' } as const;
  const paths: Record<string, Record<string, unknown>> = {
    '/healthz': { get: { ...op('system', [], { summary: 'liveness of the API server (no token needed)' }), security: [] } },
    '/cacerts': { get: { ...op('system', [], { summary: 'the cluster CA bundle (PEM), which join tokens pin by its SHA-256 (no token needed)' }), security: [] } },
    '/cluster': { get: op('cluster', [], { summary: 'cluster totals' }) },
    '/cluster/token': {
      get: op('cluster', [], { summary: 'live join tokens: uses left, expiry, node', list: true }),
      post: op('cluster', [], { summary: 'make a join token {role: node, ttl (s), uses, node, description}; its secret is shown once' }),
    },
    '/cluster/token/{id}': { delete: op('cluster', ['id'], { summary: 'revoke a join token', ok: 204 }) },
    '/cluster/join': { post: op('agent', [], { summary: 'join a node with a join token {name, address, public_key}: its credential and certificate' }) },
    '/cluster/node/{node}/certificate': { post: op('agent', ['node'], { summary: "a node's new certificate for its new key {public_key} (renewal)" }) },
    '/cluster/leader': { get: op('cluster', [], { summary: 'which server leads (runs the controller and scheduler) and whether this one does' }) },
    '/cluster/node': { get: op('cluster', [], { summary: 'list nodes', list: true }) },
    '/cluster/node/{node}': {
      get: op('cluster', ['node'], { summary: 'get a node' }),
      delete: op('cluster', ['node'], { summary: 'remove a node', ok: 204 }),
    },
    '/cluster/node/{node}/labels': { put: op('cluster', ['node'], { summary: "change a node's labels (admin): {set: {k: v}, remove: [k]}", body: 'NodeLabelsUpdate' }) },
    '/cluster/node/{node}/status': { put: op('agent', ['node'], { summary: 'heartbeat and node status (agents)', body: 'NodeStatusReport' }) },
    '/cluster/node/{node}/pod': { put: op('agent', ['node'], { summary: 'pod status reports (agents)', ok: 204 }) },
    '/cluster/node/{node}/stream': { get: op('agent', ['node'], { summary: "the node's pods: a snapshot, then changes", stream: true }) },
    '/cluster/driver': {
      get: op('driver', [], { summary: "a node's drivers (the server's own, or ?node=)", list: true, query: ['node'] }),
      put: op('driver', [], { summary: 'swap several kinds to one package, all or none: {kinds: [cri, cii], package, config, isolation}', list: true, query: ['node'] }),
    },
    '/cluster/driver/{kind}': { put: op('driver', ['kind'], { summary: 'swap the driver of a kind, hot: {package, config, isolation}', query: ['node'] }) },
    '/namespace': {
      get: op('namespace', [], { summary: 'list namespaces', list: true }),
      post: op('namespace', [], { summary: 'create a namespace', body: 'NamespaceManifest', ok: 201 }),
    },
    '/namespace/{ns}': {
      get: op('namespace', ns, { summary: 'get a namespace' }),
      put: op('namespace', ns, { summary: 'update a namespace', body: 'NamespaceManifest' }),
      delete: op('namespace', ns, { summary: 'delete a namespace and everything in it', ok: 204 }),
    },
    '/namespace/{ns}/apply': { post: op('namespace', ns, { summary: 'create or update many objects, all or nothing', body: 'Apply' }) },
    '/namespace/{ns}/service': {
      get: op('service', ns, { summary: 'list services', list: true }),
      post: op('service', ns, { summary: 'create a service', body: 'ServiceManifest', ok: 201 }),
    },
    '/namespace/{ns}/service/{svc}': {
      get: op('service', svc, { summary: 'get a service' }),
      put: op('service', svc, { summary: 'update a service (replicas scale in place; a template change rolls out a new version)', body: 'ServiceUpdate' }),
      delete: op('service', svc, { summary: 'delete a service, its deployments and pods', ok: 204 }),
    },
    '/namespace/{ns}/service/{svc}/rollback': { post: op('service', svc, { summary: 'bring an earlier version back as a new one', body: 'RollbackRequest' }) },
    '/namespace/{ns}/service/{svc}/logs': { get: op('service', svc, { summary: 'log lines of all pods, in time order', stream: true, query: ['follow', 'tail', 'since', 'pod', 'local'] }) },
    '/namespace/{ns}/service/{svc}/deployment': { get: op('service', svc, { summary: 'deployments (versions) of a service', list: true }) },
    '/namespace/{ns}/service/{svc}/deployment/{d}': { get: op('service', [...svc, 'd'], { summary: 'get a deployment' }) },
    '/namespace/{ns}/service/{svc}/deployment/{d}/pod': { get: op('service', [...svc, 'd'], { summary: 'pods of a deployment', list: true }) },
    '/namespace/{ns}/service/{svc}/pod': { get: op('service', svc, { summary: 'pods of a service', list: true }) },
    '/namespace/{ns}/pod': { get: op('pod', ns, { summary: 'pods of a namespace', list: true }) },
    '/namespace/{ns}/pod/{pod}': { get: op('pod', [...ns, 'pod'], { summary: 'get a pod' }) },
    '/namespace/{ns}/pod/{pod}/exec': { post: op('pod', [...ns, 'pod'], { summary: 'run a command in a container of the pod', body: 'ExecRequest' }) },
    '/namespace/{ns}/endpoint': { get: op('service', ns, { summary: 'service endpoints (ready pod addresses)', list: true }) },
  };
  for (const k of kinds) {
    paths[`/namespace/{ns}/${k}`] = {
      get: op(k, ns, { summary: `list ${k}s`, list: true }),
      post: op(k, ns, { summary: `create a ${k}`, body: kindSchema[k], ok: 201 }),
    };
    paths[`/namespace/{ns}/${k}/{name}`] = {
      get: op(k, [...ns, 'name'], { summary: `get a ${k}` }),
      put: op(k, [...ns, 'name'], { summary: `replace a ${k}`, body: kindSchema[k] }),
      delete: op(k, [...ns, 'name'], { summary: `delete a ${k}`, ok: 204 }),
    };
  }
  const components = Object.fromEntries(
    Object.entries(schemas).map(([name, s]) => {
      const { $schema: _drop, ...js } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      return [name, js];
    }),
  );
  return {
    openapi: '3.1.0',
    info: { title: 'Last.Backend API', version, description: 'Container management platform. Every route but /healthz and /cacerts needs "Authorization: Bearer <token>"; nodes also present their client certificate.' },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { ...components, ErrorBody, Object: { type: 'object', description: '{ kind, version, meta, spec, status }' } },
    },
  };
}
