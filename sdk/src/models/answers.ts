// What the API answers, as zod schemas: the OpenAPI document's response types come from here, and a
// test checks the client against them. Each schema is checked below to agree with the TypeScript type
// the client hands out (resources.ts, client.ts), so the two cannot drift apart.
import { z } from 'zod';
import {
  ConfigManifest,
  JobSpec,
  NamespaceManifest,
  PodTemplate,
  RouteManifest,
  SecretManifest,
  Selector,
  ServiceSpec,
  VolumeManifest,
} from './manifests';
import { DriverState, NodeStatusReport, PodStatus, ROLLOUT_STATES, TASK_STATES } from './resources';
import type { Cluster, Config, Deployment, Endpoint, Job, Namespace, Node, NodeStreamEvent, Pod, Route, Secret, Service, Task, Volume } from './resources';
import type { ApplyResult, AuditRecord, CreatedToken, JoinResult, LogEntry, TokenInfo } from '../client';
import type { ExecResult } from '../drivers/types';

const labelMap = () => z.record(z.string(), z.string());
const counts = () => z.object({ cpu: z.number(), ram: z.number(), pods: z.number() }).strict();

const objectMeta = z
  .object({
    name: z.string(),
    namespace: z.string().optional(),
    description: z.string().optional(),
    labels: labelMap(),
    uid: z.string().describe('stable id, set when the object is first stored'),
    created: z.string(),
    updated: z.string(),
    revision: z.number().describe('store revision of the last write'),
  })
  .strict();
const meta = <S extends z.ZodRawShape>(extra: S) => objectMeta.extend(extra);
const namespaced = { namespace: z.string() };

const object = <K extends string, M extends z.ZodTypeAny, S extends z.ZodTypeAny, T extends z.ZodTypeAny>(kind: K, m: M, spec: S, status: T) =>
  z.object({ kind: z.literal(kind), version: z.literal('v1'), meta: m, spec, status }).strict();
const noStatus = () => z.object({}).strict();

const NamespaceUsageSchema = z
  .object({
    cpu: z.number().describe('millicores'),
    ram: z.number().describe('bytes'),
    storage: z.number().describe('bytes'),
    pods: z.number(),
    services: z.number(),
    volumes: z.number(),
  })
  .strict()
  .describe('what the namespace uses of its quota (computed when read): both versions count during a blue/green rollout');
export const NamespaceObject = object(
  'Namespace',
  meta({}),
  NamespaceManifest.shape.spec,
  z.object({ state: z.enum(['ready', 'destroying']), resources: z.object({ used: NamespaceUsageSchema }).strict().optional() }).strict(),
);

export const ServiceObject = object(
  'Service',
  meta(namespaced),
  ServiceSpec,
  z
    .object({
      state: z.enum(['provisioning', 'ready', 'degraded', 'destroying', 'error']),
      message: z.string(),
      deployment: z.string().optional().describe('the deployment that serves traffic (e.g. "v2")'),
      generation: z.number(),
      replicas: z.object({ desired: z.number(), ready: z.number() }).strict(),
      network: z.object({ ip: z.string().optional(), ports: z.array(z.string()) }).strict(),
      rollout: z
        .object({
          version: z.number(),
          state: z.enum(ROLLOUT_STATES),
          message: z.string(),
          since: z.string(),
        })
        .strict()
        .optional()
        .describe("the newest version's rollout: progressing, complete, failed or rolled-back, and why"),
    })
    .strict(),
);

export const DeploymentObject = object(
  'Deployment',
  meta({ ...namespaced, service: z.string() }),
  z.object({ version: z.number(), replicas: z.number(), template: PodTemplate, selector: Selector.optional(), hash: z.string() }).strict(),
  z
    .object({
      state: z.enum(['provisioning', 'ready', 'active', 'superseded', 'destroying', 'error']),
      message: z.string(),
      replicas: z.object({ desired: z.number(), ready: z.number(), total: z.number() }).strict(),
    })
    .strict(),
);

export const PodObject = object(
  'Pod',
  meta({ ...namespaced, service: z.string(), deployment: z.string(), node: z.string().describe('empty until scheduled'), task: z.string().optional().describe("a task's pod: its task"), job: z.string().optional() }),
  z
    .object({
      template: PodTemplate,
      selector: Selector.optional(),
      destroy: z.boolean(),
      evict: z.string().optional().describe('its node is draining: a replacement starts elsewhere, then this pod stops'),
      resources: z.object({ cpu: z.number(), ram: z.number() }).strict(),
    })
    .strict(),
  PodStatus,
);

