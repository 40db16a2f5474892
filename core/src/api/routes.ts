// Every route of the API, once. Controllers register their handlers from these (@Route), and the
// OpenAPI document (docs/openapi.json, /docs-json) is built from them: a route cannot be served and
// missing from the document.
import { z } from 'zod';
import {
  DrainReport,
  AgentKeyResult,
  AnyManifestSchema,
  ApplyResultSchema,
  AuditRecordSchema,
  CertificateResult,
  ConfigManifest,
  CreatedTokenSchema,
  DRIVER_KINDS,
  DriverStateSchema,
  EndpointObject,
  EventSchema,
  ExecRequest,
  ExecResultSchema,
  HealthResult,
  invalid,
  JobManifest,
  JoinResultSchema,
  LogShipment,
  LogsStoredResult,
  NamespaceManifest,
  NodeLabelsUpdate,
  NodeRefResult,
  NodeEvents,
  NodeStatusReport,
  NodeStreamEventSchema,
  NodeUsageSchema,
  PodUsageSchema,
  RollbackRequest,
  RouteManifest,
  SecretManifest,
  ServiceManifest,
  TaskRunRequest,
  ServiceUpdate,
  TokenInfoSchema,
  VolumeManifest,
  type LbEvent,
  type NamespacedKind,
  wire,
} from '@lastbackend/sdk';
import { AdminRotateRequest, CertificateRequest, JoinRequest, TokenRequest } from '../auth/auth';
import { PodReports } from '../cluster/cluster';
import { ComponentList, ComponentView } from '../cluster/components';
import { NodeMetaRequest } from '../cluster/node-meta';
import { DriverGroupSwapRequest, DriverSwapRequest } from '../config/config';
import type { LeaderStatus } from '../ha/leader';
import { ApplyMapRequest, ApplyStatusSchema } from '../state/apply-map';
import { DeploymentRequest } from '../state/deployment-requests';
import type { Permission } from '../auth/permissions';
import { Readiness } from './readiness';
import { CLUSTER_EVENTS, keys, PREFIX, splitKey } from '../store/keys';

const CaStatusSchema = z
  .object({
    rotating: z.boolean().describe('a rotation is under way: both CAs are trusted'),
    ca_hash: z.string().describe('SHA-256 of the bundle /cacerts serves now'),
    current: z.string().describe('id (hash prefix) of the current CA'),
    next: z.string().optional().describe('id of the CA that replaces it'),
    nodes: z.array(z.object({ name: z.string(), on_new_ca: z.boolean() }).strict()).describe('nodes with a certificate, and whether it is from the CA that issues now'),
    pending: z.array(z.string()).describe('nodes still on an older CA\'s certificate'),
  })
  .strict();
import { eventFilter } from '../events/reader';
import { EXEC_PROTOCOL } from '../stream/frames';
import { ExecStreamQuery, PortForwardQuery } from '../stream/queries';
import { TCP_PROTOCOL } from '../stream/join';
import type { Named, RouteDef, WatchDef } from './route';

// The helpers keep each route's schema types (ROUTES.service.answer.json.schema is wire.ServiceView), so
// that a test can hold the client's types against them.
const KiB = 1024;
const MiB = 1024 * KiB;

const named = <S extends z.ZodType>(name: string, schema: S) => ({ name, schema });
const json = <N extends Named>(n: N) => ({ json: n });
const list = <N extends Named>(n: N) => ({ json: n, list: true as const });
const none = { none: true as const };
/** An agent's route: an admin, or the node's own credential for its own node. */
const NODE = { permission: 'cluster.admin', node: true } as const;

type RouteInput = Omit<RouteDef, 'status'> & Partial<Pick<RouteDef, 'status'>>;
const route = <D extends RouteInput>(d: D): D & RouteDef => ({ status: 'none' in d.answer ? 204 : 'notImplemented' in d.answer ? 501 : 'upgrade' in d.answer ? 101 : 200, ...d }) as D & RouteDef;

// ---------------------------------------------------------------- named schemas
// Objects answer in the wire format v1 (sdk/src/wire): the original's views with ours beside them. The
// answer's name picks the encoder (wire.encodeAnswer); the client decodes them back into the model.
const Namespace = named('Namespace', wire.NamespaceView);
const Service = named('Service', wire.ServiceView);
const Deployment = named('Deployment', wire.DeploymentView);
const Pod = named('Pod', wire.PodView);
const Endpoint = named('Endpoint', EndpointObject);
const Node = named('Node', wire.NodeView);
const DriverState = named('DriverState', DriverStateSchema);
const Event = named('Event', EventSchema);
const Task = named('Task', wire.TaskView);
export const TaskQuery = z.object({ job: z.string().optional().describe("only this job's tasks") });
/** The original's request.TaskCancelOptions: force changed nothing there either (a cancel is always a cancel). */
/** Cordon and drain take no options yet: the body may be absent or {}. */
const NodeOpOptions = z.object({}).strict();
const nodeOpBody = { ...named('NodeOpOptions', NodeOpOptions), invalid: 'invalid node operation', optional: true } as const;
const TaskCancelOptions = z.object({ force: z.boolean().optional().describe("the original's; a cancel here always ends the task") }).strict();
// One schema per name: the original's Ingress and Discovery views have one shape.
const COMPONENT_SCHEMAS = { Ingress: ComponentView, Discovery: ComponentView.describe('a discovery DNS') };
const Component = (n: keyof typeof COMPONENT_SCHEMAS) => named(n, COMPONENT_SCHEMAS[n]);
const COMPONENT_LISTS = { IngressList: ComponentList, DiscoveryList: ComponentList.describe('discovery DNS plugins by node name') };
const ComponentListSchema = (n: keyof typeof COMPONENT_LISTS) => named(n, COMPONENT_LISTS[n]);

export const LeaderStatusSchema = z
  .object({
    backend: z.enum(['level', 'etcd']),
    server: z.string().describe('this server'),
    leader: z.boolean(),
    leader_id: z.string().optional().describe('the server that leads now (as seen from here), when known'),
    since: z.string().optional().describe('when this server became the leader'),
  })
  .strict();
// The type is core's (ha/leader.ts): a field added there and not here fails the build.
const leaderAgrees: [LeaderStatus] extends [z.output<typeof LeaderStatusSchema>] ? ([z.output<typeof LeaderStatusSchema>] extends [LeaderStatus] ? true : false) : false = true;
void leaderAgrees;

