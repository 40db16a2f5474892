// Translations between the platform's container model and the Docker engine's.
import { capabilityName, type ContainerEvent, type ContainerSecurity, type ContainerSpec, type ContainerState, type ContainerStats, type ContainerStatus } from '@lastbackend/sdk';
import type Docker from 'dockerode';

const STATES: Record<string, ContainerState> = {
  created: 'created',
  running: 'running',
  exited: 'exited',
  paused: 'paused',
  restarting: 'restarting',
  dead: 'dead',
};

export const toState = (dockerState: string | undefined): ContainerState => STATES[dockerState ?? ''] ?? 'unknown';

/** Docker reports "never" as the zero time 0001-01-01T00:00:00Z. */
export function toTime(t: string | undefined): string | undefined {
  if (!t || t.startsWith('0001-01-01')) return undefined;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** millicores → NanoCpus (1 CPU = 1000 millicores = 1e9 NanoCpus). */
export const nanoCpus = (millicores: number): number => Math.round(millicores * 1e6);

/** Files the runtime made for the container's /etc (sdk etc-files.ts), on the engine's own file system. */
export interface EtcFiles {
  resolvConf: string;
  hosts: string;
}

/** The /etc files as the container's mounts, writable as the engine's own are. */
const etcMounts = (etc: EtcFiles): ContainerSpec['mounts'] => [
  { source: etc.resolvConf, target: '/etc/resolv.conf', readonly: false },
  { source: etc.hosts, target: '/etc/hosts', readonly: false },
];

/**
 * The engine's create request for a container. With `etc` (a local engine), a container that a CNI attaches
 * (network mode none) is made with the network disabled: it gets a network namespace of its own from runc
 * instead of an engine network sandbox, whose set-up (and the prestart hook that re-runs dockerd) took
 * ~220 of the ~360 ms of an engine start here. The engine then writes no resolv.conf or hosts for it, nor
 * for the pod's other containers that join its namespace, so those files are bind-mounted from `etc`.
 */
export function createOptions(spec: ContainerSpec, etc?: EtcFiles): Docker.ContainerCreateOptions {
  const network = spec.network;
  const networkMode =
    network.mode === 'container' ? `container:${network.container}` : network.mode === 'none' ? 'none' : 'default';
  const hostConfig: Docker.HostConfig = {
    // An init as PID 1 reaps zombies and forwards signals, so a shell entrypoint stops promptly.
    Init: true,
    NetworkMode: networkMode,
    // Structured mounts, never "source:target:options" Binds strings: a target such as "/mnt:rshared" stays a
    // path instead of becoming an option, and a missing source fails instead of being created.
    Mounts: [...spec.mounts, ...(etc && network.mode !== 'default' ? etcMounts(etc) : [])].map((m) => ({
      Type: 'bind',
      Source: m.source,
      Target: m.target,
      ReadOnly: m.readonly,
      BindOptions: { Propagation: 'rprivate' },
    })),
    // No RestartPolicy on purpose: the agent applies restart policies itself.
  };
  // The engine writes resolv.conf from these only for a container with a network sandbox of its own; it
  // refuses them with "container:" (that container reads the one it joins), and `etc` replaces them.
  const engineResolv = network.mode === 'default' || (network.mode === 'none' && !etc);
  if (spec.dns && engineResolv) {
    hostConfig.Dns = spec.dns.servers;
    hostConfig.DnsSearch = spec.dns.search;
    hostConfig.DnsOptions = spec.dns.options ?? [];
  }
  Object.assign(hostConfig, securityOptions(spec.security));
  if (spec.resources.cpu !== undefined) hostConfig.NanoCpus = nanoCpus(spec.resources.cpu);
  if (spec.resources.ram !== undefined) hostConfig.Memory = Math.round(spec.resources.ram);
  const opts: Docker.ContainerCreateOptions = {
    name: spec.name,
    Image: spec.image,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...spec.labels },
    HostConfig: hostConfig,
    ...(etc && network.mode === 'none' ? { NetworkDisabled: true } : {}),
  };
  // command replaces the image's entrypoint, args its CMD (the Kubernetes convention).
  if (spec.command) {
    opts.Entrypoint = spec.command;
    opts.Cmd = spec.args ?? [];
  } else if (spec.args) {
    opts.Cmd = spec.args;
  }
  if (spec.workdir) opts.WorkingDir = spec.workdir;
  if (spec.security?.user !== undefined) opts.User = spec.security.user;
  if (spec.stopTimeout !== undefined) opts.StopTimeout = spec.stopTimeout;
  return opts;
}

/** ContainerSpec.security → HostConfig fields (the user goes on the container's Config). */
export function securityOptions(security: ContainerSecurity | undefined): Docker.HostConfig {
  const out: Docker.HostConfig = {};
  if (!security) return out;
  if (security.privileged !== undefined) out.Privileged = security.privileged;
  if (security.read_only_rootfs !== undefined) out.ReadonlyRootfs = security.read_only_rootfs;
  if (security.cap_add?.length) out.CapAdd = security.cap_add.map(capabilityName);
  if (security.cap_drop?.length) out.CapDrop = security.cap_drop.map(capabilityName);
  const opts: string[] = [];
  if (security.no_new_privileges) opts.push('no-new-privileges:true');
  // "default" is the engine's own default profile, which it applies when nothing else is asked for.
  if (security.seccomp === 'unconfined') opts.push('seccomp=unconfined');
  if (opts.length) out.SecurityOpt = opts;
  if (security.pids_limit !== undefined) out.PidsLimit = security.pids_limit;
  return out;
}

