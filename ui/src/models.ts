// The parts of the API's wire objects the pages read (docs/openapi.json has them whole).
export interface Resources {
  cpu_millicores: number;
  ram_bytes: number;
  pods: number;
}
export interface NodeView {
  meta: { name: string; hostname: string };
  status: { phase: 'ready' | 'not-ready' | 'offline'; capacity: Resources; allocated: Resources };
}
export interface ServiceView {
  meta: { name: string; namespace: string };
  status: { state: string; message: string; replicas: { desired: number; ready: number } };
}
export interface NamespaceView {
  meta: { name: string };
  spec: { resources?: { limits?: Partial<Record<string, string>> } };
  status: { state: string; resources?: { used: Record<string, number> } };
}
export interface EventView {
  meta: { name: string; namespace?: string };
  object: { kind: string; namespace?: string; name: string };
  type: string;
  reason: string;
  message: string;
  count: number;
  last_seen: string;
}

export const mib = (bytes: number): string => `${Math.round(bytes / 1048576)} MiB`;
export const cores = (milli: number): string => `${(milli / 1000).toFixed(milli % 1000 ? 2 : 0)} CPU`;

// ---- Nodes, Drivers and Events pages (ui-cluster)
/** A driver of a node as its agent reports it (GET /cluster/driver, and each node's status.drivers). */
export interface DriverStateView {
  kind: string;
  package: string;
  version: string;
  state: 'ready' | 'initialising' | 'error' | 'absent' | 'retired';
  message: string;
  isolation?: 'in-process' | 'process';
  pid?: number;
  restarts?: number;
}
/** A node as GET /cluster/node answers (and watches) it: the fields the Nodes and Drivers pages show. */
export interface NodeDetailView {
  meta: {
    name: string;
    hostname: string;
    os_name: string;
    architecture: string;
    ip: { external: string; internal: string };
    cidr: string;
    version: string;
    labels?: Record<string, string>;
    created?: string;
  };
  spec: { unschedulable: boolean };
  status: {
    phase: 'ready' | 'not-ready' | 'offline';
    online?: boolean;
    heartbeat?: string;
    addresses?: string[];
    capacity: Resources;
    allocated: Resources;
    drivers?: DriverStateView[];
    plugins?: { capability: string; package: string; state: string; message: string; address?: string }[];
  };
}
/** A pod as a namespace's pod list answers it (the fields a node's page shows). */
export interface PodSummaryView {
  meta: { name: string; namespace: string; service: string; deployment: string; node: string };
  status: {
    state: string;
    running: boolean;
    message: string;
    network: { pod_ip: string };
    containers: { name: string; ready: boolean; restarts: number; state: string }[];
  };
}
interface UsageAmount {
  used?: number;
  capacity: number;
  allocated: number;
}
/** GET /cluster/stats: what a node's containers use now, beside its capacity and allocation. */
export interface NodeUsageView {
  name: string;
  state: string;
  time?: string;
  cpu: UsageAmount;
  memory: UsageAmount;
  pods: UsageAmount;
  message?: string;
}
/** An event with the fields the Events page filters on. */
export interface ClusterEventView extends EventView {
  component: string;
  first_seen: string;
}
export const DRIVER_KIND_LIST = ['cri', 'cii', 'csi', 'cni', 'cpi'] as const;
/** Where a driver runs: in the kernel's process, or a child process (its pid and restarts). */
export const driverWhere = (d: DriverStateView): string => (d.isolation === 'process' ? `process ${d.pid ?? '–'} (restarts ${d.restarts ?? 0})` : (d.isolation ?? 'in-process'));

// ---------------------------------------------------------------- deploy and service actions (ui-deploy)
/** A container of a pod template on the wire (the original's spellings beside ours). */
export interface ContainerWire {
  name: string;
  image: { name: string; policy?: string; secret?: { name: string; key: string } };
  command?: string;
  entrypoint?: string;
  command_argv?: string[];
  args?: string[];
  ports?: string[];
  resources?: { limits?: Record<string, unknown>; quota?: Record<string, unknown> };
  restart?: { policy: string; attempts?: number };
  restart_policy?: unknown;
  [k: string]: unknown;
}
export interface TemplateWire {
  containers: ContainerWire[];
  [k: string]: unknown;
}
/** A service as the API answers it (the parts the actions and the rollout progress read). */
export interface ServiceWire {
  kind: 'Service';
  meta: { name: string; namespace: string; labels?: Record<string, string>; description?: string; revision?: number; [k: string]: unknown };
  spec: {
    replicas: number;
    selector?: unknown;
    network?: { ports?: Record<string, string>; port_mappings?: string[]; ip?: string; [k: string]: unknown };
    template: TemplateWire;
    [k: string]: unknown;
  };
  status: {
    state: string;
    message: string;
    deployment?: string;
    generation: number;
    replicas: { desired: number; ready: number };
    rollout?: { version: number; state: 'progressing' | 'complete' | 'failed' | 'rolled-back'; message: string };
  };
}
/** A service with what its page shows besides (the namespace and service pages, ui-service). */
export type ServiceDetail = ServiceWire & { version: string; meta: { created: string } };
export interface PodContainerWire {
  name: string;
  image: string;
  state: 'pending' | 'pulling' | 'created' | 'running' | 'exited' | 'restarting' | 'error' | 'unknown';
  ready: boolean;
  restarts: number;
  exit_code?: number;
  message: string;
  pull?: { current: number; total: number };
}
export interface PodWire {
  meta: { name: string; namespace: string; service: string; deployment: string; node: string; created: string };
  spec: { template: TemplateWire; selector?: unknown; destroy: boolean };
  status: { state: string; running: boolean; message: string; network: { host_ip: string; pod_ip: string }; containers: PodContainerWire[] };
}
export interface DeploymentWire {
  meta: { name: string; namespace: string; service: string; created: string };
  spec: { version: number; replicas: number; template: TemplateWire };
  status: { state: string; message: string; replicas: { desired: number; ready: number; total: number } };
}

// ---- the namespace and service pages (ui-service)
export interface NamedWire {
  meta: { name: string; namespace: string };
}
export interface RouteWire extends NamedWire {
  spec: { domain?: string; port?: number; tls?: { secret: string }; rules: { path: string; service: string; port: number }[] };
  status: { state: string; message: string };
}
export interface VolumeWire extends NamedWire {
  spec: { capacity?: { storage: string }; selector?: unknown };
  status?: { state?: string; node?: string; message?: string; [k: string]: unknown };
}
export interface SecretWire extends NamedWire {
  spec: { type: string; data: Record<string, unknown> };
}
export interface ConfigWire extends NamedWire {
  spec: { data: Record<string, unknown> };
}
/** A log line of the service logs route (the original's LogMessage plus ours). */
export interface LogLineWire {
  pod: string;
  container: string;
  stream: 'stdout' | 'stderr';
  time: string;
  line: string;
}
export interface ServiceEventView extends EventView {
  object: EventView['object'] & { service?: string };
}
