// The five extension points. The kernel knows drivers only through these interfaces.
//
// Rules every driver follows (see docs/drivers.md):
// - stop/remove/delete/detach are idempotent: acting on something already gone succeeds.
// - create is idempotent by name: creating what exists returns the existing object.
// - errors are LbError with a code; `retryable` says whether trying again can help.
// - probe() never throws: it reports why the driver cannot work on this host.
// - a spec that asks for something the driver cannot honour is refused (FAILED_PRECONDITION), never run
//   without it: `capabilities` (API 1) and `features` (API 2) say what it can honour.

import type { Readable, Writable } from 'node:stream';

export const DRIVER_KINDS = ['cri', 'cii', 'csi', 'cni', 'cpi'] as const;
export type DriverKind = (typeof DRIVER_KINDS)[number];

/**
 * Driver API major this SDK speaks: the one place it is written. A driver package declares the major it was
 * built for in its package.json ("lastbackend": { "api": "2" }); the kernel refuses another major.
 */
export const DRIVER_API_VERSION = '2';

/** Who a driver instance is; the kernel reads it from the package (DriverContext.info), drivers return it. */
export interface DriverInfo {
  name: string;
  version: string;
  /** Driver API major versions the implementation supports, e.g. ["2"]. */
  api: string[];
}

export interface ProbeResult {
  state: 'ready' | 'initialising' | 'error';
  message?: string;
  /** With state "error": what the admin can do about it (e.g. "start the Docker engine"), shown with the refusal. */
  fix?: string;
}

export interface DriverBase {
  info(): DriverInfo;
  probe(): Promise<ProbeResult>;
  /** Releases connections and timers. Never touches workloads. */
  dispose(): Promise<void>;
}

// ---------------------------------------------------------------- CRI: containers

/**
 * A bind mount. `source` is a host path the runtime mounts as it is at create and at every start: for a volume
 * it is the path StorageDriver.path() pinned for the pod, so the runtime never resolves a symlink placed there
 * later. A runtime binds it structurally (never as a "source:target:options" string), private propagation
 * ("rprivate"), fails when the source is missing (never creates it), and honours `readonly`.
 */
export interface Mount {
  source: string;
  target: string;
  readonly: boolean;
}

/**
 * How the container's processes are confined (API 2). Absent fields keep the runtime's defaults (Docker's: not
 * privileged, writable root, the image's user, the default capability set, new privileges allowed). A runtime
 * honours all of it or, with features.security false, refuses a spec that has it.
 */
