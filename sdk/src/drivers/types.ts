// The five extension points. The kernel knows drivers only through these interfaces.
//
// Rules every driver follows (see docs/drivers.md):
// - stop/remove/delete/detach are idempotent: acting on something already gone succeeds.
// - create is idempotent by name: creating what exists returns the existing object.
// - errors are LbError with a code; `retryable` says whether trying again can help.
// - probe() never throws: it reports why the driver cannot work on this host.

export const DRIVER_KINDS = ['cri', 'cii', 'csi', 'cni', 'cpi'] as const;
export type DriverKind = (typeof DRIVER_KINDS)[number];

/** Driver API version this SDK speaks. A driver declares the major it was built for. */
export const DRIVER_API_VERSION = '1';

export interface DriverInfo {
  name: string;
  version: string;
  /** Driver API major versions the implementation supports, e.g. ["1"]. */
  api: string[];
}

export interface ProbeResult {
  state: 'ready' | 'initialising' | 'error';
  message?: string;
}

export interface DriverBase {
  info(): DriverInfo;
  probe(): Promise<ProbeResult>;
  /** Releases connections and timers. Never touches workloads. */
  dispose(): Promise<void>;
}

// ---------------------------------------------------------------- CRI: containers

export interface Mount {
  source: string;
  target: string;
  readonly: boolean;
}

export interface ContainerSpec {
  /** Unique name on the host; create() with an existing name returns that container. */
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  workdir?: string;
  /** "default": the runtime's own network; "none": no network (CNI plumbs it); "container": share another's. */
  network: { mode: 'default' | 'none' } | { mode: 'container'; container: string };
  resources: { cpu?: number; ram?: number };
  mounts: Mount[];
  /** Seconds the container gets between the stop signal and kill. */
  stopTimeout?: number;
  /** Resolver for the container (service discovery); the runtime's default when absent. */
  dns?: { servers: string[]; search: string[]; options?: string[] };
}

export type ContainerState = 'created' | 'running' | 'exited' | 'paused' | 'restarting' | 'dead' | 'unknown';

export interface ContainerStatus {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerState;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  /** Address inside the runtime's network, if it has one. */
  ip?: string;
  pid?: number;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 timestamp from the runtime. */
  time: string;
  line: string;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number;
  /** Unix seconds. */
  since?: number;
  signal?: AbortSignal;
}

/**
 * stdout and stderr hold at most EXEC_OUTPUT_LIMIT bytes each (1 MiB); a longer stream is cut there and ends
 * with truncationMarker(dropped), "\n[output truncated: N bytes dropped]" (see ./output.ts).
 */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ContainerEvent {
  id: string;
  action: 'create' | 'start' | 'die' | 'stop' | 'destroy' | 'oom' | 'other';
  labels: Record<string, string>;
  time: number;
}

export interface CriCapabilities {
  exec: boolean;
  logsFollow: boolean;
  events: boolean;
  /** Whether network mode "none" + CNI attach is supported. */
  networkNone: boolean;
}

export interface ContainerRuntime extends DriverBase {
  readonly capabilities: CriCapabilities;
  create(spec: ContainerSpec): Promise<ContainerStatus>;
  start(id: string): Promise<void>;
  /** Idempotent; a stopped or missing container is fine. */
  stop(id: string, timeoutSeconds?: number): Promise<void>;
  /** Idempotent; force stops a running container first. */
  remove(id: string): Promise<void>;
  /** null when it does not exist. */
  inspect(id: string): Promise<ContainerStatus | null>;
  list(filter?: { labels?: Record<string, string>; all?: boolean }): Promise<ContainerStatus[]>;
  logs(id: string, options?: LogOptions): AsyncIterable<LogLine>;
  /** Output beyond EXEC_OUTPUT_LIMIT per stream is dropped while reading (boundedCollector), never buffered. */
  exec(id: string, command: string[], options?: { timeoutSeconds?: number }): Promise<ExecResult>;
  /** Resolves with the exit code when the container stops. */
  wait(id: string): Promise<number>;
  events(filter: { labels?: Record<string, string> }, signal: AbortSignal): AsyncIterable<ContainerEvent>;
}