// An unknown kind's error says what to apply instead (a Pod's names Service).
const AnyManifest = AnyManifestSchema;
/** What `apply` takes; the domain checks it manifest by manifest (errors name manifests.N.field). */
export const ApplyRequest = z.object({ manifests: z.array(AnyManifest).min(1).max(1000) }).strict();

const nodeParam = { node: z.string().describe('node name') };
const driverQuery = z.object({ node: z.string().optional().describe("the node whose drivers (default: the server's own)") });
export type DriverQuery = z.output<typeof driverQuery>;
export const LogsQuery = z.object({
  follow: z.enum(['true', 'false']).optional().describe('true: keep the stream open and send new lines'),
  tail: z.coerce.number({ error: 'must be a whole number ≥ 0' }).int('must be a whole number ≥ 0').min(0, 'must be a whole number ≥ 0').optional().describe('only the last N lines'),
  since: z.coerce.number({ error: 'must be unix seconds' }).refine(Number.isFinite, 'must be unix seconds').optional().describe('unix seconds'),
  pod: z.string().optional().describe('one pod of the service'),
  local: z.enum(['true', 'false']).optional().describe("true: this server's share only (what peers ask each other)"),
});

/** The original's JobLogsOptions as its client sent them (pod and container empty unless given). */
export const JobLogsQuery = LogsQuery.pick({ follow: true, tail: true, local: true }).extend({
  task: z.string().optional().describe('the task (default: the newest running, else the newest queued, else the newest ended)'),
  pod: z.string().optional().describe("the original's; only empty is taken (a task's lines are every attempt's)"),
  container: z.string().optional().describe("the original's; only empty is taken"),
});

export const EventQuery = z.object({
  for: z.string().optional().describe('KIND/NAME: service/NAME (its events and its pods\'), pod/NAME; on /event: node/NAME'),
  follow: z.enum(['true', 'false']).optional().describe('true: keep the stream open and send each event as it is written (new, or repeated: its count up)'),
});

export const StatsQuery = z.object({ service: z.string().optional().describe("only this service's pods") });

export const AuditQuery = z.object({
  since: z
    .string()
    .regex(/^(\d+(\.\d+)?|(\d+[smhd])+)$/i, 'must be unix seconds or a duration ago such as 90s, 10m, 1h or 2d')
    .optional()
    .describe('unix seconds, or a duration ago (1h)'),
  who: z.string().optional().describe('only calls by this caller (admin, node/NAME, a token name, anonymous)'),
  follow: z.enum(['true', 'false']).optional().describe('true: keep the stream open and send new records'),
});

const Health = named('Health', HealthResult);
const METRICS_TEXT = { text: 'text/plain; version=0.0.4; charset=utf-8', description: 'Prometheus text exposition format' };

// ---------------------------------------------------------------- what a watch of a list route streams
type Params = Record<string, string>;
const inNs = (p: Params) => ({ key: keys.namespace(p.ns), what: `namespace "${p.ns}"` });
const ofSvc = (p: Params) => ({ key: keys.service(p.ns, p.svc), what: `service "${p.svc}" in namespace "${p.ns}"` });
const watched = (item: Named, prefix: WatchDef['prefix'], more: Omit<WatchDef, 'item' | 'prefix'> = {}): WatchDef => ({ item, prefix, ...more });
const TokenInfo = named('TokenInfo', TokenInfoSchema);
/** A watch of events selects by ?for= as their list does; follow=true is the older way to the same stream. */
const eventSelect = (cluster: boolean) => (_: Params, q: URLSearchParams) => {
  if (q.get('follow') === 'true') throw invalid([{ field: 'follow', reason: 'watch=true already follows: use one of them' }], 'invalid query');
  const match = eventFilter(q.get('for') ?? undefined, cluster);
  return (o: unknown) => match(o as LbEvent);
};

/** GET /auth/whoami: who a token is, as the dashboard needs it to hide what the caller may not do. */
const WhoAmISchema = z
  .object({
    role: z.enum(['admin', 'deployer', 'viewer']).describe('what the token may do (lb token create --role)'),
    token: z.string().optional().describe("the token's id (absent for the cluster owner's token)"),
    description: z.string().optional(),
    namespaces: z.array(z.string()).optional().describe('the only namespaces it reaches (absent: all)'),
    expires: z.string().optional().describe('when it stops working (ISO 8601; absent for the owner\'s token)'),
  })
  .strict();
export const WatchTicketRequest = z
  .object({ path: z.string().startsWith('/', 'must be a list route path such as /namespace/demo/service').max(1024).optional().describe('the one list route the ticket may watch (default: any)') })
  .strict();
const WatchTicketSchema = z
  .object({
    ticket: z.string().describe('send as ?ticket= on one watch request; it works once'),
    expires: z.string().describe('when it stops working (ISO 8601)'),
  })
  .strict();

