// Stored objects: what the API returns. Every object is { kind, version, meta, spec, status }.
import { z } from 'zod';
import type {
  ConfigManifest,
  JobManifest,
  NamespaceManifest,
  PodSecurityPolicy,
  PodTemplate,
  RouteManifest,
  SecretManifest,
  ServiceSpec,
  VolumeManifest,
} from './manifests';
import { labelKey, labels, name } from './manifests';
import type { VirtualService } from '../drivers/types';
import { isIpAddress } from '../net/ip';

/** An address a node reports: what it says is stored, programmed and rendered elsewhere, so it must be an IP. */
const ipAddress = () => z.string().refine(isIpAddress, 'must be an IPv4 or IPv6 address');
/** The same, or empty: a pod has no address before its network is set up. */
const ipOrEmpty = () =>
  z
    .string()
    .refine((v) => v === '' || isIpAddress(v), 'must be an IPv4 or IPv6 address (or empty)')
    .default('');

export interface ObjectMeta {
  name: string;
  namespace?: string;
  description?: string;
  labels: Record<string, string>;
  /** Stable id, set when the object is first stored. */
  uid: string;
  created: string;
  updated: string;
  /** Store revision of the last write; increases on every change. */
  revision: number;
}

interface Obj<K extends string, M extends ObjectMeta, Spec, Status> {
  kind: K;
  version: 'v1';
  meta: M;
  spec: Spec;
  status: Status;
}

/** What a namespace uses of its quota: cpu in millicores, ram and storage in bytes, the rest counted. */
export interface NamespaceUsage {
  cpu: number;
  ram: number;
  storage: number;
  pods: number;
  services: number;
  volumes: number;
}

/** status.resources.used is computed when the namespace is read (never stored). */
export type Namespace = Obj<'Namespace', ObjectMeta, NamespaceManifest['spec'], { state: 'ready' | 'destroying'; resources?: { used: NamespaceUsage } }>;

export interface ServiceStatus {
  state: 'provisioning' | 'ready' | 'degraded' | 'destroying' | 'error';
  message: string;
  /** Name of the deployment that serves traffic (e.g. "v2"). */
  deployment?: string;
  /** Highest template version issued so far. */
  generation: number;
  replicas: { desired: number; ready: number };
  network: { ip?: string; ports: string[] };
  /** How the newest version's rollout goes (the controller writes it; absent before the first version). */
  rollout?: ServiceRollout;
}
export const ROLLOUT_STATES = ['progressing', 'complete', 'failed', 'rolled-back'] as const;
export interface ServiceRollout {
  /** The version rolling out (deployment "v3" is 3). */
  version: number;
  state: (typeof ROLLOUT_STATES)[number];
  /** Why: e.g. which pod fails and how, or what was rolled back. */
  message: string;
  /** When the state began. */
  since: string;
}
export type Service = Obj<'Service', ObjectMeta & { namespace: string }, ServiceSpec, ServiceStatus>;

export interface DeploymentMeta extends ObjectMeta {
  namespace: string;
  service: string;
}
export interface DeploymentSpec {
  /** Template version number: deployment "v3" has version 3. */
  version: number;
  replicas: number;
  template: PodTemplate;
  selector?: ServiceSpec['selector'];
  /** Hash of template + selector; a new hash means a new version. */
  hash: string;
}
export interface DeploymentStatus {
  state: 'provisioning' | 'ready' | 'active' | 'superseded' | 'destroying' | 'error';
  message: string;
  replicas: { desired: number; ready: number; total: number };
}
export type Deployment = Obj<'Deployment', DeploymentMeta, DeploymentSpec, DeploymentStatus>;

export const CONTAINER_STATES = ['created', 'running', 'exited', 'paused', 'restarting', 'dead', 'unknown'] as const;
export const PodContainerStatus = z
  .object({
    name: z.string(),
    id: z.string().optional(),
    image: z.string(),
    state: z.enum(['pending', 'pulling', 'created', 'running', 'exited', 'restarting', 'error', 'unknown']),
    ready: z.boolean(),
    restarts: z.number().int().min(0),
    exit_code: z.number().int().optional(),
    message: z.string().default(''),
    started: z.string().optional(),
    /** When it exited (a task's container: its finish time). */
    finished: z.string().optional(),
    /** Bytes of the image pulled so far, summed over its layers, while `state` is pulling (when the runtime reports progress). */
    pull: z
      .object({ current: z.number().int().min(0).max(2 ** 50), total: z.number().int().min(0).max(2 ** 50) })
      .strict()
      .optional(),
  })
  .strict();
export type PodContainerStatus = z.infer<typeof PodContainerStatus>;

export const POD_STATES = ['pending', 'provisioning', 'ready', 'not-ready', 'error', 'destroying', 'destroyed'] as const;
export const PodStatus = z
  .object({
    state: z.enum(POD_STATES),
    running: z.boolean(),
    message: z.string().default(''),
    network: z.object({ host_ip: ipOrEmpty(), pod_ip: ipOrEmpty() }).strict(),
    containers: z.array(PodContainerStatus).default([]),
    updated: z.string().optional(),
  })
  .strict();
