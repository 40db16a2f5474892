// Server/agent configuration: defaults, then the YAML file, then environment, then flags (each overrides the
// one before). Every key has a default: a file names only what it changes (drivers merge per kind, see
// merge.ts). The kernel loads only the driver packages the merged config names.
import { existsSync, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { DRIVER_KINDS, ipv4, LbError, labels, NamespaceResources, parseOrThrow, type DriverKind } from '@lastbackend/sdk';
import { packageName, packageRef } from './package-name';
import { DEFAULT_DRIVERS, DEFAULT_PLUGINS } from './defaults';
import { mergeDrivers, NO_DRIVER } from './merge';
import { yaml } from '../util/lazy';
import { duplicateJsonKey } from '../util/duplicate-json-key';

export { DEFAULT_DRIVERS, DEFAULT_PLUGINS } from './defaults';

const driverEntry = <P extends z.ZodType<string>>(pkg: P) =>
  z
    .object({
      package: pkg,
      config: z.record(z.string(), z.unknown()).default({}),
      isolation: z
        .enum(['in-process', 'process'])
        .optional()
        .describe('in-process (default), or process: a child process restarted when it crashes; a swap to the same package then loads its new code'),
    })
    .strict();
/** A driver entry of the config file: its package is a name or a path (the admin owns the file). */
export const DriverPackage = driverEntry(packageRef);
/** A hot swap asked for through the API (`lb driver set`): a package name only, never a path. */
export const DriverSwapRequest = driverEntry(packageName);
/** Several kinds swapped to one package together (`lb driver set cri,cii`): all or none. */
export const DriverGroupSwapRequest = DriverSwapRequest.extend({
  kinds: z
    .array(z.enum(DRIVER_KINDS as unknown as [DriverKind, ...DriverKind[]]))
    .min(1)
    .refine((k) => new Set(k).size === k.length, 'must not name a kind twice'),
}).strict();

const DriverRef = DriverPackage.extend({
  /** Loaded instead when this host cannot run the driver (its probe fails), e.g. no ip_vs → nftables. */
  fallback: DriverPackage.optional(),
}).strict();
export type DriverRefConfig = z.infer<typeof DriverRef>;

/** A kind's entry in the config: a driver, or `none` (no driver of this kind: null once parsed). */
const DriverChoice = z
  .unknown()
  .refine((v) => v === undefined || v === null || v === NO_DRIVER || (typeof v === 'object' && !Array.isArray(v)), {
    message: `must be ${NO_DRIVER} (no driver of this kind) or an entry such as { package: "${DEFAULT_DRIVERS.cni.package}" }`,
    abort: true,
  })
  .pipe(z.preprocess((v) => (v === NO_DRIVER ? null : v), DriverRef.nullable().optional()))
  .optional();

const cidr = z
  .string()
  .refine((s) => ipv4.tryParseCidr(s) !== undefined, 'must be an IPv4 network such as 10.210.0.0/16')
  .refine((s) => { const c = ipv4.tryParseCidr(s); return !c || ipv4.isPrivate(c); }, 'must be inside a private range (10/8, 172.16/12, 192.168/16)');

const LISTEN_RE = /^(\[[0-9a-f:]+\]|[a-zA-Z0-9.-]+):(\d{1,5})$/;
/** sun_path holds 108 bytes with its terminating NUL. */
export const MAX_SOCKET_PATH = 107;

/** Where the state lives: level in the data dir (one server), or etcd shared by several servers (HA). */
const StoreConfig = z
  .object({
    backend: z.enum(['level', 'etcd']).default('level'),
    etcd: z
      .object({
        endpoints: z.array(z.string().regex(/^https?:\/\/[^\s,]+$/, 'must be a URL such as http://127.0.0.1:2379')).min(1).default(['http://127.0.0.1:2379']),
        prefix: z.string().min(1).default('/lastbackend/').describe('every key of this cluster lives under it'),
        lease_ttl: z.number().int().min(2).max(60).default(5).describe('seconds a dead leader keeps its lease: the failover time'),
        tls: z
          .object({ ca: z.string().min(1).optional(), cert: z.string().min(1).optional(), key: z.string().min(1).optional() })
          .strict()
          .optional()
          .describe('PEM file paths: ca to verify etcd, cert+key for client auth'),
        auth: z.object({ username: z.string().min(1), password: z.string() }).strict().optional(),
      })
      .strict()
      .default({ endpoints: ['http://127.0.0.1:2379'], prefix: '/lastbackend/', lease_ttl: 5 }),
    secret_key_file: z
      .string()
      .min(1)
      .optional()
      .describe('the 32-byte key that seals secrets (default <data dir>/secret.key); servers sharing one etcd need the same key'),
  })
  .strict()
  .default({ backend: 'level', etcd: { endpoints: ['http://127.0.0.1:2379'], prefix: '/lastbackend/', lease_ttl: 5 } });
export type StoreConfig = z.infer<typeof StoreConfig>;

export const KernelConfig = z
  .object({
    data_dir: z.string().min(1),
    listen: z.string().regex(LISTEN_RE, 'must be host:port, e.g. 127.0.0.1:2967'),
    socket: z
      .string()
      .refine((p) => p === '' || isAbsolute(p), 'must be an absolute path, or "" for none')
      .refine((p) => Buffer.byteLength(p) <= MAX_SOCKET_PATH, `must be at most ${MAX_SOCKET_PATH} bytes (the kernel's limit for a unix socket's path)`)
      .optional()
      .describe(`the API's unix socket for clients on this machine: plain HTTP, no TLS, the token still required, mode 0600 (default <data dir>/api.sock when that fits in ${MAX_SOCKET_PATH} bytes; "" for none)`),
    token: z.string().min(16, 'must be at least 16 characters').optional(),
    log_level: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    log: z
      .object({
        format: z.enum(['text', 'json']).default('text').describe('text: one readable line per entry; json: one JSON object per line, with an access log of API calls'),
      })
      .strict()
      .default({ format: 'text' }),
    node: z
      .object({
        name: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a lowercase host name'),
        labels: labels().default({}),
        max_pods: z.number().int().min(1).max(10000).default(110),
        pids_limit: z
          .number()
          .int()
          .min(16)
          .max(4194304)
          .default(4096)
          .describe('processes (and threads) a container may have: every container gets this pids limit'),
        parallel_starts: z
          .number()
          .int()
          .min(1)
          .max(64)
          .default(4)
          .describe('containers this node creates and starts at the same time; more at once only keep the first pods of a large deploy waiting'),
        heartbeat: z.number().min(0.2).max(300).default(5),
        resync: z.number().min(0.5).max(600).default(5),
        agent: z.boolean().default(true).describe('lb server: run a local agent (false: control plane only)'),
        address: z.ipv4().optional().describe('address other nodes reach this one at (default: its first non-loopback IPv4)'),
      })
      .strict(),
    controller: z
      .object({
        history: z.number().int().min(1).max(100).default(10),
        node_not_ready_after: z.number().min(1).default(20),
        node_offline_after: z.number().min(1).default(60),
        resync: z.number().min(1).default(10),
      })
      .strict()
      // Self-fencing relies on it: an agent stops its task pods after node_not_ready_after cut off, and the
      // server reruns them after node_offline_after; with the rerun first, a partitioned task runs twice.
      .refine((c) => c.node_offline_after > c.node_not_ready_after, {
        message: 'must be larger than node_not_ready_after (a cut-off agent stops its tasks before they rerun elsewhere)',
        path: ['node_offline_after'],
      })
      .default({ history: 10, node_not_ready_after: 20, node_offline_after: 60, resync: 10 }),
    drivers: z
      .object(Object.fromEntries(DRIVER_KINDS.map((k) => [k, DriverChoice])) as Record<DriverKind, typeof DriverChoice>)
      .strict()
      .describe(`one entry per kind (cri, cii, csi, cni, cpi), merged over the defaults; ${NO_DRIVER}: no driver of that kind`),
    plugins: z.array(packageRef).default([]),
    ingress: z
      .object({
        enabled: z.boolean().default(false),
        plugin: packageRef.default(DEFAULT_PLUGINS.ingress).describe('the ingress plugin package (SDK ingress contract)'),
        config: z.record(z.string(), z.unknown()).default({}).describe("the plugin's own settings"),
        http: z.string().regex(LISTEN_RE, 'must be host:port').default('0.0.0.0:80'),
        https: z.string().regex(LISTEN_RE, 'must be host:port').optional(),
        domain: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a domain such as apps.example.com').default('lb.local'),
      })
      .strict()
      .default({ enabled: false, plugin: DEFAULT_PLUGINS.ingress, config: {}, http: '0.0.0.0:80', domain: 'lb.local' }),
    quota: z
      .object({
        default: NamespaceResources.optional().describe(
          "a namespace's spec.resources ({limits, defaults}) given to every namespace written without one, the first-start default namespace included",
        ),
      })
      .strict()
      .default({}),
    audit: z
      .object({
        max_bytes: z.number().int().min(4096).default(10 * 1024 * 1024).describe('level backend: bytes of <data dir>/audit/audit.log before it is rotated to audit.log.1'),
        max_files: z.number().int().min(1).max(1000).default(10).describe('level backend: rotated files kept (audit.log.1 … audit.log.N)'),
        max_age: z.number().int().min(60).default(90 * 86400).describe('seconds a record is kept (rotated files older than this are removed; etcd: the lease of its records)'),
      })
      .strict()
      .default({ max_bytes: 10 * 1024 * 1024, max_files: 10, max_age: 90 * 86400 })
      .describe('the audit trail: every change and sensitive read through the API'),
    events: z
      .object({
        ttl: z.number().int().min(60).default(3600).describe('seconds an event is kept after it last happened'),
        max: z.number().int().min(100).default(10_000).describe('events kept at most; the oldest go first'),
      })
      .strict()
      .default({ ttl: 3600, max: 10_000 })
      .describe('events: what the scheduler, agents, kernels and the controller did or could not do'),
    watch: z
      .object({ change_log: z.number().int().min(10).max(1_000_000).default(10_000).describe('changes each server keeps in memory for watches to resume from (older revisions get 410 RESYNC)') })
      .strict()
      .default({ change_log: 10_000 })
      .describe('`?watch=true` on list routes'),
    snapshots: z
      .object({
        every: z
          .string()
          .regex(/^(\d+[smhd])+$/, 'must be a duration such as 6h, 30m or 1d12h')
          .optional()
          .describe('take a snapshot of the state this often (on the leader only); unset: no scheduled snapshots'),
        keep: z.number().int().min(1).default(10).describe('scheduled snapshots kept; the oldest go first'),
        dir: z.string().min(1).optional().describe('where snapshots go (default <data dir>/snapshots); also the pre-migration snapshot'),
      })
      .strict()
      .default({ keep: 10 })
      .describe('scheduled snapshots of the state, with retention (lb snapshot restore brings one back)'),
    logs: z
      .object({ retention: z.number().int().min(60).default(7 * 86400).describe('seconds a collected log line is kept') })
      .strict()
      .default({ retention: 7 * 86400 }),
    discovery: z
      .object({
        enabled: z.boolean().default(true),
        plugin: packageRef.default(DEFAULT_PLUGINS.discovery).describe('the discovery DNS plugin package (SDK discovery contract)'),
        config: z.record(z.string(), z.unknown()).default({}).describe("the plugin's own settings"),
        port: z.number().int().min(1).max(65535).default(53),
        suffix: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS suffix such as lb.local').default('lb.local'),
      })
      .strict()
      .default({ enabled: true, plugin: DEFAULT_PLUGINS.discovery, config: {}, port: 53, suffix: 'lb.local' }),
    store: StoreConfig,
    tls: z
      .object({
        enabled: z.boolean().default(true).describe('false: plain HTTP (--insecure-http), e.g. behind a TLS proxy'),
        cert: z.string().min(1).optional().describe('your own server certificate (PEM file) instead of one from the cluster CA'),
        key: z.string().min(1).optional().describe('its private key (PEM file)'),
        ca: z.string().min(1).optional().describe('the CA of your own certificate (PEM file), served to clients beside the cluster CA'),
        san: z.array(z.string().regex(/^[a-zA-Z0-9.:*-]+$/, 'must be a host name or an IP address')).default([]).describe('extra names and addresses for the server certificate'),
        node_cert_days: z.number().positive().max(3650).default(365).describe('lifetime of node certificates; agents renew them when a third is left'),
      })
      .strict()
      .default({ enabled: true, san: [], node_cert_days: 365 }),
    network: z
      .object({
        cluster_cidr: cidr.default('10.210.0.0/16').describe('pod addresses; each node leases one subnet of it'),
        node_prefix: z.number().int().min(16).max(28).default(24).describe('size of each node subnet'),
        service_cidr: cidr.default('10.211.0.0/16').describe('service VIPs'),
      })
      .strict()
      .default({ cluster_cidr: '10.210.0.0/16', node_prefix: 24, service_cidr: '10.211.0.0/16' })
      .superRefine((n, ctx) => {
        const c = ipv4.tryParseCidr(n.cluster_cidr);
        const s = ipv4.tryParseCidr(n.service_cidr);
        if (!c || !s) return;
        if (ipv4.overlaps(c, s)) ctx.addIssue({ code: 'custom', path: ['service_cidr'], message: `overlaps cluster_cidr ${n.cluster_cidr}: pod and service addresses must not share a range` });
        if (n.node_prefix < c.prefix) ctx.addIssue({ code: 'custom', path: ['node_prefix'], message: `/${n.node_prefix} subnets do not fit in cluster_cidr ${n.cluster_cidr}` });
      }),
  })
  .strict();
export type KernelConfig = z.infer<typeof KernelConfig> & { configFile?: string };

export interface ConfigSources {
  /** --config; else $LB_CONFIG; else <data dir>/config.yaml when it exists. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: {
    dataDir?: string;
    listen?: string;
    token?: string;
    name?: string;
    logLevel?: string;
    /** --log-format text|json: laid over log.format. */
    logFormat?: string;
    agent?: boolean;
    insecureHttp?: boolean;
    tlsSan?: string[];
    /** --default-quota "cpu=4,ram=8gib,pods=20,default-ram=128mib": laid over quota.default. */
    defaultQuota?: string;
  };
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LB_DATA_DIR ?? join(env.HOME ?? homedir(), '.lastbackend');
}