// ---------------------------------------------------------------- routes
export const ROUTES = {
  // system
  health: route({ method: 'GET', path: '/healthz', tag: 'system', summary: 'liveness of the API server, as /livez (no token needed)', permission: 'public', answer: json(Health) }),
  livez: route({ method: 'GET', path: '/livez', tag: 'system', summary: 'liveness: the process answers (no token needed)', permission: 'public', answer: json(Health) }),
  readyz: route({
    method: 'GET',
    path: '/readyz',
    tag: 'system',
    summary: 'readiness: the store answers, a leader is known, the drivers probe ready; 503 naming the failed checks when not (no token needed)',
    permission: 'public',
    answer: json(named('Readiness', Readiness)),
  }),
  metrics: route({
    method: 'GET',
    path: '/metrics',
    tag: 'system',
    summary: "Prometheus metrics of this server (and of its local agent), in the text exposition format; Prometheus sends a token with cluster read access as its bearer token",
    permission: 'cluster.read',
    answer: METRICS_TEXT,
  }),
  cacerts: route({
    method: 'GET',
    path: '/cacerts',
    tag: 'system',
    summary: 'the cluster CA bundle (PEM), which join tokens pin by its SHA-256 (no token needed; over TLS only)',
    permission: 'public',
    answer: { text: 'application/x-pem-file', description: 'PEM certificates' },
  }),

  // cluster
  cluster: route({ method: 'GET', path: '/cluster', permission: 'cluster.read', tag: 'cluster', summary: 'cluster totals', answer: json(named('Cluster', wire.ClusterView)) }),
  leader: route({ method: 'GET', path: '/cluster/leader', permission: 'cluster.read', tag: 'cluster', summary: 'which server leads (runs the controller and scheduler) and whether this one does', answer: json(named('LeaderStatus', LeaderStatusSchema)) }),
  createToken: route({
    method: 'POST',
    path: '/cluster/token',
    permission: 'token.manage',
    tag: 'cluster',
    summary: 'make a token: a join token (role node) or an API token with a role (admin, deployer, viewer) and namespaces; its secret is shown once',
    status: 201,
    body: { ...named('TokenRequest', TokenRequest), invalid: 'invalid token request' },
    answer: json(named('CreatedToken', CreatedTokenSchema)),
  }),
  tokens: route({ method: 'GET', path: '/cluster/token', permission: 'token.manage', tag: 'cluster', summary: 'live tokens: role, namespaces, expiry, and for join tokens uses left and node', answer: list(TokenInfo), watch: watched(TokenInfo, () => PREFIX.tokens) }),
  whoami: route({ method: 'GET', path: '/auth/whoami', permission: 'cluster.read', tag: 'cluster', summary: "who the calling token is: role, namespaces, id, description and expiry (never the secret); any API token may ask", answer: json(named('WhoAmI', WhoAmISchema)) }),
  rotateAdminToken: route({
    method: 'POST',
    path: '/cluster/admin-token/rotate',
    permission: 'token.manage',
    tag: 'cluster',
    summary: 'a new admin token, shown once; the current one keeps working for `grace` seconds, then is refused on every server',
    body: { ...named('AdminRotateRequest', AdminRotateRequest), invalid: 'invalid token rotation' },
    answer: json(named('AdminRotateResult', z.object({ token: z.string().describe('the new admin token, shown once'), previous_valid_until: z.string().describe('when the old one stops working (ISO 8601)') }).strict())),
  }),
  rotateSecretKey: route({
    method: 'POST',
    path: '/cluster/secret-key/rotate',
    permission: 'cluster.admin',
    tag: 'cluster',
    summary: 'seal every secret under a new key, online: both keys open until all is re-sealed, then the old key is dropped (a data-dir key only)',
    body: { ...named('SecretKeyRotateRequest', z.object({}).strict()), invalid: 'invalid secret key rotation' },
    answer: json(named('SecretKeyRotated', z.object({ key_id: z.string().describe('the new key\'s id (a hash prefix, not the key)'), resealed: z.number().int().describe('objects re-sealed') }).strict())),
  }),
  caStatus: route({
    method: 'GET',
    path: '/cluster/ca',
    permission: 'cluster.admin',
    tag: 'cluster',
    summary: 'the cluster CA: whether a rotation is under way, and which nodes hold a certificate from the CA that issues now',
    answer: json(named('CaStatus', CaStatusSchema)),
  }),
  rotateCa: route({
    method: 'POST',
    path: '/cluster/ca/rotate',
    permission: 'cluster.admin',
    tag: 'cluster',
    summary: 'start a CA rotation (or carry on with the one under way): a new CA beside the current one, both trusted; agents renew their certificates from the new one',
    body: { ...named('CaRotateRequest', z.object({}).strict()), invalid: 'invalid CA rotation' },
    answer: json(named('CaStatus', CaStatusSchema)),
  }),
  finishCaRotation: route({
    method: 'POST',
    path: '/cluster/ca/rotate/finish',
    permission: 'cluster.admin',
    tag: 'cluster',
    summary: 'drop the old CA once every node holds a certificate from the new one (`force`: drop it anyway; the nodes left must join again)',
    body: { ...named('CaFinishRequest', z.object({ force: z.boolean().optional().describe('drop the old CA even if nodes still hold its certificates') }).strict()), invalid: 'invalid CA rotation' },
    answer: json(
      named(
        'CaRotated',
        z.object({ ca_hash: z.string().describe('SHA-256 of the new bundle'), bundle: z.string().describe('the new CA bundle (PEM)'), cut_off: z.array(z.string()).describe('nodes a forced finish cut off') }).strict(),
      ),
    ),
  }),
  revokeToken: route({ method: 'DELETE', path: '/cluster/token/:id', permission: 'token.manage', tag: 'cluster', summary: 'revoke a token at once (nodes that joined with a join token keep their credentials)', answer: none }),
  join: route({
    method: 'POST',
    path: '/cluster/join',
    tag: 'agent',
    summary: 'join a node with a join token: its credential and, over TLS, its certificate',
    permission: 'join',
    status: 201,
    body: { ...named('JoinRequest', JoinRequest), invalid: 'invalid join request' },
    answer: json(named('JoinResult', JoinResultSchema)),
  }),
  nodes: route({ method: 'GET', path: '/cluster/node', permission: 'cluster.read', tag: 'cluster', summary: 'list nodes, by name (the original\'s NodeList)', answer: json(named('NodeList', wire.NodeListView)), watch: watched(Node, () => PREFIX.nodes) }),
  node: route({ method: 'GET', path: '/cluster/node/:node', permission: 'cluster.read', tag: 'cluster', summary: 'get a node', node: true, params: nodeParam, answer: json(Node) }),
  nodeMetrics: route({
    method: 'GET',
    path: '/cluster/node/:node/metrics',
    permission: 'cluster.read',
    tag: 'cluster',
    summary: "Prometheus metrics of a node's agent (driver calls and health, container restarts, its pods by phase), fetched from the agent over mutual TLS",
    params: nodeParam,
    answer: METRICS_TEXT,
  }),
  deleteNode: route({ method: 'DELETE', path: '/cluster/node/:node', permission: 'cluster.admin', tag: 'cluster', summary: 'remove a node and its credential; its pods are placed again elsewhere', params: nodeParam, answer: none }),
  agentKey: route({
    method: 'GET',
    path: '/cluster/node/:node/agent-key',
    tag: 'agent',
    summary: "over plain HTTP: the key this cluster's servers present to the node's agent",
    ...NODE,
    audit: false,
    params: nodeParam,
    answer: json(named('AgentKey', AgentKeyResult)),
  }),
  certificate: route({
    method: 'POST',
    path: '/cluster/node/:node/certificate',
    tag: 'agent',
    summary: "a node's new certificate for its new key (renewal)",
    permission: 'node.self',
    node: true,
    params: nodeParam,
    body: { ...named('CertificateRequest', CertificateRequest), invalid: 'invalid certificate request' },
    answer: json(named('Certificate', CertificateResult)),
  }),
  labelNode: route({
    method: 'PUT',
    path: '/cluster/node/:node/labels',
    permission: 'cluster.admin',
    tag: 'cluster',
    summary: "change a node's labels: set adds or changes keys, remove drops them",
    params: nodeParam,
    body: { ...named('NodeLabelsUpdate', NodeLabelsUpdate), invalid: 'invalid label change' },
    answer: json(Node),
  }),
  cordonNode: route({ method: 'POST', path: '/cluster/node/:node/cordon', permission: 'cluster.admin', tag: 'cluster', summary: 'cordon a node: no new pod is placed on it', params: nodeParam, body: nodeOpBody, answer: json(Node) }),
  uncordonNode: route({
    method: 'DELETE',
    path: '/cluster/node/:node/cordon',
    permission: 'cluster.admin',
    tag: 'cluster',
    summary: 'uncordon a node: pods may be placed on it again, and a drain in progress stops (its pods stay)',
    params: nodeParam,
    answer: json(Node),
  }),
  drainNode: route({
    method: 'POST',
    path: '/cluster/node/:node/drain',
    permission: 'cluster.admin',
    tag: 'cluster',
    summary: "drain a node: cordon it and move its services' pods elsewhere, each replacement ready before the old pod stops; safe to repeat; answers where it stands",
    params: nodeParam,
    body: nodeOpBody,
    answer: json(named('DrainReport', DrainReport)),
  }),
  drainStatus: route({ method: 'GET', path: '/cluster/node/:node/drain', permission: 'cluster.read', tag: 'cluster', summary: "where a node's drain stands: each pod still on it and what holds it", params: nodeParam, answer: json(named('DrainReport', DrainReport)) }),
  nodeMeta: route({
    method: 'PUT',
    path: '/cluster/node/:node/meta',
    permission: 'cluster.admin',
    tag: 'cluster',
    summary: "the original's node update: description and the whole set of labels (host facts are the agent's to report)",
    params: nodeParam,
    body: { ...named('NodeMetaRequest', NodeMetaRequest), invalid: 'invalid node meta' },
    answer: json(Node),
  }),
  reportNode: route({
    method: 'PUT',
    path: '/cluster/node/:node/status',
    tag: 'agent',
    summary: 'heartbeat and node status',
    ...NODE,
    audit: false, // an agent's routine traffic
    params: nodeParam,
    body: { ...named('NodeStatusReport', NodeStatusReport), invalid: 'invalid node status' },
    answer: json(Node),
  }),
  nodeRef: route({
    method: 'GET',
    path: '/cluster/node/:node/ref/:kind/:ns/:name',
    tag: 'agent',
    summary: 'values of a secret or config that a pod of this node uses',
    ...NODE,
    audit: true, // secret values leave the server: once per pod start on a node, never a flood
    params: { ...nodeParam, kind: z.enum(['secret', 'config']) },
    answer: json(named('NodeRef', NodeRefResult)),
  }),
  shipLogs: route({
    method: 'POST',
    path: '/cluster/node/:node/logs',
    tag: 'agent',
    summary: "the log collector's intake: lines of this node's pods, all or none",
    ...NODE,
    audit: false,
    params: nodeParam,
    body: { ...named('LogShipment', LogShipment), invalid: 'invalid log shipment' },
    // Its log shipper sends at most LOG_SHIPMENT_BYTES.
    bodyLimit: 4 * MiB,
    answer: json(named('LogsStored', LogsStoredResult)),
  }),
  reportPods: route({
    method: 'PUT',
    path: '/cluster/node/:node/pod',
    tag: 'agent',
    summary: "status of the node's pods (reports for pods bound elsewhere are ignored)",
    ...NODE,
    audit: false,
    params: nodeParam,
    body: { ...named('PodReports', PodReports), invalid: 'invalid pod status report' },
    bodyLimit: 4 * MiB,
    answer: none,
  }),
  reportEvents: route({
    method: 'POST',
    path: '/cluster/node/:node/events',
    tag: 'agent',
    summary: "events of the node's own pods (its agent) and of the node itself (its kernel); one about anything else refuses the batch",
    ...NODE,
    audit: false,
    params: nodeParam,
    body: { ...named('NodeEvents', NodeEvents), invalid: 'invalid events' },
    bodyLimit: 2 * MiB,
    answer: none,
  }),
  nodeStream: route({
    method: 'GET',
    path: '/cluster/node/:node/stream',
    tag: 'agent',
    summary: "what the node must run: a snapshot of its pods, then every change, the overlay map and the service table",
    ...NODE,
    audit: false,
    params: nodeParam,
    answer: { ndjson: named('NodeStreamEvent', NodeStreamEventSchema) },
  }),

  // drivers
  drivers: route({ method: 'GET', path: '/cluster/driver', permission: 'cluster.read', tag: 'driver', summary: "a node's drivers (the server's own, or ?node=)", query: driverQuery, answer: list(DriverState) }),
  swapDrivers: route({
    method: 'PUT',
    path: '/cluster/driver',
    permission: 'cluster.admin',
    tag: 'driver',
    summary: 'swap several kinds to one package, all or none (a runtime with its image service)',
    query: driverQuery,
    body: { ...named('DriverGroupSwapRequest', DriverGroupSwapRequest), invalid: 'invalid driver swap' },
    answer: list(DriverState),
  }),
  swapDriver: route({
    method: 'PUT',
    path: '/cluster/driver/:kind',
    permission: 'cluster.admin',
    tag: 'driver',
    summary: 'swap the driver of a kind, hot: workloads keep running',
    params: { kind: z.enum(DRIVER_KINDS) },
    query: driverQuery,
    body: { ...named('DriverSwapRequest', DriverSwapRequest), invalid: 'invalid driver swap' },
    answer: json(DriverState),
  }),

  // namespaces
  namespaces: route({ method: 'GET', path: '/namespace', permission: 'namespace.read', tag: 'namespace', summary: 'list namespaces', answer: list(Namespace), watch: watched(Namespace, () => PREFIX.namespaces, { namespaceOf: (key) => splitKey(key).ns }) }),
  createNamespace: route({
    method: 'POST',
    path: '/namespace',
    permission: 'namespace.manage',
    tag: 'namespace',
    summary: 'create a namespace',
    status: 201,
    body: { ...named('NamespaceManifest', NamespaceManifest), invalid: 'invalid namespace' },
    answer: json(Namespace),
  }),
  namespace: route({ method: 'GET', path: '/namespace/:ns', permission: 'namespace.read', tag: 'namespace', summary: 'get a namespace', answer: json(Namespace) }),
  updateNamespace: route({
    method: 'PUT',
    path: '/namespace/:ns',
    permission: 'namespace.manage',
    tag: 'namespace',
    summary: 'update a namespace',
    body: { ...named('NamespaceManifest', NamespaceManifest), invalid: 'invalid namespace' },
    answer: json(Namespace),
  }),
  deleteNamespace: route({ method: 'DELETE', path: '/namespace/:ns', permission: 'namespace.manage', tag: 'namespace', summary: 'delete a namespace and everything in it', answer: none }),
  apply: route({
    method: 'POST',
    path: '/namespace/:ns/apply',
    permission: 'namespace.write',
    tag: 'namespace',
    summary: 'create or update many objects, all or nothing',
    body: { ...named('ApplyRequest', ApplyRequest), invalid: 'invalid manifest' },
    // A multi-document manifest: services, secrets and configs with file contents.
    bodyLimit: 8 * MiB,
    answer: list(named('ApplyResult', ApplyResultSchema)),
  }),
  applyMap: route({
    method: 'PUT',
    path: '/namespace/:ns/apply',
    permission: 'namespace.write',
    tag: 'namespace',
    summary: "the original's apply: manifests in maps by kind and name, all or nothing; answers which were provisioned",
    body: { ...named('ApplyMapRequest', ApplyMapRequest), invalid: 'invalid manifest' },
    bodyLimit: 8 * MiB,
    answer: json(named('ApplyStatus', ApplyStatusSchema)),
  }),

  // services
  services: route({ method: 'GET', path: '/namespace/:ns/service', permission: 'namespace.read', tag: 'service', summary: 'list services', answer: list(Service), watch: watched(Service, (p) => keys.service(p.ns), { requires: (p) => [inNs(p)] }) }),
  createService: route({
    method: 'POST',
    path: '/namespace/:ns/service',
    permission: 'namespace.write',
    tag: 'service',
    summary: 'create a service',
    status: 201,
    body: { ...named('ServiceManifest', ServiceManifest), invalid: 'invalid service' },
    answer: json(Service),
  }),
  service: route({ method: 'GET', path: '/namespace/:ns/service/:svc', permission: 'namespace.read', tag: 'service', summary: 'get a service', answer: json(Service) }),
  updateService: route({
    method: 'PUT',
    path: '/namespace/:ns/service/:svc',
    permission: 'namespace.write',
    tag: 'service',
    summary: 'update a service: replicas scale in place, a template change rolls out a new version',
    body: { ...named('ServiceUpdate', ServiceUpdate), invalid: 'invalid service update' },
    answer: json(Service),
  }),
  deleteService: route({ method: 'DELETE', path: '/namespace/:ns/service/:svc', permission: 'namespace.write', tag: 'service', summary: 'delete a service, its deployments and pods', answer: none }),
  rollback: route({
    method: 'POST',
    path: '/namespace/:ns/service/:svc/rollback',
    permission: 'namespace.write',
    tag: 'service',
    summary: 'bring an earlier version back as a new one (default: the one before the active)',
    body: { ...named('RollbackRequest', RollbackRequest), invalid: 'invalid rollback' },
    answer: json(Service),
  }),
  deployments: route({ method: 'GET', path: '/namespace/:ns/service/:svc/deployment', permission: 'namespace.read', tag: 'service', summary: 'deployments (versions) of a service', answer: list(Deployment), watch: watched(Deployment, (p) => keys.deployment(p.ns, p.svc), { requires: (p) => [inNs(p), ofSvc(p)] }) }),
  deployment: route({ method: 'GET', path: '/namespace/:ns/service/:svc/deployment/:d', permission: 'namespace.read', tag: 'service', summary: 'get a deployment', answer: json(Deployment) }),
  createDeployment: route({
    method: 'POST',
    path: '/namespace/:ns/service/:svc/deployment',
    permission: 'namespace.write',
    tag: 'service',
    summary: 'a new template for the service: the controller rolls it out as the next deployment, which this answers (not stored yet)',
    status: 202,
    body: { ...named('DeploymentRequest', DeploymentRequest), invalid: 'invalid deployment' },
    answer: json(Deployment),
  }),
  updateDeployment: route({
    method: 'PUT',
    path: '/namespace/:ns/service/:svc/deployment/:d',
    permission: 'namespace.write',
    tag: 'service',
    summary: 'the active (or rolling-out) deployment: replicas scale the service, a template rolls out a new version; an older one is refused (rollback)',
    body: { ...named('DeploymentRequest', DeploymentRequest), invalid: 'invalid deployment' },
    answer: json(Deployment),
  }),
  deleteDeployment: route({
    method: 'DELETE',
    path: '/namespace/:ns/service/:svc/deployment/:d',
    permission: 'namespace.write',
    tag: 'service',
    summary: 'refused: the controller removes deployments (409 for the serving one, 501 for one kept for rollback); the error says what to do',
    answer: none,
  }),
  deploymentPods: route({
    method: 'GET',
    path: '/namespace/:ns/service/:svc/deployment/:d/pod',
    permission: 'namespace.read',
    tag: 'service',
    summary: 'pods of a deployment',
    answer: list(Pod),
    watch: watched(Pod, (p) => keys.pod(p.ns), {
      requires: (p) => [inNs(p), ofSvc(p), { key: keys.deployment(p.ns, p.svc, p.d), what: `deployment "${p.d}" of service "${p.svc}" in namespace "${p.ns}"` }],
      filter: (o, p) => o.meta.service === p.svc && o.meta.deployment === p.d,
    }),
  }),
  servicePods: route({
    method: 'GET',
    path: '/namespace/:ns/service/:svc/pod',
    permission: 'namespace.read',
    tag: 'service',
    summary: 'pods of a service',
    answer: list(Pod),
    watch: watched(Pod, (p) => keys.pod(p.ns), { requires: (p) => [inNs(p), ofSvc(p)], filter: (o, p) => o.meta.service === p.svc }),
  }),
  serviceLogs: route({
    method: 'GET',
    path: '/namespace/:ns/service/:svc/logs',
    permission: 'logs.read',
    tag: 'service',
    summary: 'log lines of all pods (or one), in time order; follows with follow=true',
    query: LogsQuery,
    audit: true, // a sensitive read: what a service logs may hold what its secrets do
    answer: { ndjson: named('LogMessage', wire.LogMessageView) },
  }),

  // pods
  pods: route({ method: 'GET', path: '/namespace/:ns/pod', permission: 'namespace.read', tag: 'pod', summary: 'pods of a namespace', answer: list(Pod), watch: watched(Pod, (p) => keys.pod(p.ns), { requires: (p) => [inNs(p)] }) }),
  pod: route({ method: 'GET', path: '/namespace/:ns/pod/:pod', permission: 'namespace.read', tag: 'pod', summary: 'get a pod', answer: json(Pod) }),
  exec: route({
    method: 'POST',
    path: '/namespace/:ns/pod/:pod/exec',
    permission: 'namespace.exec',
    tag: 'pod',
    summary: 'run a command in a container of the pod (output bounded)',
    body: { ...named('ExecRequest', ExecRequest), invalid: 'invalid exec request' },
    answer: json(named('ExecResult', ExecResultSchema)),
  }),
  execStream: route({
    method: 'POST',
    path: '/namespace/:ns/pod/:pod/exec/stream',
    permission: 'namespace.exec',
    tag: 'pod',
    summary: 'an interactive command in a container of the pod (lb exec -i/-t): stdin, a tty, resizes, the exit code, unbounded output',
    query: ExecStreamQuery,
    audit: true, // as POST /exec: who ran a command where
    answer: {
      upgrade: EXEC_PROTOCOL,
      description:
        'then frames both ways, each a type byte, a 4-byte big-endian length and the payload: 0 stdin, 4 end of stdin, 3 resize (cols, rows: uint16 each) from the client; 1 stdout, 2 stderr, and last 5 exit ({exitCode} or {error: {reason, message}}, JSON) from the server',
    },
  }),
  portForward: route({
    method: 'POST',
    path: '/namespace/:ns/pod/:pod/port-forward',
    permission: 'namespace.exec',
    tag: 'pod',
    summary: "a TCP connection to a port of the pod, on the pod's own address (lb port-forward): one upgraded connection per TCP connection",
    query: PortForwardQuery,
    audit: true,
    answer: { upgrade: TCP_PROTOCOL, description: "then the connection's bytes as they are, both ways; either end closing closes the other" },
  }),
  events: route({
    method: 'GET',
    path: '/namespace/:ns/event',
    permission: 'namespace.read',
    tag: 'event',
    summary: "a namespace's events (services and pods), oldest first (NDJSON); ?for=service/NAME or pod/NAME; follows with follow=true, or is watched with watch=true as a list route (a repeat counted up is MODIFIED, an expired event DELETED)",
    query: EventQuery,
    answer: { ndjson: Event },
    watch: watched(Event, (p) => keys.event(p.ns), { requires: (p) => [inNs(p)], select: eventSelect(false) }),
  }),
  clusterEvents: route({
    method: 'GET',
    path: '/event',
    permission: 'cluster.read',
    tag: 'event',
    summary: "the cluster's events (nodes, their drivers), never a namespace's, oldest first (NDJSON); ?for=node/NAME; follows with follow=true, or is watched with watch=true as a list route",
    query: EventQuery,
    answer: { ndjson: Event },
    watch: watched(Event, () => keys.event(CLUSTER_EVENTS), { select: eventSelect(true) }),
  }),
  endpoints: route({ method: 'GET', path: '/namespace/:ns/endpoint', permission: 'namespace.read', tag: 'service', summary: 'service endpoints (ready pod addresses)',
    answer: list(Endpoint),
    watch: watched(Endpoint, (p) => keys.endpoint(p.ns), { requires: (p) => [inNs(p)] }),
  }),

  // the original's components: ingress (run by `lb server`) and discovery (a plugin of each node's agent)
  // the audit trail
  audit: route({
    method: 'GET',
    path: '/audit',
    permission: 'cluster.admin',
    tag: 'cluster',
    summary: 'the audit trail: every change and sensitive read, who made it, from where, and its outcome (NDJSON; follows with follow=true)',
    query: AuditQuery,
    answer: { ndjson: named('AuditRecord', AuditRecordSchema) },
  }),

  // snapshots of the whole state (snapshot/format.ts)
  snapshot: route({
    method: 'GET',
    path: '/cluster/snapshot',
    permission: 'cluster.admin',
    tag: 'cluster',
    summary:
      'a snapshot of the whole state at one revision (synced writes only), as `lb snapshot save` writes it: a header, one [key, JSON text] line per object, a trailer with a checksum; secrets stay sealed, the key that seals them is not in it',
    audit: true, // the whole state leaves the server
    answer: { ndjson: named('SnapshotLine', z.unknown()) },
  }),

  // watches (?watch=true on the list routes, api/watch/watch.ts)
  watchTicket: route({
    method: 'POST',
    path: '/watch/ticket',
    permission: 'namespace.read',
    tag: 'watch',
    summary:
      "a ticket that opens one watch (GET <list>?watch=true&ticket=…) within 60 s, as this token (its role and namespaces), on any server of the cluster (tickets are kept in the shared store): for a client that cannot send headers (a browser's EventSource), since a bearer token never goes into a URL",
    status: 201,
    body: { ...named('WatchTicketRequest', WatchTicketRequest), invalid: 'invalid watch ticket request' },
    answer: json(named('WatchTicket', WatchTicketSchema)),
  }),

  // resource use (lb top): sampled by the nodes' agents from the runtime's stats
  podStats: route({
    method: 'GET',
    path: '/namespace/:ns/pod/:pod/stats',
    permission: 'namespace.read',
    tag: 'stats',
    summary: "a pod's CPU (millicores, a rate over the agent's last two samples) and memory (bytes), per running container, from its node's agent",
    answer: json(named('PodUsage', PodUsageSchema)),
  }),
  namespaceStats: route({
    method: 'GET',
    path: '/namespace/:ns/stats',
    permission: 'namespace.read',
    tag: 'stats',
    summary: "CPU and memory of the namespace's pods (?service=NAME: of one service); a pod whose node cannot be asked has no numbers and a message",
    query: StatsQuery,
    answer: list(named('PodUsage', PodUsageSchema)),
  }),
  nodeStats: route({
    method: 'GET',
    path: '/cluster/stats',
    permission: 'cluster.read',
    tag: 'stats',
    summary: "each node's CPU and memory used by its containers, beside its capacity and what its pods request",
    answer: list(named('NodeUsage', NodeUsageSchema)),
  }),

  ingresses: route({ method: 'GET', path: '/ingress', permission: 'cluster.read', tag: 'component', summary: 'where the ingress runs: this server, and nodes that report it, by name', answer: json(ComponentListSchema('IngressList')) }),
  ingress: route({ method: 'GET', path: '/ingress/:name', permission: 'cluster.read', tag: 'component', summary: 'one ingress, by server or node name', answer: json(Component('Ingress')) }),
  discoveries: route({ method: 'GET', path: '/discovery', permission: 'cluster.read', tag: 'component', summary: 'nodes whose agent runs the discovery DNS plugin, by name', answer: json(ComponentListSchema('DiscoveryList')) }),
  discovery: route({ method: 'GET', path: '/discovery/:name', permission: 'cluster.read', tag: 'component', summary: 'the discovery DNS of one node', answer: json(Component('Discovery')) }),

  // tasks: runs of a job (jobs/); the job itself is an object (OBJECT_ROUTES.job)
  runJob: route({
    method: 'POST',
    path: '/namespace/:ns/job/:job/task',
    permission: 'namespace.write',
    tag: 'job',
    summary: "start a run of a job: a task, queued, with optional env overrides (the body may be {}); 409 at its concurrency limit with strategy skip, 412 when the job is disabled",
    status: 201,
    body: { ...named('TaskRunRequest', TaskRunRequest), invalid: 'invalid task run', optional: true },
    answer: json(Task),
  }),
  jobTasks: route({
    method: 'GET',
    path: '/namespace/:ns/job/:job/task',
    permission: 'namespace.read',
    tag: 'job',
    summary: 'tasks of a job, oldest first',
    answer: list(Task),
    watch: watched(Task, (p) => keys.task(p.ns), { requires: (p) => [inNs(p), { key: keys.object('job', p.ns, p.job), what: `job "${p.job}" in namespace "${p.ns}"` }], filter: (o, p) => o.meta.job === p.job }),
  }),
  tasks: route({
    method: 'GET',
    path: '/namespace/:ns/task',
    permission: 'namespace.read',
    tag: 'job',
    summary: 'tasks of a namespace (?job=NAME: of one job), oldest first',
    query: TaskQuery,
    answer: list(Task),
    watch: watched(Task, (p) => keys.task(p.ns), { requires: (p) => [inNs(p)], select: (_, q) => (o) => !q.get('job') || (o as { meta: { job: string } }).meta.job === q.get('job') }),
  }),
  task: route({ method: 'GET', path: '/namespace/:ns/task/:task', permission: 'namespace.read', tag: 'job', summary: 'get a task: state, attempt, exit codes per container, start and finish', answer: json(Task) }),
  cancelTask: route({
    method: 'PUT',
    path: '/namespace/:ns/task/:task/cancel',
    permission: 'namespace.write',
    tag: 'job',
    summary: 'cancel a task: the job controller removes its pod and marks it cancelled (a finished task is left as it is); answers the task',
    body: { ...named('TaskCancelRequest', z.object({}).strict().describe('nothing yet: an empty object')), invalid: 'invalid task cancel' },
    answer: json(Task),
  }),
  taskLogs: route({
    method: 'GET',
    path: '/namespace/:ns/task/:task/logs',
    permission: 'logs.read',
    tag: 'job',
    summary: "log lines of a task's pods (every attempt), in time order; kept after its containers are gone (as long as the log collector keeps lines); follows with follow=true",
    query: LogsQuery.pick({ follow: true, tail: true, local: true }),
    audit: true,
    answer: { ndjson: named('LogMessage', wire.LogMessageView) },
  }),
  // the original's task routes (pkg/api/http/task): a task by its job's path, as its client calls them
  jobTask: route({ method: 'GET', path: '/namespace/:ns/job/:job/task/:task', permission: 'namespace.read', tag: 'job', summary: "get a task of the job (the original's path; GET /namespace/{ns}/task/{task} is the same)", answer: json(Task) }),
  cancelJobTask: route({
    method: 'PUT',
    path: '/namespace/:ns/job/:job/task/:task',
    permission: 'namespace.write',
    tag: 'job',
    summary: "cancel a task of the job (the original's TaskCancel; its body request.TaskCancelOptions {force} changes nothing here): answers the task",
    body: { ...named('TaskCancelOptions', TaskCancelOptions), invalid: 'invalid task cancel', optional: true },
    answer: json(Task),
  }),
  cancelJobTaskPost: route({
    method: 'POST',
    path: '/namespace/:ns/job/:job/task/:task',
    permission: 'namespace.write',
    tag: 'job',
    summary: "cancel a task of the job, as the original's client sent it (its TaskClient.Cancel POSTs where its server took PUT): answers the task",
    body: { ...named('TaskCancelOptions', TaskCancelOptions), invalid: 'invalid task cancel', optional: true },
    answer: json(Task),
  }),
  removeJobTask: route({
    method: 'DELETE',
    path: '/namespace/:ns/job/:job/task/:task',
    permission: 'namespace.write',
    tag: 'job',
    summary: "remove a finished task of the job (the original's TaskRemove): answers the task as it was; 409 for one not yet ended (cancel it first)",
    answer: json(Task),
  }),
  jobTaskLogs: route({
    method: 'GET',
    path: '/namespace/:ns/job/:job/task/:task/logs',
    permission: 'logs.read',
    tag: 'job',
    summary: "log lines of a task of the job (the original's path; GET /namespace/{ns}/task/{task}/logs is the same)",
    query: LogsQuery.pick({ follow: true, tail: true, local: true }),
    audit: true,
    answer: { ndjson: named('LogMessage', wire.LogMessageView) },
  }),
  jobLogs: route({
    method: 'GET',
    path: '/namespace/:ns/job/:job/logs',
    permission: 'logs.read',
    tag: 'job',
    summary: "log lines of one task of the job (the original's JobLogs): ?task=NAME, else the newest running one, else the newest queued, else the newest ended",
    query: JobLogsQuery,
    audit: true,
    answer: { ndjson: named('LogMessage', wire.LogMessageView) },
  }),
};