export const EndpointObject = object(
  'Endpoint',
  meta(namespaced),
  z.object({ ip: z.string().optional(), ports: z.array(z.string()), upstreams: z.array(z.object({ pod: z.string(), ip: z.string() }).strict()) }).strict(),
  noStatus(),
);

export const SecretObject = object('Secret', meta(namespaced), SecretManifest.shape.spec.describe('values are shown masked'), noStatus());
export const ConfigObject = object('Config', meta(namespaced), ConfigManifest.shape.spec, noStatus());
export const VolumeObject = object(
  'Volume',
  meta(namespaced),
  VolumeManifest.shape.spec,
  z.object({ state: z.enum(['pending', 'ready', 'error']), node: z.string().optional(), message: z.string() }).strict(),
);
export const RouteObject = object('Route', meta(namespaced), RouteManifest.shape.spec, z.object({ state: z.string(), message: z.string() }).strict());
const taskCounts = z.object(Object.fromEntries(TASK_STATES.map((s) => [s, z.number().optional()])) as Record<(typeof TASK_STATES)[number], z.ZodOptional<z.ZodNumber>>).strict();
export const JobObject = object(
  'Job',
  meta(namespaced),
  JobSpec,
  z.object({ state: z.enum(['enabled', 'disabled']), tasks: taskCounts.optional().describe('its kept tasks by state (computed when read)') }).strict(),
);
export const TaskObject = object(
  'Task',
  meta({ ...namespaced, job: z.string() }),
  z
    .object({
      env: z.array(z.object({ name: z.string(), value: z.string() }).strict()).optional().describe('overrides of the template\'s env'),
      template: PodTemplate.describe('copied from the job when the task was made'),
      selector: Selector.optional(),
      cancel: z.boolean().optional().describe('cancel asked: the controller removes its pod'),
    })
    .strict(),
  z
    .object({
      state: z.enum(TASK_STATES),
      attempt: z.number(),
      containers: z.array(z.object({ name: z.string(), exit_code: z.number().optional(), started: z.string().optional(), finished: z.string().optional() }).strict()),
      started: z.string().optional(),
      finished: z.string().optional(),
      message: z.string(),
      node: z.string().optional(),
      pod: z.string().optional(),
      pods: z.array(z.string()).optional(),
      retry_at: z.string().optional(),
    })
    .strict(),
);

export const NodeObject = object(
  'Node',
  meta({}),
  z.object({ unschedulable: z.boolean(), network: z.object({ subnet: z.string() }).strict().optional() }).strict(),
  NodeStatusReport.omit({ labels: true }).extend({
    state: z.enum(['ready', 'not-ready', 'offline']),
    online: z.boolean(),
    allocated: counts(),
    heartbeat: z.string(),
  }),
);

export const ClusterObject = z
  .object({
    kind: z.literal('Cluster'),
    version: z.literal('v1'),
    meta: z.object({ name: z.string(), version: z.string() }).strict(),
    status: z.object({ nodes: z.object({ total: z.number(), online: z.number() }).strict(), capacity: counts(), allocated: counts() }).strict(),
  })
  .strict();

export const ApplyResultSchema = z
  .object({ kind: z.string(), namespace: z.string().optional(), name: z.string(), action: z.enum(['created', 'updated', 'unchanged']) })
  .strict();

export const ExecResultSchema = z.object({ exitCode: z.number(), stdout: z.string(), stderr: z.string() }).strict();

export const LogEntrySchema = z
  .object({ pod: z.string(), container: z.string(), stream: z.enum(['stdout', 'stderr']), time: z.string(), line: z.string() })
  .strict();

export const TokenInfoSchema = z
  .object({
    id: z.string(),
    role: z.enum(['node', 'admin', 'deployer', 'viewer']),
    created: z.string(),
    expires: z.string(),
    uses_left: z.number().optional().describe('joins left (node tokens only)'),
    node: z.string().optional(),
    namespaces: z.array(z.string()).optional().describe('the only namespaces a deployer or viewer token may act in (absent: all)'),
    description: z.string().optional(),
  })
  .strict();
export const CreatedTokenSchema = TokenInfoSchema.extend({ token: z.string().describe('the secret, shown once') }).strict();

export const AuditRecordSchema = z
  .object({
    time: z.string().describe('when the call came in (RFC 3339)'),
    who: z.string().describe("the caller: admin, node/NAME, join-token/ID, a token's name, or anonymous"),
    from: z.string().describe("the caller's address"),
    method: z.string(),
    route: z.string().describe("the route's template, e.g. /namespace/:ns/apply"),
    path: z.string().describe('the path called, without its query'),
    namespace: z.string().optional(),
    name: z.string().optional(),
    objects: z.array(z.string()).optional().describe("an apply's manifests as kind/name"),
    status: z.number().int().describe('HTTP status of the answer; 0: the caller left first'),
    reason: z.string().optional().describe('why the call was refused or failed'),
    server: z.string().describe('the server that recorded it'),
  })
  .strict();

