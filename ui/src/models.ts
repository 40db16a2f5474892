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

// ---- the namespace and service pages (ui-service)
export interface ContainerWire {
  name: string;
  image: { name: string; policy?: string; secret?: { name: string; key: string } };
  [k: string]: unknown;
}
export interface ServiceDetail {
  kind: 'Service';
  version: string;
  meta: { name: string; namespace: string; labels?: Record<string, string>; description?: string; created: string; [k: string]: unknown };
  spec: { replicas?: number; template: { containers: ContainerWire[]; [k: string]: unknown }; network?: Record<string, unknown>; [k: string]: unknown };
  status: {
    state: string;
    message: string;
    deployment?: string;
    replicas: { desired: number; ready: number };
    rollout?: { version: number; state: string; message: string };
  };
}
export interface DeploymentWire {
  meta: { name: string; namespace: string; service: string; created: string };
  spec: { version: number; replicas: number; template: { containers: ContainerWire[] } };
  status: { state: string; message: string; replicas: { desired: number; ready: number; total: number } };
}
export interface PodContainerWire {
  name: string;
  image: string;
  state: string;
  ready: boolean;
  restarts: number;
  exit_code?: number;
  message: string;
}
export interface PodWire {
  meta: { name: string; namespace: string; service: string; deployment: string; node: string; created: string };
  spec: { destroy: boolean };
  status: { state: string; running: boolean; message: string; network: { host_ip: string; pod_ip: string }; containers: PodContainerWire[] };
}
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