// ---------------------------------------------------------------- the original's routes that answer 501
// Each names what replaces it here, or the capability that will bring it.
const NODE_JOINS =
  'a node joins with a join token (`lb token create --role node`, then its agent calls POST /cluster/join), reports with PUT /cluster/node/{node}/status and follows GET /cluster/node/{node}/stream';
const INGRESS_RUNS = '`lb server` runs the ingress itself (ingress.enabled and ingress.plugin in its config): it does not register; GET /ingress lists where it runs';
const DISCOVERY_RUNS =
  "discovery runs as a plugin of every node's agent (discovery.enabled and discovery.plugin in its config) and is reported in its node's status: it does not register; GET /discovery lists where it runs";
const NO_EXPORTER =
  "there is no exporter component: each node's agent ships its pods' log lines to the API servers' log collector (POST /cluster/node/{node}/logs); read them with `lb logs` (GET /namespace/{ns}/service/{svc}/logs)";
const NO_EVENTS = "the original's event stream is not served: read events with GET /namespace/{ns}/event and GET /event (`lb events`, follow=true to follow)";

const unserved = (method: RouteDef['method'], path: string, permission: Permission, tag: string, summary: string, message: string) =>
  route({ method, path, permission, tag, summary: `${summary} (the original's; answers 501: ${message})`, answer: { notImplemented: message } });