export type PodStatus = z.infer<typeof PodStatus>;

export interface PodMeta extends ObjectMeta {
  namespace: string;
  service: string;
  deployment: string;
  /** Node the pod is bound to; empty until scheduled. */
  node: string;
  /** A task's pod (service and deployment are then empty): the task and its job. */
  task?: string;
  job?: string;
}
export interface PodSpec {
  template: PodTemplate;
  selector?: ServiceSpec['selector'];
  /** Set by the controller when the pod must go; the agent stops it and reports "destroyed". */
  destroy: boolean;
  /**
   * Set when its node is drained (why, e.g. "node n1 is draining"): the controller starts a replacement
   * elsewhere and stops this pod once the replacement is ready.
   */
  evict?: string;
  /** Requested resources summed over containers, used by the scheduler. */
  resources: { cpu: number; ram: number };
  /**
   * The namespace's security policy when the pod was made: the agent refuses the pod on a runtime that cannot
   * honour what the policy needs (restricted: every default confinement). Absent: baseline.
   */
  policy?: PodSecurityPolicy;
}
export type Pod = Obj<'Pod', PodMeta, PodSpec, PodStatus>;

export interface EndpointSpec {
  ip?: string;
  ports: string[];
  upstreams: { pod: string; ip: string }[];
}
export type Endpoint = Obj<'Endpoint', ObjectMeta & { namespace: string }, EndpointSpec, Record<string, never>>;

export type Secret = Obj<'Secret', ObjectMeta & { namespace: string }, SecretManifest['spec'], Record<string, never>>;
export type Config = Obj<'Config', ObjectMeta & { namespace: string }, ConfigManifest['spec'], Record<string, never>>;
export type Volume = Obj<
  'Volume',
  ObjectMeta & { namespace: string },
  VolumeManifest['spec'],
  { state: 'pending' | 'ready' | 'error'; node?: string; message: string }
>;
export type Route = Obj<'Route', ObjectMeta & { namespace: string }, RouteManifest['spec'], { state: string; message: string }>;
/** A job's status is computed when read: its tasks by state. */
export type Job = Obj<'Job', ObjectMeta & { namespace: string }, JobManifest['spec'], { state: 'enabled' | 'disabled'; tasks?: Partial<Record<TaskState, number>> }>;

export const TASK_STATES = ['queued', 'scheduled', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];
/** A task in one of these ends no more. */
export const TASK_FINISHED: ReadonlySet<TaskState> = new Set(['succeeded', 'failed', 'cancelled']);
export interface TaskContainerStatus {
  name: string;
  exit_code?: number;
  started?: string;
  finished?: string;
}
/** One run of a job: the API creates it queued; the job controller writes its status. */
export type Task = Obj<
  'Task',
  ObjectMeta & { namespace: string; job: string },
  {
    env?: { name: string; value: string }[];
    template: PodTemplate;
    selector?: ServiceSpec['selector'];
    /** Asked by the user (PUT …/cancel): the controller removes the pod and marks it cancelled. */
    cancel?: boolean;
  },
  {
    state: TaskState;
    /** 1 for the first pod, +1 per retry. */
    attempt: number;
    containers: TaskContainerStatus[];
    started?: string;
    finished?: string;
    message: string;
    node?: string;
    /** The pod of the current attempt (the name stays after it is gone, for its logs). */
    pod?: string;
    /** Pods of every attempt so far, oldest first. */
    pods?: string[];
    /** A retry waits until then. */
    retry_at?: string;
  }
>;

/**
 * The most a node may claim. Capacity is the node's own word (only it can measure itself), so it is
 * bounded rather than trusted: 16384 cores, 64 TiB of RAM, 10000 pods (the most node.max_pods allows),
 * 1 PiB of storage. An agent on a larger host reports these maxima.
 */
export const NODE_CAPACITY_MAX = { cpu: 16_384_000, ram: 2 ** 46, pods: 10_000, storage: 2 ** 50 } as const;

export const NodeCapacity = z
  .object({
    cpu: z.number().int().min(0).max(NODE_CAPACITY_MAX.cpu).describe('millicores'),
    ram: z.number().int().min(0).max(NODE_CAPACITY_MAX.ram).describe('bytes'),
    pods: z.number().int().min(0).max(NODE_CAPACITY_MAX.pods),
    storage: z.number().int().min(0).max(NODE_CAPACITY_MAX.storage).default(0),
  })
  .strict();
export type NodeCapacity = z.infer<typeof NodeCapacity>;

export const DriverState = z
  .object({
    kind: z.string(),
    package: z.string(),
    version: z.string(),
    state: z.enum(['ready', 'initialising', 'error', 'absent', 'retired']),
    message: z.string().default(''),
    /** in-process, or process: the driver runs in a child process the kernel restarts when it dies. */
    isolation: z.enum(['in-process', 'process']).optional(),
    pid: z.number().int().optional(),
    /** Restarts of an out-of-process driver after it died. */
    restarts: z.number().int().optional(),
  })
  .strict();
export type DriverState = z.infer<typeof DriverState>;