// ---------------------------------------------------------------- CII: images

export interface RegistryAuth {
  username?: string;
  password?: string;
  server?: string;
  token?: string;
}

export interface ImageInfo {
  id: string;
  tags: string[];
  size: number;
  created?: string;
}

export interface CiiCapabilities {
  push: boolean;
  import: boolean;
}

export interface ImageService extends DriverBase {
  readonly capabilities: CiiCapabilities;
  pull(ref: string, auth?: RegistryAuth): Promise<ImageInfo>;
  /** null when the image is not present. */
  inspect(ref: string): Promise<ImageInfo | null>;
  list(): Promise<ImageInfo[]>;
  /** Idempotent. */
  remove(ref: string): Promise<void>;
  push?(ref: string, auth?: RegistryAuth): Promise<void>;
}

// ---------------------------------------------------------------- CSI: volumes

export interface VolumeRef {
  namespace: string;
  name: string;
}

export interface VolumeStatus extends VolumeRef {
  path: string;
  capacity: number;
  used?: number;
}

/** A pod of this node that volume paths and files are published for. */
export interface PodRef {
  namespace: string;
  pod: string;
}

export interface StorageDriver extends DriverBase {
  create(volume: VolumeRef, options: { capacity?: number }): Promise<VolumeStatus>;
  /** Idempotent. */
  remove(volume: VolumeRef): Promise<void>;
  list(): Promise<VolumeStatus[]>;
  /**
   * Host path of the volume, with an optional sub-path confined to it. With `pod`, the path is for a runtime to
   * mount: the driver pins what it checked (a symlink swapped in later must not be followed when the runtime
   * mounts it, at any start), keeps it until `unpublish`/`retain` releases the pod, and returns the same path
   * for the same volume and sub-path of the pod.
   */
  path(volume: VolumeRef, subPath?: string, pod?: PodRef): Promise<string>;
  /**
   * Writes files (secrets, configs) into a directory the driver owns; returns its host path. With `pod`, the
   * pod's own copy, released with the pod (kept off the node's disk where the driver can).
   */
  putFiles(ref: VolumeRef, files: Record<string, string>, pod?: PodRef): Promise<string>;
  /** Releases what was published for the pod (pinned paths, files). Idempotent. */
  unpublish?(pod: PodRef): Promise<void>;
  /** Releases what was published for every pod not listed (stale after a crash); `[]` releases all. */
  retain?(pods: PodRef[]): Promise<void>;
}

// ---------------------------------------------------------------- CNI: pod network and overlay

export interface NodeNetwork {
  /** Subnet leased to this node, e.g. 10.210.3.0/24. */
  subnet: string;
  /** Underlay address other nodes reach this one at. */
  address: string;
}

export interface PodNetworkRef {
  namespace: string;
  pod: string;
  /** Network namespace path of the pod's first container (/proc/PID/ns/net). */
  netns: string;
}

export interface NetworkDriver extends DriverBase {
  setupNode(node: NodeNetwork): Promise<void>;
  attach(pod: PodNetworkRef): Promise<{ ip: string }>;
  /** Idempotent. */
  detach(pod: PodNetworkRef): Promise<void>;
  /** Full set of remote nodes; entries not listed are removed. */
  setRemotes(remotes: NodeNetwork[]): Promise<void>;
}

// ---------------------------------------------------------------- CPI: service VIPs

export interface VirtualService {
  ip: string;
  port: number;
  protocol: 'tcp' | 'udp';
  scheduler?: 'rr' | 'wrr' | 'lc';
  backends: { ip: string; port: number; weight?: number }[];
}

export interface ProxyDriver extends DriverBase {
  /** Makes the table exactly this: adds, updates and removes entries. Idempotent. */
  setTable(services: VirtualService[]): Promise<void>;
  list(): Promise<VirtualService[]>;
}

export interface DriverInstances {
  cri?: ContainerRuntime;
  cii?: ImageService;
  csi?: StorageDriver;
  cni?: NetworkDriver;
  cpi?: ProxyDriver;
}