export const NOT_IMPLEMENTED_ROUTES = {
  nodeConnect: unserved('PUT', '/cluster/node/:node', 'cluster.admin', 'agent', "the original agent's registration", NODE_JOINS),
  nodeSpec: unserved('GET', '/cluster/node/:node/spec', 'cluster.read', 'agent', "what the original agent fetched to run", 'a node follows GET /cluster/node/{node}/stream: a snapshot of its pods, then every change, the overlay map and the service table'),
  ingressConnect: unserved('PUT', '/ingress/:name', 'cluster.admin', 'component', "the original ingress's registration", INGRESS_RUNS),
  ingressStatus: unserved('PUT', '/ingress/:name/status', 'cluster.admin', 'component', "the original ingress's status report", INGRESS_RUNS),
  ingressRemove: unserved('DELETE', '/ingress/:name', 'cluster.admin', 'component', 'remove an ingress', `${INGRESS_RUNS}; set ingress.enabled to false to stop it`),
  discoveryConnect: unserved('PUT', '/discovery/:name', 'cluster.admin', 'component', "the original discovery's registration", DISCOVERY_RUNS),
  discoveryStatus: unserved('PUT', '/discovery/:name/status', 'cluster.admin', 'component', "the original discovery's status report", DISCOVERY_RUNS),
  discoveryRemove: unserved('DELETE', '/discovery/:name', 'cluster.admin', 'component', 'remove a discovery', `${DISCOVERY_RUNS}; set discovery.enabled to false to stop it`),
  exporters: unserved('GET', '/exporter', 'cluster.read', 'component', 'list exporters', NO_EXPORTER),
  exporter: unserved('GET', '/exporter/:name', 'cluster.read', 'component', 'get an exporter', NO_EXPORTER),
  exporterConnect: unserved('PUT', '/exporter/:name', 'cluster.admin', 'component', "the original exporter's registration", NO_EXPORTER),
  exporterStatus: unserved('PUT', '/exporter/:name/status', 'cluster.admin', 'component', "the original exporter's status report", NO_EXPORTER),
  exporterRemove: unserved('DELETE', '/exporter/:name', 'cluster.admin', 'component', 'remove an exporter', NO_EXPORTER),
  events: unserved('GET', '/events', 'cluster.admin', 'events', 'subscribe to events', NO_EVENTS),
};