/** The parts of GET /containers/{id}/stats?stream=false that stats() reads. */
export interface DockerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

/**
 * One stats sample. Memory excludes the page cache the way `docker stats` does (inactive_file on cgroup v2,
 * total_inactive_file or cache on v1); cpu_percent is docker's own formula over its previous sample.
 */
export function statsFromDocker(s: DockerStats, now = Date.now()): ContainerStats {
  const cpu = s.cpu_stats?.cpu_usage?.total_usage ?? 0;
  const out: ContainerStats = {
    time: s.read && !s.read.startsWith('0001-01-01') ? Date.parse(s.read) || now : now,
    cpu_ns: cpu,
    memory_bytes: 0,
    memory_limit: s.memory_stats?.limit ?? 0,
  };
  const m = s.memory_stats?.stats ?? {};
  const cache = m.inactive_file ?? m.total_inactive_file ?? m.cache ?? 0;
  out.memory_bytes = Math.max(0, (s.memory_stats?.usage ?? 0) - cache);
  const prevCpu = s.precpu_stats?.cpu_usage?.total_usage;
  const sys = s.cpu_stats?.system_cpu_usage;
  const prevSys = s.precpu_stats?.system_cpu_usage;
  if (prevCpu !== undefined && sys !== undefined && prevSys !== undefined && prevSys > 0 && sys > prevSys) {
    out.cpu_percent = ((cpu - prevCpu) / (sys - prevSys)) * (s.cpu_stats?.online_cpus ?? 1) * 100;
  }
  if (s.networks && Object.keys(s.networks).length) {
    out.net_rx_bytes = 0;
    out.net_tx_bytes = 0;
    for (const n of Object.values(s.networks)) {
      out.net_rx_bytes += n.rx_bytes ?? 0;
      out.net_tx_bytes += n.tx_bytes ?? 0;
    }
  }
  return out;
}

const firstNetworkIp = (networks: Record<string, { IPAddress?: string }> | undefined): string | undefined => {
  for (const n of Object.values(networks ?? {})) if (n.IPAddress) return n.IPAddress;
  return undefined;
};

export function statusFromInspect(i: Docker.ContainerInspectInfo): ContainerStatus {
  const state = toState(i.State.Status);
  const status: ContainerStatus = {
    id: i.Id,
    name: i.Name.replace(/^\//, ''),
    image: i.Config.Image,
    labels: { ...(i.Config.Labels ?? {}) },
    state,
  };
  if (state === 'exited' || state === 'dead') status.exitCode = i.State.ExitCode;
  const startedAt = toTime(i.State.StartedAt);
  const finishedAt = toTime(i.State.FinishedAt);
  if (startedAt) status.startedAt = startedAt;
  if (finishedAt) status.finishedAt = finishedAt;
  // The top-level IPAddress (default bridge) is served by Docker 20.10 but missing from @types/dockerode.
  const settings: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> } = i.NetworkSettings;
  const ip = settings.IPAddress || firstNetworkIp(settings.Networks);
  if (ip) status.ip = ip;
  if (i.State.Pid) status.pid = i.State.Pid;
  return status;
}

/** From a list entry (cheaper than inspecting each; no times or pid, exit code parsed from "Exited (3) …"). */
export function statusFromList(c: Docker.ContainerInfo): ContainerStatus {
  const state = toState(c.State);
  const status: ContainerStatus = {
    id: c.Id,
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    image: c.Image,
    labels: { ...(c.Labels ?? {}) },
    state,
  };
  const exited = /^Exited \((-?\d+)\)/.exec(c.Status ?? '');
  if (exited) status.exitCode = Number(exited[1]);
  const ip = firstNetworkIp(c.NetworkSettings?.Networks);
  if (ip) status.ip = ip;
  return status;
}

/** Docker label filters: each "key=value" must match. */
export const labelFilters = (labels: Record<string, string> | undefined): string[] =>
  Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);

/** An entry of GET /events (type "container"). */
export interface DockerEventMessage {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

const ACTIONS = new Set<ContainerEvent['action']>(['create', 'start', 'die', 'stop', 'destroy', 'oom']);
/** Attributes the engine adds to a container event next to the container's labels. */
const ENGINE_ATTRIBUTES = new Set(['image', 'name', 'exitCode', 'signal', 'execID', 'execDuration']);

export function toContainerEvent(m: DockerEventMessage): ContainerEvent | undefined {
  if (m.Type !== undefined && m.Type !== 'container') return undefined;
  const id = m.Actor?.ID ?? m.id;
  if (!id) return undefined;
  const raw = m.Action ?? m.status ?? '';
  const action = ACTIONS.has(raw as ContainerEvent['action']) ? (raw as ContainerEvent['action']) : 'other';
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.Actor?.Attributes ?? {})) if (!ENGINE_ATTRIBUTES.has(k)) labels[k] = v;
  const time = m.timeNano ? Math.floor(m.timeNano / 1e6) : (m.time ?? 0) * 1000;
  return { id, action, labels, time };
}
