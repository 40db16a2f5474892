// OCI runtime specs for runc, with the defaults containerd's own client would fill in for a plain container.
import { capabilityName, invalid, type ContainerSecurity, type ContainerSpec, type Mount } from '@lastbackend/sdk';
import type { ImageConfig } from './image';
import { defaultSeccompProfile, type OciSeccomp } from './seccomp';

export const SPEC_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';
export const PROCESS_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The capabilities Docker and containerd grant a non-privileged container. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability runc knows (Linux 5.9+), for "ALL" and privileged containers. */
export const ALL_CAPABILITIES = [
  ...DEFAULT_CAPABILITIES,
  'CAP_DAC_READ_SEARCH',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_LEASE',
  'CAP_AUDIT_CONTROL',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/**
 * The capability set of a container with these options, the way Docker computes it: privileged or an added
 * "ALL" starts from every capability, a dropped "ALL" from none, then the named drops and adds apply.
 */
export function capabilitySet(security: ContainerSecurity | undefined): string[] {
  if (security?.privileged) return [...ALL_CAPABILITIES];
  const add = (security?.cap_add ?? []).map(capabilityName);
  const drop = (security?.cap_drop ?? []).map(capabilityName);
  const fields = [...add.map((c, i) => ['cap_add', c, i] as const), ...drop.map((c, i) => ['cap_drop', c, i] as const)]
    .filter(([, c]) => c !== 'ALL' && !ALL_CAPABILITIES.includes(c))
    .map(([key, c, i]) => ({ field: `security.${key}.${i}`, reason: `${c} is not a Linux capability` }));
  if (fields.length) throw invalid(fields, 'invalid security options');
  if (add.includes('ALL')) return ALL_CAPABILITIES.filter((c) => !drop.includes(c));
  const caps = new Set(drop.includes('ALL') ? [] : DEFAULT_CAPABILITIES);
  for (const c of drop) caps.delete(c);
  for (const c of add) caps.add(c);
  return [...caps];
}

/**
 * The user a container runs as before it is resolved to numbers: the spec's security.user, else the image's
 * config User (as Docker does), undefined (root) when neither names one.
 */
export const wantedUser = (spec: Pick<ContainerSpec, 'security'>, image: ImageConfig): string | undefined => spec.security?.user ?? (image.config?.User || undefined);

/** A numeric "uid[:gid]" (gid defaults to uid's group 0 as in Docker); undefined for a name. */
export function numericUser(user: string): { uid: number; gid: number } | undefined {
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  return m ? { uid: Number(m[1]), gid: m[2] === undefined ? 0 : Number(m[2]) } : undefined;
}

const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The subset of the OCI process we set; exec reuses it with other args. */
export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
  rlimits: { type: string; hard: number; soft: number }[];
  noNewPrivileges: boolean;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  linux: {
    namespaces: { type: string; path?: string }[];
    maskedPaths: string[];
    readonlyPaths: string[];
    cgroupsPath: string;
    resources: {
      devices: { allow: boolean; access: string }[];
      memory?: { limit: number };
      cpu?: { quota: number; period: number };
      pids?: { limit: number };
    };
    /** security.seccomp "default": the driver's profile (seccomp.ts); absent: none. */
    seccomp?: OciSeccomp;
  };
}

/** Files the driver writes per container and bind-mounts over the image's /etc ones. */
export interface EtcFiles {
  resolvConf: string;
  hosts: string;
  hostname: string;
}

export interface SpecInput {
  id: string;
  namespace: string;
  hostname: string;
  spec: ContainerSpec;
  image: ImageConfig;
  etc: EtcFiles;
  /** Network namespace to join (another container's); a new one when absent. */
  netns?: string;
  /** The user the process runs as, resolved from security.user (root when absent). */
  user?: { uid: number; gid: number };
}

const CPU_PERIOD = 100_000;

/** Entrypoint + cmd with the Kubernetes convention: command replaces the entrypoint, args the CMD. */
export function processArgs(spec: Pick<ContainerSpec, 'command' | 'args'>, image: ImageConfig): string[] {
  const entrypoint = spec.command ?? image.config?.Entrypoint ?? [];
  const cmd = spec.args ?? (spec.command ? [] : (image.config?.Cmd ?? []));
  return [...entrypoint, ...cmd];
}

/** Image env overridden by the spec's, PATH defaulted when neither sets it. */
export function processEnv(specEnv: Record<string, string>, image: ImageConfig): string[] {
  const env = new Map<string, string>();
  for (const kv of image.config?.Env ?? []) {
    const eq = kv.indexOf('=');
    env.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1));
  }
  for (const [k, v] of Object.entries(specEnv)) env.set(k, v);
  if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH.slice(5));
  return [...env].map(([k, v]) => `${k}=${v}`);
}

const bind = (source: string, destination: string, readonly: boolean): OciMount => ({
  destination,
  type: 'bind',
  source,
  options: ['rbind', 'rprivate', readonly ? 'ro' : 'rw'],
});

export function runtimeSpec(input: SpecInput): OciSpec {
  const { spec, image } = input;
  const args = processArgs(spec, image);
  const security = spec.security;
  const privileged = security?.privileged === true;
  const caps = capabilitySet(security);
  const userMounts = spec.mounts.map((m: Mount) => bind(m.source, m.target, m.readonly));
  const overridden = new Set(userMounts.map((m) => m.destination));
  const etc = [
    bind(input.etc.resolvConf, '/etc/resolv.conf', false),
    bind(input.etc.hosts, '/etc/hosts', false),
    bind(input.etc.hostname, '/etc/hostname', false),
  ].filter((m) => !overridden.has(m.destination));
  // Privileged: every device, as on the host (its /dev is bound in below).
  const resources: OciSpec['linux']['resources'] = { devices: [{ allow: privileged, access: 'rwm' }] };
  if (spec.resources.ram !== undefined) resources.memory = { limit: Math.round(spec.resources.ram) };
  if (spec.resources.cpu !== undefined) {
    resources.cpu = { quota: Math.max(1000, Math.round((spec.resources.cpu * CPU_PERIOD) / 1000)), period: CPU_PERIOD };
  }
  if (security?.pids_limit !== undefined) resources.pids = { limit: security.pids_limit };
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: false,
      user: input.user ?? { uid: 0, gid: 0 },
      args,
      env: processEnv(spec.env, image),
      cwd: spec.workdir || image.config?.WorkingDir || '/',
      capabilities: { bounding: caps, effective: [...caps], permitted: [...caps] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: security?.no_new_privileges === true,
    },
    root: { path: 'rootfs', readonly: security?.read_only_rootfs === true },
    hostname: input.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      privileged
        ? { destination: '/dev', type: 'bind', source: '/dev', options: ['rbind', 'rprivate', 'nosuid', 'rw'] }
        : { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: [privileged ? 'rw' : 'ro', 'nosuid', 'noexec', 'nodev'] },
      ...etc,
      ...userMounts,
    ],
    linux: {
      namespaces: [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        input.netns ? { type: 'network', path: input.netns } : { type: 'network' },
      ],
      // Privileged: nothing of /proc and /sys hidden or read-only, as Docker does.
      maskedPaths: privileged ? [] : MASKED_PATHS,
      readonlyPaths: privileged ? [] : READONLY_PATHS,
      cgroupsPath: `/${input.namespace}/${input.id}`,
      resources,
      ...(security?.seccomp === 'default' ? { seccomp: defaultSeccompProfile() } : {}),
    },
  };
}

