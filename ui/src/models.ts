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