/** A capability plugin on a node (discovery DNS): whether it serves, and if not, why. */
export const PluginState = z
  .object({
    capability: z.enum(['discovery', 'ingress']),
    package: z.string().max(256),
    state: z.enum(['ready', 'not-ready', 'disabled']),
    message: z.string().max(1024).default(''),
    /** Where it serves (discovery: the DNS address pods get). */
    address: z.string().max(64).optional(),
  })
  .strict();
export type PluginState = z.infer<typeof PluginState>;

/** What an agent reports about its node. */
export const NodeStatusReport = z
  .object({
    /** Taken when the node first registers (from its config); later only `lb node label` changes them. */
    labels: labels().default({}),
    capacity: NodeCapacity,
    /** The first is the underlay address other nodes reach this one at. */
    addresses: z.array(ipAddress()).max(64).default([]),
    os: z.string().max(256).default(''),
    arch: z.string().max(64).default(''),
    hostname: z.string().max(253).default(''),
    version: z.string().max(64).default(''),
    drivers: z.array(DriverState).default([]),
    /** Capability plugins running on the node (its discovery DNS); absent from agents that predate them. */
    plugins: z.array(PluginState).max(16).optional(),
    /** Where the server reaches this node's agent for logs and exec. */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * Seconds cut off from the server after which the agent stops its task pods by itself (self-fencing):
     * the server lets another node rerun them only later. Absent from agents that predate it.
     */
    fence_after: z.number().int().min(1).max(86_400).optional(),
  })
  .strict();
export type NodeStatusReport = z.infer<typeof NodeStatusReport>;

/** `lb node label`: labels to set (or change) and keys to remove, by an admin. */
export const NodeLabelsUpdate = z
  .object({
    set: labels().default({}),
    remove: z.array(labelKey()).default([]),
  })
  .strict()
  .refine((u) => !u.remove.some((k) => k in u.set), { message: 'a key cannot be both set and removed', path: ['remove'] });
export type NodeLabelsUpdate = z.infer<typeof NodeLabelsUpdate>;

export interface NodeStatus extends Omit<NodeStatusReport, 'labels'> {
  state: 'ready' | 'not-ready' | 'offline';
  online: boolean;
  allocated: { cpu: number; ram: number; pods: number };
  heartbeat: string;
}
export interface NodeSpec {
  unschedulable: boolean;
  /** Pod subnet leased to the node from the cluster CIDR; released when the node is deleted. */
  network?: { subnet: string };
}
export type Node = Obj<'Node', ObjectMeta, NodeSpec, NodeStatus>;

/** Log lines an agent's collector ships: one container's stdout/stderr, with where it came from. */
export const LogShipment = z
  .object({
    lines: z
      .array(
        z
          .object({
            namespace: name(),
            /** Empty for a task's pod (it belongs to no service). */
            service: z.union([name(), z.literal('')]),
            pod: z.string().min(1).max(253),
            container: name(),
            node: z.string().min(1).max(253),
            stream: z.enum(['stdout', 'stderr']),
            time: z.string().min(20).max(40),
            line: z.string().max(256 * 1024),
          })
          .strict(),
      )
      .max(10000),
  })
  .strict();
export type ShippedLogLine = z.infer<typeof LogShipment>['lines'][number];

/** What an agent reports about one pod of its node. */
export const PodStatusReport = z
  .object({ namespace: name(), name: z.string().min(1).max(253), status: PodStatus })
  .strict();
export type PodStatusReport = z.infer<typeof PodStatusReport>;

export interface Cluster {
  kind: 'Cluster';
  version: 'v1';
  meta: { name: string; version: string };
  status: {
    nodes: { total: number; online: number };
    capacity: { cpu: number; ram: number; pods: number };
    allocated: { cpu: number; ram: number; pods: number };
  };
}

export type AnyObject = Namespace | Service | Deployment | Pod | Endpoint | Secret | Config | Volume | Route | Node | Job | Task;
export type ObjectKind = AnyObject['kind'];

/** Event on the node stream: what the agent must run. */
/** A node's place in the overlay: its pod subnet and the underlay address it is reached at. */
export interface NodeNetworkInfo {
  name: string;
  subnet: string;
  address: string;
}

/** What every node programs: the service VIP table (CPI) and the discovery records (DNS). */
export interface ServiceTable {
  services: VirtualService[];
  dns: {
    services: { namespace: string; name: string; ip?: string; ports: { name?: string; port: number; protocol: 'tcp' | 'udp' }[] }[];
    pods: { namespace: string; service: string; name: string; ip: string }[];
  };
}

export type NodeStreamEvent =
  | { type: 'snapshot'; pods: Pod[]; revision: number }
  | { type: 'network'; nodes: NodeNetworkInfo[]; revision: number }
  | { type: 'services'; table: ServiceTable; revision: number }
  | { type: 'upsert'; pod: Pod; revision: number }
  | { type: 'delete'; namespace: string; name: string; revision: number }
  /** A volume held by this node was deleted: its data goes too. */
  | { type: 'volume-deleted'; namespace: string; name: string; revision: number };