export const JoinResultSchema = z
  .object({
    node: z.string(),
    token: z.string().describe("the node's bearer credential, shown once"),
    certificate: z.string().optional(),
    ca: z.string().optional(),
    agent_key: z.string().optional(),
  })
  .strict();

export const CertificateResult = z.object({ certificate: z.string(), expires: z.string(), ca: z.string().optional().describe('the CA bundle (PEM) to trust from now on') }).strict();
export const HealthResult = z.object({ status: z.string() }).strict();
export const NodeRefResult = z.object({ data: z.record(z.string(), z.string()) }).strict();
export const LogsStoredResult = z.object({ stored: z.number() }).strict();
export const AgentKeyResult = z.object({ key: z.string() }).strict();

const NodeNetworkInfoSchema = z.object({ name: z.string(), subnet: z.string(), address: z.string() }).strict();
const ServiceTableSchema = z
  .object({
    services: z.array(
      z
        .object({
          ip: z.string(),
          port: z.number(),
          protocol: z.enum(['tcp', 'udp']),
          scheduler: z.enum(['rr', 'wrr', 'lc']).optional(),
          backends: z.array(z.object({ ip: z.string(), port: z.number(), weight: z.number().optional() }).strict()),
        })
        .strict(),
    ),
    dns: z
      .object({
        services: z.array(
          z
            .object({
              namespace: z.string(),
              name: z.string(),
              ip: z.string().optional(),
              ports: z.array(z.object({ name: z.string().optional(), port: z.number(), protocol: z.enum(['tcp', 'udp']) }).strict()),
            })
            .strict(),
        ),
        pods: z.array(z.object({ namespace: z.string(), service: z.string(), name: z.string(), ip: z.string() }).strict()),
      })
      .strict(),
  })
  .strict();

/** One line of the node stream. */
export const NodeStreamEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('snapshot'), pods: z.array(PodObject), revision: z.number() }).strict(),
  z.object({ type: z.literal('network'), nodes: z.array(NodeNetworkInfoSchema), revision: z.number() }).strict(),
  z.object({ type: z.literal('services'), table: ServiceTableSchema, revision: z.number() }).strict(),
  z.object({ type: z.literal('upsert'), pod: PodObject, revision: z.number() }).strict(),
  z.object({ type: z.literal('delete'), namespace: z.string(), name: z.string(), revision: z.number() }).strict(),
  z.object({ type: z.literal('volume-deleted'), namespace: z.string(), name: z.string(), revision: z.number() }).strict(),
]);

export { DriverState as DriverStateSchema };

// ---------------------------------------------------------------- schemas and types agree
// Each schema's output must be assignable to the type, and the type to it: a field added to one
// and not the other fails the build.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree = <A, B>(ok: Same<A, B>) => ok;
agree<z.output<typeof NamespaceObject>, Namespace>(true);
agree<z.output<typeof ServiceObject>, Service>(true);
agree<z.output<typeof DeploymentObject>, Deployment>(true);
agree<z.output<typeof PodObject>, Pod>(true);
agree<z.output<typeof EndpointObject>, Endpoint>(true);
agree<z.output<typeof SecretObject>, Secret>(true);
agree<z.output<typeof ConfigObject>, Config>(true);
agree<z.output<typeof VolumeObject>, Volume>(true);
agree<z.output<typeof RouteObject>, Route>(true);
agree<z.output<typeof JobObject>, Job>(true);
agree<z.output<typeof TaskObject>, Task>(true);
agree<z.output<typeof NodeObject>, Node>(true);
agree<z.output<typeof ClusterObject>, Cluster>(true);
agree<z.output<typeof ApplyResultSchema>, ApplyResult>(true);
agree<z.output<typeof ExecResultSchema>, ExecResult>(true);
agree<z.output<typeof LogEntrySchema>, LogEntry>(true);
agree<z.output<typeof TokenInfoSchema>, TokenInfo>(true);
agree<z.output<typeof CreatedTokenSchema>, CreatedToken>(true);
agree<z.output<typeof JoinResultSchema>, JoinResult>(true);
agree<z.output<typeof AuditRecordSchema>, AuditRecord>(true);
agree<z.output<typeof NodeStreamEventSchema>, NodeStreamEvent>(true);