export interface ContainerSecurity {
  /** All capabilities and devices, no masked paths: the container can do what root on the host can. */
  privileged?: boolean;
  /** The image's root file system is mounted read-only (mounts keep their own mode). */
  read_only_rootfs?: boolean;
  /** "uid", "uid:gid", or a user (and group) name the image's /etc/passwd knows. */
  user?: string;
  /** Capabilities added to the runtime's default set, e.g. "NET_ADMIN" ("CAP_" prefix optional); "ALL" for all. */
  cap_add?: string[];
  /** Capabilities removed from it; "ALL" drops every one (then cap_add adds back). */
  cap_drop?: string[];
  /** Processes cannot gain privileges (setuid binaries, file capabilities): no_new_privs. */
  no_new_privileges?: boolean;
  /**
   * The system-call filter (needs features.seccomp): "default" is the runtime's default profile (Docker's own;
   * for containerd the driver's, see its seccomp.ts), "unconfined" none. Absent: the runtime's own choice.
   */
  seccomp?: 'default' | 'unconfined';
  /** At most this many processes (and threads) in the container (needs features.pidsLimit): the pids cgroup. */
  pids_limit?: number;
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
  /** Confinement (API 2); needs features.security. Absent: the runtime's defaults. */
  security?: ContainerSecurity;
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

/**
 * What a runtime offers of driver API 2, next to the API 1 `capabilities`. Absent (a runtime built for API 1,
 * or an out-of-process driver whose host does not forward it) means every flag is false. A feature declared
 * true must work; for one declared false the runtime refuses a spec that needs it, and the kernel refuses the
 * spec before it reaches the runtime (see criFeatures/assertSpecSupported in ./features.ts).
 */
export interface CriFeatures {
  /** ContainerSpec.security is honoured in full (privileged, read-only root, user, capabilities, no_new_privileges). */
  security: boolean;
  /** security.seccomp is honoured: "default" confines the container with a seccomp filter, "unconfined" runs it without. */
  seccomp?: boolean;
  /** security.pids_limit is honoured (the pids cgroup's pids.max). */
  pidsLimit?: boolean;
  /** execStream(): an exec with stdin, a tty and output as streams (exec -it, port-forward). */
  execStream: boolean;
  /** stats(): a one-shot sample of the container's resource use. */
  stats: boolean;
}

export interface ExecStreamOptions {
  /** A pseudo-terminal: stdout and stderr arrive merged on `stdout`, and resize() works. */
  tty?: boolean;
  /** Whether `stdin` is connected; without it the process reads end-of-file. */
  stdin?: boolean;
  /** Initial terminal size (with tty). */
  size?: { cols: number; rows: number };
}

/**
 * A running exec. Unlike exec(), its output is not bounded: the caller reads it as it comes and applies its
 * own back-pressure (a stream that is not read pauses the process on a full pipe).
 */
export interface ExecSession {
  /** The process's stdin; end() it to send end-of-file. null unless options.stdin. */
  readonly stdin: Writable | null;
  /** stdout (and stderr with a tty); ends when the process exits or the session is killed. */
  readonly stdout: Readable;
  /** stderr; null with a tty. */
  readonly stderr: Readable | null;
  /** Changes the terminal size; a no-op without a tty or once the process ended. */
  resize(cols: number, rows: number): Promise<void>;
  /** Resolves with the exit code once the process ended (after its output ended). */
  wait(): Promise<{ exitCode: number }>;
  /** Ends the session: kills the process where the runtime can, closes the streams. Idempotent. */
  kill(): Promise<void>;
}

/** One sample of a container's resource use. */
export interface ContainerStats {
  /** When it was taken (Unix ms). */
  time: number;
  /** CPU time used since the container started, in nanoseconds (all CPUs). */
  cpu_ns: number;
  /** Share of one CPU over the runtime's last sampling interval (200 = two full CPUs), when it knows it. */
  cpu_percent?: number;
  /** Memory in use (page cache excluded where the runtime can tell). */
  memory_bytes: number;
  /** The container's memory limit, or the host's memory when it has none. */
  memory_limit: number;
  /** Bytes received and sent on all interfaces; absent when the container has no network of its own. */
  net_rx_bytes?: number;
  net_tx_bytes?: number;
}

export interface ContainerRuntime extends DriverBase {
  readonly capabilities: CriCapabilities;
  /** API 2 features; absent means none. */
  readonly features?: CriFeatures;
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
  /**
   * API 2, with features.execStream: starts `command` in the running container and hands over its streams.
   * Rejects (FAILED_PRECONDITION) when the container is not running, NOT_FOUND when it does not exist.
   */
  execStream?(id: string, command: string[], options?: ExecStreamOptions): Promise<ExecSession>;
  /** API 2, with features.stats: a one-shot sample. NOT_FOUND when missing, FAILED_PRECONDITION when not running. */
  stats?(id: string): Promise<ContainerStats>;
  /** Resolves with the exit code when the container stops. */
  wait(id: string): Promise<number>;
  events(filter: { labels?: Record<string, string> }, signal: AbortSignal): AsyncIterable<ContainerEvent>;
  /**
   * Optional: the network containers join when no CNI driver is configured (Docker's bridge), with the
   * host's address on it: the node's discovery DNS listens there. Known from the runtime's own
   * configuration, whether or not the host's interface is up yet. Undefined when the runtime has none.
   */
  defaultNetwork?(): Promise<RuntimeNetwork | undefined>;
}

/** A runtime's default container network: the host's address on it (gateway) and its IPv4 subnet. */
export interface RuntimeNetwork {
  gateway: string;
  subnet: string;
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
  /**
   * The user the image's config runs as ("" when it names none, which is root); absent when the image service
   * cannot tell. The agent reads it to refuse run_as_non_root with a root image, as kubelet does.
   */
  user?: string;
}

export interface CiiCapabilities {
  push: boolean;
  import: boolean;
}

/** What an image service offers of driver API 2; absent means every flag is false. */
export interface CiiFeatures {
  /** pull() reports progress through options.onProgress. */
  pullProgress: boolean;
}

/** A step of a pull. Per layer when `layer` is set; `current`/`total` in bytes (total 0 when not known yet). */
export interface PullProgress {
  /** Layer digest or the runtime's short id for it. */
  layer?: string;
  /** What happens, in the runtime's words: "Downloading", "Extracting", "Already exists", "Pull complete"… */
  status: string;
  current: number;
  total: number;
}

export interface PullOptions {
  /** Called as the pull goes on (features.pullProgress); a throw from it is ignored, never fails the pull. */
  onProgress?: (p: PullProgress) => void;
}

export interface ImageService extends DriverBase {
  readonly capabilities: CiiCapabilities;
  /** API 2 features; absent means none. */
  readonly features?: CiiFeatures;
  pull(ref: string, auth?: RegistryAuth, options?: PullOptions): Promise<ImageInfo>;
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