/**
 * A config file's text: JSON (a subset of YAML) without loading the YAML parser, anything else as YAML.
 * A key given twice in one mapping is refused either way (JSON.parse alone would keep the last).
 */
function parseConfigText(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return yaml().parse(text);
  }
  const twice = duplicateJsonKey(text);
  if (twice !== undefined) throw new Error(`key "${twice}" is given twice (map keys must be unique)`);
  return parsed;
}

export function loadConfig(src: ConfigSources = {}): KernelConfig {
  const env = src.env ?? process.env;
  const flags = src.flags ?? {};
  const dataDir = resolve(flags.dataDir ?? env.LB_DATA_DIR ?? defaultDataDir(env));
  const file = src.file ?? env.LB_CONFIG ?? (existsSync(join(dataDir, 'config.yaml')) ? join(dataDir, 'config.yaml') : undefined);

  let fromFile: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new LbError('INVALID_ARGUMENT', `cannot read config file ${file}: ${(e as Error).message}`);
    }
    try {
      fromFile = (parseConfigText(text) as Record<string, unknown>) ?? {};
    } catch (e) {
      throw new LbError('INVALID_ARGUMENT', `config file ${file} is not valid YAML: ${(e as Error).message}`);
    }
    if (typeof fromFile !== 'object' || Array.isArray(fromFile)) throw new LbError('INVALID_ARGUMENT', `config file ${file} must be a YAML mapping`);
  }

  const node = (fromFile.node as Record<string, unknown> | undefined) ?? {};
  const merged = {
    ...fromFile,
    data_dir: dataDir,
    listen: flags.listen ?? env.LB_LISTEN ?? fromFile.listen ?? '127.0.0.1:2967',
    token: flags.token ?? env.LB_SERVER_TOKEN ?? fromFile.token,
    log_level: flags.logLevel ?? env.LB_LOG_LEVEL ?? fromFile.log_level,
    log: logFromFlags(fromFile.log, flags.logFormat ?? env.LB_LOG_FORMAT),
    node: { ...node, name: flags.name ?? env.LB_NODE_NAME ?? node.name ?? hostname().toLowerCase(), ...(flags.agent === false ? { agent: false } : {}) },
    drivers: mergeDrivers(fromFile.drivers),
    store: storeFromEnv(fromFile.store, env),
    tls: tlsFromFlags(fromFile.tls, flags),
    quota: quotaFromFlag(fromFile.quota, flags.defaultQuota),
  };
  const where = file ? `config ${file}` : 'config';
  const cfg = parseOrThrow(KernelConfig, merged, `invalid ${where}`);
  return { ...cfg, configFile: file };
}