// ---------------------------------------------------------------- secrets, configs, volumes, routes: one shape of CRUD
const OBJECTS = {
  // A secret or a config carries whole files.
  secret: { manifest: named('SecretManifest', SecretManifest), object: named('Secret', wire.SecretView), invalid: 'invalid secret', bodyLimit: 2 * MiB },
  config: { manifest: named('ConfigManifest', ConfigManifest), object: named('Config', wire.ConfigView), invalid: 'invalid config', bodyLimit: 2 * MiB },
  volume: { manifest: named('VolumeManifest', VolumeManifest), object: named('Volume', wire.VolumeView), invalid: 'invalid volume', bodyLimit: undefined },
  route: { manifest: named('RouteManifest', RouteManifest), object: named('Route', wire.RouteView), invalid: 'invalid route', bodyLimit: undefined },
  job: { manifest: named('JobManifest', JobManifest), object: named('Job', wire.JobView), invalid: 'invalid job', bodyLimit: undefined },
} satisfies Record<NamespacedKind, unknown>;

function objectRoutes<K extends NamespacedKind>(kind: K) {
  const o = OBJECTS[kind];
  const body = { ...o.manifest, invalid: o.invalid };
  const base = `/namespace/:ns/${kind}`;
  return {
    // A secret's values are masked in answers; who read which secret is still recorded.
    list: route({ method: 'GET', path: base, permission: 'namespace.read', tag: kind, summary: `list ${kind}s`, answer: list(o.object),
      audit: kind === 'secret',
      watch: watched(o.object, (p) => keys.object(kind, p.ns), { requires: (p) => [inNs(p)] }),
    }),
    create: route({ method: 'POST', path: base, permission: 'namespace.write', tag: kind, summary: `create a ${kind}`, status: 201, body, bodyLimit: o.bodyLimit, answer: json(o.object) }),
    get: route({ method: 'GET', path: `${base}/:name`, permission: 'namespace.read', tag: kind, summary: `get a ${kind}`, answer: json(o.object), audit: kind === 'secret' }),
    replace: route({ method: 'PUT', path: `${base}/:name`, permission: 'namespace.write', tag: kind, summary: `replace a ${kind}`, body, bodyLimit: o.bodyLimit, answer: json(o.object) }),
    remove: route({ method: 'DELETE', path: `${base}/:name`, permission: 'namespace.write', tag: kind, summary: `delete a ${kind}`, answer: none }),
  };
}

export const OBJECT_KINDS = Object.keys(OBJECTS) as NamespacedKind[];
export const OBJECT_ROUTES = Object.fromEntries(OBJECT_KINDS.map((k) => [k, objectRoutes(k)])) as { [K in NamespacedKind]: ReturnType<typeof objectRoutes<K>> };

/** Every route definition. */
export function allRoutes(): RouteDef[] {
  return [...Object.values(ROUTES), ...OBJECT_KINDS.flatMap((k) => Object.values(OBJECT_ROUTES[k])), ...Object.values(NOT_IMPLEMENTED_ROUTES)];
}