/** --log-format (or $LB_LOG_FORMAT) over the file's log.format. */
function logFromFlags(file: unknown, format: string | undefined): unknown {
  if (format === undefined) return file;
  return { ...(file && typeof file === 'object' ? file : {}), format };
}

/** --insecure-http turns TLS off; each --tls-san adds a name to the server certificate. */
function tlsFromFlags(file: unknown, flags: NonNullable<ConfigSources['flags']>): unknown {
  if (!flags.insecureHttp && !flags.tlsSan?.length) return file;
  const base = (file && typeof file === 'object' ? file : {}) as Record<string, unknown>;
  const san = Array.isArray(base.san) ? base.san : [];
  return { ...base, ...(flags.insecureHttp ? { enabled: false } : {}), ...(flags.tlsSan?.length ? { san: [...san, ...flags.tlsSan] } : {}) };
}

const QUOTA_LIMITS = ['cpu', 'ram', 'storage', 'pods', 'services', 'volumes'];
const COUNTS = ['pods', 'services', 'volumes'];

/** --default-quota key=value pairs: limits by their name, default requests as default-cpu and default-ram. */
export function quotaFromFlag(file: unknown, flag: string | undefined): unknown {
  if (flag === undefined) return file;
  const base = (file && typeof file === 'object' ? file : {}) as { default?: { limits?: object; defaults?: object } };
  const limits: Record<string, string | number> = { ...(base.default?.limits ?? {}) } as Record<string, string | number>;
  const defaults: Record<string, string> = { ...(base.default?.defaults ?? {}) } as Record<string, string>;
  for (const pair of flag.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value, extra] = pair.split('=').map((x) => x.trim());
    if (!value || extra !== undefined) throw new LbError('INVALID_ARGUMENT', `--default-quota: "${pair}" must be key=value, e.g. ram=8gib`);
    if (QUOTA_LIMITS.includes(key)) limits[key] = COUNTS.includes(key) && /^\d+$/.test(value) ? Number(value) : value;
    else if (key === 'default-cpu' || key === 'default-ram') defaults[key.slice('default-'.length)] = value;
    else throw new LbError('INVALID_ARGUMENT', `--default-quota: unknown key "${key}" (one of ${[...QUOTA_LIMITS, 'default-cpu', 'default-ram'].join(', ')})`);
  }
  return { ...base, default: { ...base.default, ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(defaults).length ? { defaults } : {}) } };
}

/** $LB_ETCD_ENDPOINTS (comma-separated) selects etcd; $LB_SECRET_KEY_FILE names the secret key. */
function storeFromEnv(file: unknown, env: NodeJS.ProcessEnv): unknown {
  const endpoints = env.LB_ETCD_ENDPOINTS?.split(',').map((e) => e.trim()).filter(Boolean);
  if (!endpoints?.length && !env.LB_SECRET_KEY_FILE) return file;
  const base = (file && typeof file === 'object' ? file : {}) as Record<string, unknown>;
  const etcd = (base.etcd && typeof base.etcd === 'object' ? base.etcd : {}) as Record<string, unknown>;
  return {
    ...base,
    ...(endpoints?.length ? { backend: 'etcd', etcd: { ...etcd, endpoints } } : {}),
    ...(env.LB_SECRET_KEY_FILE ? { secret_key_file: env.LB_SECRET_KEY_FILE } : {}),
  };
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = LISTEN_RE.exec(listen);
  if (!m) throw new LbError('INVALID_ARGUMENT', `listen: "${listen}" must be host:port`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
