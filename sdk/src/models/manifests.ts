// The one source of truth for what users may write. API validation, the OpenAPI document and the
// CLI's local validation all use these schemas. Objects are strict: an unknown field is an error.
// Input is lenient where the original Last.Backend's was (its spellings: original-input.ts): those are
// normalised into this model as they are parsed, so what is stored, and everything downstream, is
// unchanged. What cannot mean here what it meant there is refused, naming the field and the reason.
// Parsing is idempotent (the output parses to itself): the API parses a body at the route and again in
// the domain layer.
import { z } from 'zod';
import { parseCpu, parseRam } from './quantity';
import { NamespaceEgress } from './egress';
import {
  COMMAND_QUOTING_REASON,
  DIGEST_RE,
  hasQuoting,
  into,
  kindProblem,
  orNull,
  parseOriginalContainerPort,
  pinnedImage,
  portMapEntry,
  portMapProblem,
  scalarText,
  splitCommand,
} from './original-input';

export const API_VERSION = 'v1';

export const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A DNS label; a whole number is its digits (YAML reads `name: 2048` as a number). */
export const name = () =>
  scalarText(
    z.string().regex(NAME_RE, 'must be a DNS label: lowercase letters, digits and "-", 1-63 chars, starting and ending alphanumeric'),
  );

const LABEL_KEY_RE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_KEY_REASON = 'label keys are [prefix/]name of letters, digits, "-", "_", "."';
export const labelKey = () => z.string().regex(LABEL_KEY_RE, LABEL_KEY_REASON);
// Keys are checked by a refinement, not a key schema: a record's key schema reports only "Invalid key in record".
export const labels = () =>
  z.record(z.string(), scalarText(z.string().max(253))).superRefine((r, ctx) => {
    for (const k of Object.keys(r)) if (!LABEL_KEY_RE.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: LABEL_KEY_REASON });
  });

export const ManifestMeta = z
  .object({
    name: name(),
    namespace: orNull(name()).optional(),
    description: orNull(z.string().max(1024)).optional(),
    labels: orNull(labels()).optional(),
  })
  .strict();
export type ManifestMeta = z.infer<typeof ManifestMeta>;

const ram = z
  .union([z.string(), z.number()])
  .refine((v) => parseRam(v) !== undefined, 'must be a size such as 128mib, 1gib or a number of bytes');
const cpu = z
  .union([z.string(), z.number()])
  .refine((v) => parseCpu(v) !== undefined, 'must be cores such as 0.5, 2 or 500m');

export const ResourceLimits = z.object({ ram: ram.optional(), cpu: cpu.optional() }).strict();
const ResourcesModel = z.object({ limits: ResourceLimits.optional(), requests: ResourceLimits.optional() }).strict();
/** The original called requests `quota` (what the scheduler reserves); limits are what the runtime enforces, in both. */
const ResourcesInput = ResourcesModel.extend({ quota: ResourceLimits.optional().describe("the original's name for requests") })
  .superRefine((r, ctx) => {
    if (r.quota && r.requests) ctx.addIssue({ code: 'custom', path: ['quota'], message: "give requests or quota (the original's name for it), not both" });
  })
  .transform(({ quota, ...r }) => (quota ? { ...r, requests: quota } : r));
export const Resources = into(ResourcesInput, ResourcesModel);

const port = z.number().int().min(1).max(65535);

export const ProbeSpec = z
  .object({
    exec: z.object({ command: z.array(z.string()).min(1) }).strict().optional(),
    http: z
      .object({ path: z.string().startsWith('/').default('/'), port, scheme: z.enum(['http', 'https']).default('http') })
      .strict()
      .optional(),
    tcp: z.object({ port }).strict().optional(),
    initial_delay: z.number().int().min(0).max(3600).default(0).describe('seconds before the first check'),
    period: z.number().int().min(1).max(3600).default(10).describe('seconds between checks'),
    timeout: z.number().int().min(1).max(300).default(1).describe('seconds a check may take'),
    failure_threshold: z.number().int().min(1).max(100).default(3),
    success_threshold: z.number().int().min(1).max(100).default(1),
  })
  .strict()
  .refine((p) => [p.exec, p.http, p.tcp].filter(Boolean).length === 1, {
    message: 'a probe needs exactly one of exec, http or tcp',
  });
export type ProbeSpec = z.infer<typeof ProbeSpec>;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a shell variable name');
export const EnvVar = z
  .object({
    name: envName,
    value: scalarText(z.string()).optional(),
    secret: z.object({ name: name(), key: z.string().min(1) }).strict().optional(),
    config: z.object({ name: name(), key: z.string().min(1) }).strict().optional(),
  })
  .strict()
  .refine((e) => [e.value !== undefined, e.secret, e.config].filter(Boolean).length <= 1, {
    message: 'an env var takes one of value, secret or config',
  });

const absPath = z.string().startsWith('/', 'must be an absolute path').max(4096);

/**
 * Where a volume goes in a container: an absolute path and nothing else. A runtime that joins "source:target:options"
 * would read "/mnt:rshared" as options, so ":" is refused, as are control characters and ".." segments.
 */
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const mountTarget = () =>
  absPath
    .refine((p) => !p.includes(':'), 'must not contain ":" (a mount target is a path, not options)')
    .refine((p) => !CONTROL_CHARS.test(p), 'must not contain NUL or control characters')
    .refine((p) => !p.split('/').includes('..'), 'must not contain ".." segments');

const imageRef = z.string().min(1).max(512).regex(/^[^\s]+$/, 'must be an image reference without spaces');
/** The stored shape (what the lenient input is normalised into; wire views extend it). */
export const ImageModel = z
  .object({
    name: imageRef,
    policy: z.enum(['always', 'if-not-present', 'never']).default('if-not-present'),
    secret: name().optional().describe('Secret of type auth used to pull the image'),
  })
  .strict();
/**
 * The original's image: `secret` was `{name, key}` (an opaque secret whose key held base64 "user:password";
 * Go clients send `{}` when there is none), and `sha` pinned the image by digest (it pulled name@sha).
 */
const ImageInput = ImageModel.extend({
  secret: z
    .union([
      name(),
      z.null(),
      z.object({ name: z.union([z.literal(''), name()]).optional(), key: z.string().optional() }).strict(),
    ])
    .optional()
    .describe('Secret of type auth used to pull the image: its name, or {name} as the original wrote it'),
  sha: z.string().optional().describe('a digest (sha256:…): the image is pulled as name@sha, as the original did'),
})
  .superRefine((i, ctx) => {
    if (i.secret && typeof i.secret === 'object' && i.secret.key)
      ctx.addIssue({
        code: 'custom',
        path: ['secret', 'key'],
        message:
          'a pull secret here is a Secret of type auth (username, password) named by secret.name; the original\'s key holding base64 "user:password" in an opaque secret is not supported',
      });
    if (!i.sha) return;
    if (!DIGEST_RE.test(i.sha)) ctx.addIssue({ code: 'custom', path: ['sha'], message: 'must be a digest such as sha256:<64 hex digits>' });
    else if (i.name.includes('@')) ctx.addIssue({ code: 'custom', path: ['sha'], message: 'the image name already has a digest (name@sha…): give it once' });
  })
  .transform(({ sha, secret, ...i }) => {
    const s = typeof secret === 'object' && secret !== null ? secret.name || undefined : (secret ?? undefined);
    return { ...i, name: sha ? pinnedImage(i.name, sha) : i.name, ...(s ? { secret: s } : {}) };
  });
const Image = into(ImageInput, ImageModel);

const MountModel = z
  .object({
    name: name(),
    path: mountTarget(),
    readonly: z.boolean().default(false),
    sub_path: z
      .string()
      .max(1024)
      .refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\0'), 'must be a relative path inside the volume (no "..", not absolute)')
      .optional(),
  })
  .strict();
/** The original's `mode`: "ro" mounted read-only, anything else read-write. */
const MountInput = MountModel.extend({
  readonly: z.boolean().optional(),
  mode: z.enum(['ro', 'rw', ''], { error: 'must be ro or rw' }).optional().describe("the original's read-only switch: ro or rw"),
})
  .superRefine((m, ctx) => {
    if (m.readonly !== undefined && m.mode && m.readonly !== (m.mode === 'ro'))
      ctx.addIssue({ code: 'custom', path: ['mode'], message: `says ${m.mode} but readonly is ${m.readonly}` });
  })
  .transform(({ mode, readonly, ...m }) => ({ ...m, readonly: readonly ?? mode === 'ro' }));
const Mount = into(MountInput, MountModel);

const RestartModel = z
  .object({
    policy: z.enum(['always', 'on-failure', 'never']).default('always'),
    attempts: z.number().int().min(0).max(1000).optional().describe('on-failure: restarts before giving up'),
  })
  .strict();
/** The original passed restart to Docker: its `attempt`, and Docker's "no" for never. */
const RestartInput = RestartModel.extend({
  policy: z.string().optional(),
  attempt: z.number().int().min(0).max(1000).optional().describe("the original's name for attempts"),
})
  .superRefine((r, ctx) => {
    if (r.attempt !== undefined && r.attempts !== undefined)
      ctx.addIssue({ code: 'custom', path: ['attempt'], message: "give attempts or attempt (the original's name for it), not both" });
    const p = r.policy;
    if (p === undefined ? r.attempt !== undefined : p === '')
      ctx.addIssue({
        code: 'custom',
        path: ['policy'],
        message: 'the original passed an empty policy to Docker, which then never restarts the container: say always, on-failure or never',
      });
    else if (p === 'unless-stopped')
      ctx.addIssue({ code: 'custom', path: ['policy'], message: 'a container stopped by hand is restarted here: use always' });
    else if (p !== undefined && !['always', 'on-failure', 'never', 'no'].includes(p))
      ctx.addIssue({ code: 'custom', path: ['policy'], message: 'must be always, on-failure or never ("no" is taken for never)' });
  })
  .transform(({ attempt, policy, ...r }) => ({
    ...r,
    ...(policy !== undefined ? { policy: policy === 'no' ? 'never' : policy } : {}),
    ...(attempt !== undefined ? { attempts: attempt } : {}),
  }));
const Restart = into(RestartInput, RestartModel);

const ContainerPortModel = z.object({ container: port, protocol: z.enum(['tcp', 'udp']).default('tcp') }).strict();
/** Ours is {container, protocol}; the original's is a string (or a YAML number), parsed as it did. */
const ContainerPortInput = z
  .union([ContainerPortModel, z.string(), z.number().int()])
  .transform((p, ctx) => {
    if (typeof p === 'object') return p;
    const o = parseOriginalContainerPort(String(p));
    if ('container' in o) return o;
    ctx.addIssue({ code: 'custom', message: 'published' in o ? o.published : o.invalid });
    return z.NEVER;
  });
const ContainerPort = into(ContainerPortInput, ContainerPortModel);

const capability = z
  .string()
  .regex(/^(?:CAP_)?[A-Z][A-Z0-9_]*$/, 'must be a capability name such as NET_BIND_SERVICE ("CAP_" optional), or ALL')
  .transform((c) => c.replace(/^CAP_/, ''));
/**
 * How a container is confined, beyond the defaults every container gets (no new privileges, the runtime's
 * default seccomp profile, NET_RAW dropped, a pids limit: docs/architecture.md, "Container security"). What
 * widens it (privileged, capabilities to add, privilege escalation, no seccomp) is allowed only where the
 * namespace's spec.policy says so, checked when the service is written.
 */
export const ContainerSecurityModel = z
  .object({
    run_as_user: z.number().int().min(0).max(2147483647).optional().describe("uid the processes run as (else the image's user)"),
    run_as_non_root: z.boolean().optional().describe('refuse to start when the user would be root (uid 0), checked against the image on the node'),
    read_only_root_fs: z.boolean().optional(),
    capabilities: z
      .object({ add: z.array(capability).max(64).optional(), drop: z.array(capability).max(64).optional() })
      .strict()
      .optional()
      .describe('added to / removed from the runtime default set (NET_RAW is dropped by default: add it back to use it)'),
    allow_privilege_escalation: z.boolean().optional().describe('false (the default): no_new_privs, setuid binaries gain nothing'),
    seccomp: z.enum(['default', 'unconfined']).optional().describe("the runtime's default seccomp profile (the default), or none"),
    privileged: z.boolean().optional().describe('every capability and device of the host: only in a privileged namespace'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.run_as_non_root && s.run_as_user === 0)
      ctx.addIssue({ code: 'custom', path: ['run_as_user'], message: 'is 0 (root) but run_as_non_root is true' });
  });
export type ContainerSecurityModel = z.infer<typeof ContainerSecurityModel>;

/** The stored shape (what the lenient input is normalised into; wire views extend it). */
export const ContainerModel = z
  .object({
    name: name(),
    image: Image,
    command: z.array(z.string()).optional().describe("replaces the image's entrypoint"),
    args: z.array(z.string()).optional().describe("replaces the image's CMD"),
    workdir: absPath.optional(),
    env: z.array(EnvVar).default([]),
    ports: z.array(ContainerPort).optional(),
    volumes: z.array(Mount).default([]),
    resources: Resources.optional(),
    restart: Restart.default({ policy: 'always' }),
    readiness: ProbeSpec.optional(),
    liveness: ProbeSpec.optional(),
    security: ContainerSecurityModel.optional(),
  })
  .strict();

const commandWords = z.union([z.string(), z.array(z.string())]);
/**
 * The original's `command` is a string: its node split it at spaces and gave it to Docker as the CMD,
 * keeping the image's entrypoint, which its `entrypoint` string replaced. Here a command list replaces the
 * entrypoint and args the CMD, so a command string becomes args and an entrypoint becomes command. Its
 * `security: {privileged: false}` (or null) says nothing and is dropped; `privileged: true` is for the
 * namespace's policy to allow or refuse.
 */
const ContainerManifestInput = ContainerModel.extend({
  command: commandWords
    .optional()
    .describe("a list replaces the image's entrypoint; a string is the original's: split at spaces, it replaces the image's CMD (args)"),
  entrypoint: commandWords.optional().describe("the original's: replaces the image's entrypoint (command here)"),
  security: ContainerSecurityModel.nullable().optional(),
})
  .superRefine((c, ctx) => {
    for (const k of ['command', 'entrypoint'] as const) {
      const v = c[k];
      if (typeof v === 'string' && hasQuoting(v)) ctx.addIssue({ code: 'custom', path: [k], message: COMMAND_QUOTING_REASON });
    }
    if (typeof c.command === 'string' && c.args)
      ctx.addIssue({ code: 'custom', path: ['args'], message: "a command string is the image's CMD, which args is too: give one of them" });
    if (Array.isArray(c.command) && c.entrypoint !== undefined)
      ctx.addIssue({ code: 'custom', path: ['entrypoint'], message: 'a command list replaces the entrypoint, which entrypoint does too: give one of them' });
  })
  .transform(({ command, entrypoint, security, ...c }) => {
    const fromEntrypoint = typeof entrypoint === 'string' ? splitCommand(entrypoint) : entrypoint;
    const cmd = Array.isArray(command) ? command : fromEntrypoint?.length ? fromEntrypoint : undefined;
    const args = typeof command === 'string' ? splitCommand(command) : [];
    const sec = securitySaid(security);
    return { ...c, ...(cmd ? { command: cmd } : {}), ...(args.length ? { args } : {}), ...(sec ? { security: sec } : {}) };
  });

/** The security options that say something: privileged: false and an empty object are the defaults. */
function securitySaid(s: ContainerSecurityModel | null | undefined): ContainerSecurityModel | undefined {
  if (!s) return undefined;
  const { privileged, ...rest } = s;
  const out = privileged ? { ...rest, privileged } : rest;
  return Object.keys(out).length ? out : undefined;
}
export const ContainerManifest = into(ContainerManifestInput, ContainerModel);
export type ContainerManifest = z.infer<typeof ContainerManifest>;

const TemplateVolumeModel = z
  .object({
    name: name(),
    volume: z.object({ name: name() }).strict().optional(),
    secret: z.object({ name: name() }).strict().optional(),
    config: z.object({ name: name() }).strict().optional(),
  })
  .strict();
/** The original's file bindings: its node wrote every key of a config as a file named by the key, whatever `file` said. */
const binds = z
  .array(z.object({ key: z.string().min(1), file: z.string().optional() }).strict())
  .superRefine((bs, ctx) =>
    bs.forEach((b, i) => {
      if (b.file && b.file !== b.key)
        ctx.addIssue({ code: 'custom', path: [i, 'file'], message: `files are named by their key (as the original's node wrote them too): leave file out or make it "${b.key}"` });
    }),
  )
  .optional()
  .describe('taken when each file is its key: every key is a file named by the key');
const SOURCES = ['volume', 'secret', 'config'] as const;
const TemplateVolumeInput = TemplateVolumeModel.extend({
  type: z.string().optional().describe('the original stored it without using it: empty or the source given (volume, secret or config)'),
  volume: z
    .object({ name: name(), subpath: z.string().optional().describe('the original stored it without mounting it: only empty is taken') })
    .strict()
    .optional(),
  secret: z.object({ name: name(), binds }).strict().optional(),
  config: z.object({ name: name(), binds }).strict().optional(),
})
  .superRefine((v, ctx) => {
    const given = SOURCES.filter((s) => v[s]);
    if (given.length === 0)
      ctx.addIssue({
        code: 'custom',
        message: 'a volume takes one of volume, secret or config; a volume with none (the original made a scratch directory for the pod) is not supported',
      });
    if (v.type && !(given.length === 1 && v.type === given[0]))
      ctx.addIssue({ code: 'custom', path: ['type'], message: `must be empty or name the source given (${given.join(', ') || 'volume, secret or config'})` });
    if (v.volume?.subpath)
      ctx.addIssue({
        code: 'custom',
        path: ['volume', 'subpath'],
        message: "the original stored it but mounted the whole volume: set sub_path on the container's mount instead",
      });
  })
  .transform(({ type: _t, volume, secret, config, ...v }) => ({
    ...v,
    ...(volume ? { volume: { name: volume.name } } : {}),
    ...(secret ? { secret: { name: secret.name } } : {}),
    ...(config ? { config: { name: config.name } } : {}),
  }));
const TemplateVolume = into(TemplateVolumeInput, TemplateVolumeModel);

export const PodTemplate = z
  .object({
    containers: z
      .array(ContainerManifest)
      .min(1, 'a template needs at least one container')
      .max(32)
      .refine((cs) => new Set(cs.map((c) => c.name)).size === cs.length, 'container names must be unique'),
    volumes: z.array(TemplateVolume).default([]),
    termination: z.number().int().min(0).max(600).default(10).describe('seconds a container gets to stop'),
  })
  .strict()
  .superRefine((t, ctx) => {
    const declared = new Set(t.volumes.map((v) => v.name));
    t.containers.forEach((c, i) =>
      c.volumes.forEach((m, j) => {
        if (!declared.has(m.name)) ctx.addIssue({ code: 'custom', path: ['containers', i, 'volumes', j, 'name'], message: `volume "${m.name}" is not declared in template.volumes` });
      }),
    );
    t.volumes.forEach((v, i) => {
      if ([v.volume, v.secret, v.config].filter(Boolean).length !== 1) ctx.addIssue({ code: 'custom', path: ['volumes', i], message: 'a volume takes exactly one of volume, secret or config' });
    });
  });
export type PodTemplate = z.infer<typeof PodTemplate>;

const PORT_MAP_RE = /^(?:([a-z][a-z0-9-]{0,14})=)?(\d{1,5})(?::(\d{1,5}))?(?:\/(tcp|udp))?$/;
export const PortMapping = z
  .string()
  .regex(PORT_MAP_RE, 'must be "[name=]port[:containerPort][/tcp|udp]", e.g. "80:8080/tcp" or "http=80:8080"')
  .refine((s) => {
    const m = PORT_MAP_RE.exec(s);
    return !!m && [m[2], m[3] ?? m[2]].every((p) => Number(p) >= 1 && Number(p) <= 65535);
  }, 'ports must be between 1 and 65535');

export interface PortSpec {
  /** Named ports get DNS SRV records: _name._proto.service.namespace.<suffix>. */
  name?: string;
  port: number;
  container: number;
  protocol: 'tcp' | 'udp';
}

export function parsePortMapping(s: string): PortSpec {
  const m = PORT_MAP_RE.exec(s);
  if (!m) throw new Error(`bad port mapping ${s}`);
  return { ...(m[1] ? { name: m[1] } : {}), port: Number(m[2]), container: Number(m[3] ?? m[2]), protocol: (m[4] as 'tcp' | 'udp') ?? 'tcp' };
}

/** An empty `node:` (YAML null) is no node, as it was in the original. */
export const Selector = z
  .object({ node: orNull(z.string().max(253)).optional(), labels: orNull(labels()).optional() })
  .strict();

/** The stored shape (what the lenient input is normalised into; wire views extend it). */
export const NetworkModel = z
  .object({
    ports: z.array(PortMapping).max(64).default([]),
    scheduler: z.enum(['rr', 'wrr', 'lc']).default('rr').describe('how the VIP balances: round robin, weighted, least connections'),
  })
  .strict();
/** The original's ports map `{"80": "8080/tcp"}` (service port → container port) is the list entry "80:8080/tcp". */
const portMap = z.record(z.string(), scalarText(z.string())).superRefine((m, ctx) => {
  for (const [k, v] of Object.entries(m)) {
    const problem = portMapProblem(k, v);
    if (problem) ctx.addIssue({ code: 'custom', path: [k], message: problem });
  }
});
const NetworkInput = NetworkModel.extend({
  ports: z
    .union([z.array(scalarText(PortMapping)).max(64), portMap])
    .default([])
    .describe('"[name=]port[:containerPort][/tcp|udp]" entries, or the original\'s map {"80": "8080/tcp"}'),
  ip: z.string().nullable().optional().describe('the original\'s chosen service address: only empty is taken'),
})
  .superRefine((n, ctx) => {
    if (n.ip)
      ctx.addIssue({ code: 'custom', path: ['ip'], message: "a service's address is assigned from the service CIDR here; choosing one is not supported" });
    if (!Array.isArray(n.ports) && Object.keys(n.ports).length > 64) ctx.addIssue({ code: 'custom', path: ['ports'], message: 'at most 64 ports' });
  })
  .transform(({ ip: _checked, ports, ...n }) => ({ ...n, ports: Array.isArray(ports) ? ports : Object.entries(ports).map(([k, v]) => portMapEntry(k, v)) }));
const Network = into(NetworkInput, NetworkModel);

const BLUE_GREEN_RE = /^blue[-_/ ]?green$/i;
const DURATION_RE = /^([1-9]\d{0,5})(s|m|h)$/;
const DURATION_UNIT = { s: 1, m: 60, h: 3600 } as const;
/** Seconds in a duration written `90s`, `5m` or `1h`; undefined when it is not one. */
export function durationSeconds(d: string): number | undefined {
  const m = DURATION_RE.exec(d);
  return m ? Number(m[1]) * DURATION_UNIT[m[2] as keyof typeof DURATION_UNIT] : undefined;
}
/** How long a rollout may take when its strategy names no deadline. */
export const DEFAULT_ROLLOUT_DEADLINE = '10m';
export const ROLLOUT_DEADLINE_BOUNDS = { min: 10, max: 24 * 3600 } as const;
const Deadline = z.string().superRefine((d, ctx) => {
  const s = durationSeconds(d);
  if (s === undefined) ctx.addIssue({ code: 'custom', message: 'must be a duration in seconds, minutes or hours: "90s", "5m", "1h"' });
  else if (s < ROLLOUT_DEADLINE_BOUNDS.min || s > ROLLOUT_DEADLINE_BOUNDS.max) ctx.addIssue({ code: 'custom', message: 'must be between 10s and 24h' });
});
/** A rolling step bound: a count of pods (0–1000) or a percentage of the replicas ("25%"). */
const STEP_PCT_RE = /^(\d{1,3})%$/;
const StepBound = z.union([z.number(), z.string()]).superRefine((v, ctx) => {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 1000) ctx.addIssue({ code: 'custom', message: 'must be a whole number of pods from 0 to 1000, or a percentage such as "25%"' });
    return;
  }
  const m = STEP_PCT_RE.exec(v);
  if (!m || Number(m[1]) > 100) ctx.addIssue({ code: 'custom', message: `"${v}" must be a whole number of pods, or a percentage from "0%" to "100%"` });
});
export type StepBound = number | string;
/** How a new version replaces the old: blue-green (whole, then switch) or rolling (a few pods at a time). */
export const STRATEGY_TYPES = ['blue-green', 'rolling'] as const;
export type StrategyType = (typeof STRATEGY_TYPES)[number];
/** Rolling defaults when a bound is left out (Kubernetes's): 25% more pods, 25% fewer ready. */
export const ROLLING_DEFAULTS = { max_surge: '25%', max_unavailable: '25%' } as const;
/** What is stored of a strategy: its type (rolling; blue-green is the default and left out), its step bounds, what a failed rollout does, and by when a rollout must have succeeded. */
export const StrategyModel = z
  .object({
    type: z.literal('rolling').optional().describe('rolling: a few pods at a time, each new one ready before an old one goes (left out: blue-green)'),
    max_surge: StepBound.optional().describe(`rolling: pods above the replicas during the update, a count or a percentage (${ROLLING_DEFAULTS.max_surge} when left out)`),
    max_unavailable: StepBound.optional().describe(`rolling: ready pods below the replicas during the update, a count or a percentage (${ROLLING_DEFAULTS.max_unavailable} when left out)`),
    auto_rollback: z.boolean().optional().describe('a rollout that fails returns the service to the version that serves'),
    deadline: Deadline.optional().describe(`how long a rollout may take before it counts as failed ("90s", "5m", "1h"; ${DEFAULT_ROLLOUT_DEADLINE} when left out)`),
  })
  .strict();
export type ServiceStrategy = z.infer<typeof StrategyModel>;

/** Pods a bound allows for these replicas: a surge rounds up, an unavailability down (as Kubernetes does). */
export function stepBound(v: StepBound | undefined, fallback: string, replicas: number, round: 'up' | 'down'): number {
  const b = v ?? fallback;
  if (typeof b === 'number') return b;
  const pct = Number(STEP_PCT_RE.exec(b)?.[1] ?? 0);
  return (round === 'up' ? Math.ceil : Math.floor)((replicas * pct) / 100);
}
/** The strategy's surge and unavailability in pods for these replicas (undefined: blue-green). */
export function rollingBounds(s: ServiceStrategy | undefined, replicas: number): { surge: number; unavailable: number } | undefined {
  if (s?.type !== 'rolling') return undefined;
  const surge = stepBound(s.max_surge, ROLLING_DEFAULTS.max_surge, replicas, 'up');
  const unavailable = stepBound(s.max_unavailable, ROLLING_DEFAULTS.max_unavailable, replicas, 'down');
  // Both 0 (percentages rounded down for few replicas) could never move: one pod may be unavailable then.
  return { surge, unavailable: surge === 0 && unavailable === 0 ? 1 : unavailable };
}

const ROLLING_RE = /^rolling([-_ ]?update)?$/i;
const isZero = (v: StepBound | undefined): boolean => v === 0 || (typeof v === 'string' && /^0+%$/.test(v));
/**
 * A strategy as written: type blue-green (or left out, the default) or rolling (the original's "Rolling"),
 * max_surge and max_unavailable for rolling only. An empty strategy is none.
 */
const StrategyInput = StrategyModel.extend({
  type: z.string().nullable().optional().describe('blue-green (the default, or left out) or rolling (max_surge, max_unavailable)'),
})
  .strict()
  .nullable()
  .superRefine((s, ctx) => {
    const t = s?.type ?? '';
    const rolling = ROLLING_RE.test(t);
    if (t !== '' && !rolling && !BLUE_GREEN_RE.test(t)) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `unknown strategy "${t}": blue-green or rolling` });
      return;
    }
    if (!rolling) {
      for (const f of ['max_surge', 'max_unavailable'] as const)
        if (s?.[f] !== undefined) ctx.addIssue({ code: 'custom', path: [f], message: 'only a rolling strategy (type: rolling) takes it' });
    } else if (isZero(s?.max_surge) && isZero(s?.max_unavailable)) {
      ctx.addIssue({ code: 'custom', path: ['max_unavailable'], message: 'max_surge and max_unavailable cannot both be 0: no pod could be replaced' });
    }
  })
  .transform((s) => {
    if (!s) return undefined;
    const { type, ...kept } = s;
    const out: ServiceStrategy = { ...(type && ROLLING_RE.test(type) ? { type: 'rolling' as const } : {}), ...kept };
    return Object.keys(out).length ? out : undefined;
  });
const Strategy = into(StrategyInput, StrategyModel.optional());

/** At most this many dependencies per service. */
export const DEPENDS_ON_MAX = 32;
/**
 * What is stored of a dependency: a service of the same namespace that must be ready, or a job of it whose
 * latest finished task must have succeeded (compose's service_completed_successfully), before a rollout starts.
 */
const ServiceDependency = z.object({ service: name(), condition: z.literal('ready').optional() }).strict();
const JobDependency = z.object({ job: name(), condition: z.literal('completed').optional() }).strict();
export const DependencyModel = z.union([ServiceDependency, JobDependency]);
export type Dependency = z.infer<typeof DependencyModel>;
/** The object depended on, as messages name it: "service db", "job migrate". */
export const dependencyName = (d: Dependency): string => ('job' in d ? `job ${d.job}` : `service ${d.service}`);
const DEPENDENCY_FIELDS = new Set(['service', 'job', 'condition']);
/** One object with service or job, checked here so each mistake names its field. */
const DependencyInput = z
  .object({
    service: name().optional().describe('a service of the namespace that must be ready (condition ready, the default)'),
    job: name().optional().describe('a job of the namespace whose latest finished task must have succeeded (condition completed, the default)'),
    // Any word here, so a wrong one is told what its kind of dependency takes.
    condition: z.string().optional().describe('ready (a service\'s, the default) or completed (a job\'s, the default)'),
  })
  // Unknown fields are refused here: a pipe hands an unrecognized key on to the union, which drops it.
  .loose()
  .superRefine((d, ctx) => {
    for (const k of Object.keys(d)) if (!DEPENDENCY_FIELDS.has(k)) ctx.addIssue({ code: 'custom', path: [k], message: 'unknown field' });
    if (d.service !== undefined && d.job !== undefined) return void ctx.addIssue({ code: 'custom', path: ['job'], message: 'a dependency names a service or a job, not both' });
    if (d.service === undefined && d.job === undefined) return void ctx.addIssue({ code: 'custom', path: ['service'], message: 'names the service (or job) depended on' });
    if (d.condition === undefined) return;
    if (d.job !== undefined && d.condition !== 'completed') ctx.addIssue({ code: 'custom', path: ['condition'], message: 'must be completed (the only condition of a job)' });
    if (d.service !== undefined && d.condition !== 'ready') ctx.addIssue({ code: 'custom', path: ['condition'], message: 'must be ready (the only condition of a service)' });
  })
  .transform(({ service, job, condition }) => ({ ...(job !== undefined ? { job } : { service }), ...(condition !== undefined ? { condition } : {}) }));
const DependsOn = z
  .array(into(DependencyInput, DependencyModel))
  .max(DEPENDS_ON_MAX, `at most ${DEPENDS_ON_MAX} dependencies`)
  .superRefine((ds, ctx) => {
    const seen = new Set<string>();
    ds.forEach((d, i) => {
      const what = dependencyName(d);
      if (seen.has(what)) ctx.addIssue({ code: 'custom', path: [i, 'job' in d ? 'job' : 'service'], message: `${what} is named twice` });
      seen.add(what);
    });
  });

export const ServiceSpec = z
  .object({
    replicas: z.number().int().min(0, 'must be 0 or more').max(1000).default(1),
    selector: Selector.optional(),
    network: Network.optional(),
    strategy: Strategy.optional().describe('blue-green (the default) or rolling (max_surge, max_unavailable), with what a failed rollout does: auto_rollback, deadline'),
    template: PodTemplate,
    depends_on: DependsOn.optional().describe('services of the namespace that must be ready, and jobs whose latest task must have succeeded, before a new version of this one starts its pods'),
  })
  .strict();
export type ServiceSpec = z.infer<typeof ServiceSpec>;

const manifest = <K extends string, S extends z.ZodTypeAny>(kind: K, spec: S) =>
  z
    .object({
      kind: z.literal(kind),
      version: z.literal(API_VERSION).default(API_VERSION),
      meta: ManifestMeta,
      spec,
    })
    .strict();

/** What a namespace lets its containers ask for (docs/architecture.md, "Container security"); baseline when absent. */
export const POD_SECURITY_POLICIES = ['baseline', 'restricted', 'privileged'] as const;
export type PodSecurityPolicy = (typeof POD_SECURITY_POLICIES)[number];
const policy = z
  .enum(POD_SECURITY_POLICIES)
  .optional()
  .describe('what containers may ask for: baseline (the default), restricted, or privileged (admins set it)');

const count = z.number().int().min(0, 'must be 0 or more').max(1_000_000);
/** What a namespace may use in all: cpu and ram as containers request them, storage as volumes declare it. */
export const NamespaceLimits = z
  .object({
    cpu: cpu.optional().describe('cores requested by all replicas of all services (both versions during a blue/green rollout)'),
    ram: ram.optional().describe('ram requested by all replicas of all services (both versions during a blue/green rollout)'),
    storage: ram.optional().describe('the sum of its volumes\' capacity.storage'),
    pods: count.optional().describe('replicas of all services (both versions during a blue/green rollout)'),
    services: count.optional(),
    volumes: count.optional(),
  })
  .strict();
export type NamespaceLimits = z.infer<typeof NamespaceLimits>;
/** What a container that requests nothing (no requests, no limits) counts with against the quota. */
export const NamespaceDefaults = z.object({ cpu: cpu.optional(), ram: ram.optional() }).strict();
export const NamespaceResources = z
  .object({
    limits: NamespaceLimits.optional(),
    defaults: NamespaceDefaults.optional().describe("requests of a container that gives none: counted against the quota"),
  })
  .strict();
export type NamespaceResources = z.infer<typeof NamespaceResources>;
const egress = NamespaceEgress.optional().describe("where the server may call on the namespace's behalf (job providers and hooks); admins set it");
const NamespaceSpecModel = z.object({ resources: NamespaceResources.optional().describe('the quota: limits and default requests'), policy, egress }).strict();
/** The original's namespace quota fields: each may be null (unset), as its Go client sends them. */
const namespaceQuota = z
  .object({
    ram: orNull(ram).optional(),
    cpu: orNull(cpu).optional(),
    storage: orNull(z.union([z.literal(''), ram])).optional(),
    pods: orNull(count).optional(),
    services: orNull(count).optional(),
    volumes: orNull(count).optional(),
  })
  .strict()
  .nullable()
  .optional();
const dropUnset = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== ''));
const NamespaceSpecInput = z
  .object({
    domain: z.string().nullable().optional().describe("the original's namespace domain: only empty is taken"),
    policy,
    resources: z
      .object({
        limits: namespaceQuota,
        defaults: NamespaceDefaults.nullable().optional(),
        request: namespaceQuota.describe("the original's namespace requests: only empty is taken"),
      })
      .strict()
      .nullable()
      .optional(),
    egress,
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.domain)
      ctx.addIssue({
        code: 'custom',
        path: ['domain'],
        message: 'a namespace has no domain of its own here: routes answer at <route>.<namespace>.<ingress domain>, or at their own spec.domain',
      });
    const req = s.resources?.request;
    if (req && Object.values(req).some((v) => v !== null && v !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['resources', 'request'],
        message: 'a namespace takes limits and defaults here (the original stored requests without using them); give resources.limits, and resources.defaults for containers that request nothing',
      });
  })
  .transform(({ resources, policy, egress }) => {
    const p = { ...(policy ? { policy } : {}), ...(egress ? { egress } : {}) };
    if (!resources) return p;
    const limits = resources.limits ? dropUnset(resources.limits) : undefined;
    const defaults = resources.defaults ? dropUnset(resources.defaults) : undefined;
    return { resources: { ...(limits ? { limits } : {}), ...(defaults ? { defaults } : {}) }, ...p };
  });
const NamespaceSpec = into(NamespaceSpecInput, NamespaceSpecModel);

export const NamespaceManifest = z
  .object({
    kind: z.literal('Namespace'),
    version: z.literal(API_VERSION).default(API_VERSION),
    meta: ManifestMeta,
    spec: NamespaceSpec.default({}),
  })
  .strict();

export const ServiceManifest = manifest('Service', ServiceSpec);

const dataMap = () => z.record(z.string().min(1).max(253), scalarText(z.string())).default({});

export const SecretManifest = manifest(
  'Secret',
  z
    .object({
      type: z.enum(['opaque', 'auth', 'tls']).default('opaque'),
      data: dataMap(),
    })
    .strict(),
);

const ConfigSpecModel = z.object({ data: dataMap() }).strict();
const ConfigSpecInput = ConfigSpecModel.extend({
  type: z
    .enum(['text', 'file', ''], { error: "must be text or file (the original's config types), or left out" })
    .optional()
    .describe("the original's config type: a config holds text either way, so nothing is stored"),
}).transform(({ type: _t, ...c }) => c);
export const ConfigManifest = manifest('Config', into(ConfigSpecInput, ConfigSpecModel));

/** The stored shape (what the lenient input is normalised into; wire views extend it). */
export const VolumeSpecModel = z
  .object({
    capacity: z.object({ storage: ram }).strict().optional(),
    selector: Selector.optional(),
  })
  .strict();
/** A volume here is a directory on one node, read-write: the original's "dir" type. */
const ACCESS_MODES = ['', 'rw', 'rwo', 'readwriteonce'];
const VolumeSpecInput = VolumeSpecModel.extend({
  type: z.string().optional().describe('dir (a directory on a node, the only type)'),
  access_mode: z.string().optional().describe('read-write on one node: rw or ReadWriteOnce'),
  capacity: z
    .object({ storage: z.union([z.literal(''), ram]).optional() })
    .strict()
    .optional(),
})
  .superRefine((v, ctx) => {
    if (v.type && v.type !== 'dir')
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: v.type === 'local' ? 'only dir volumes exist (the original had no driver for local either)' : 'must be dir (a directory on a node, the only type)',
      });
    if (v.access_mode !== undefined && !ACCESS_MODES.includes(v.access_mode.toLowerCase()))
      ctx.addIssue({ code: 'custom', path: ['access_mode'], message: 'a volume here is read-write on the one node it lives on: rw (ReadWriteOnce)' });
  })
  // Go clients send {} for an unset capacity and selector (structs, not pointers): they say nothing.
  .transform(({ type: _t, access_mode: _a, capacity, selector, ...v }) => ({
    ...v,
    ...(capacity?.storage !== undefined && capacity.storage !== '' ? { capacity: { storage: capacity.storage } } : {}),
    ...(selector && Object.values(selector).some((x) => x !== undefined) ? { selector } : {}),
  }));
export const VolumeManifest = manifest('Volume', into(VolumeSpecInput, VolumeSpecModel));

// A route's host and paths end up in the ingress's config file, so they are checked here, at apply, not
// only when the ingress renders them: no spaces, quotes or control characters get that far.
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i;
/** A DNS name (any case, a trailing dot allowed), or a wildcard `*.example.com`. */
export function isRouteHost(v: string): boolean {
  const h = v.endsWith('.') ? v.slice(0, -1) : v;
  if (h.length === 0 || h.length > 253) return false;
  const parts = h.split('.');
  const named = parts[0] === '*' && parts.length > 1 ? parts.slice(1) : parts;
  return named.every((l) => DNS_LABEL_RE.test(l));
}
// RFC 3986 path characters without those an ingress config treats specially (quotes, '\', '#', '$', braces);
// '?' starts a query, which a route does not match on.
const ROUTE_PATH_RE = /^\/[A-Za-z0-9\-._~!&()*+,;=:@%/]*$/;
export const routeHost = () =>
  z
    .string()
    .max(253)
    .refine(isRouteHost, 'must be a DNS name of letters, digits, "-" and "." (or a wildcard *.example.com): no spaces or control characters');
export const routePath = () =>
  z
    .string()
    .max(1024)
    .superRefine((p, ctx) => {
      if (!p.startsWith('/')) ctx.addIssue({ code: 'custom', message: 'must start with "/"' });
      else if (!ROUTE_PATH_RE.test(p))
        ctx.addIssue({ code: 'custom', message: 'may hold only URL path characters (letters, digits and -._~!&()*+,;=:@%/): no spaces, quotes, "?", "#" or control characters' });
    });

const RouteRule = z.object({ path: routePath().default('/'), service: name(), port }).strict();
const RouteSpecModel = z
  .object({
    domain: routeHost().optional(),
    port: port.optional(),
    tls: z.object({ secret: name(), redirect: z.boolean().default(false) }).strict().optional(),
    rules: z.array(RouteRule).min(1),
  })
  .strict();
/**
 * The original's route: `endpoint` is its name for domain (empty: <route>.<namespace>.<domain>, as here),
 * its `type` was never read, and its Go client sends port 0 and path "" for unset ones.
 */
const RouteSpecInput = RouteSpecModel.extend({
  endpoint: z.union([z.literal(''), routeHost()]).optional().describe("the original's name for domain"),
  type: z.string().optional().describe('the original never read it: taken and not stored'),
  port: z.union([z.literal(0), port]).optional().describe('0 (the original\'s unset) is left out'),
  rules: z
    .array(RouteRule.extend({ path: z.union([z.literal(''), routePath()]).default('/').describe('"" is "/"') }))
    .min(1),
})
  .superRefine((r, ctx) => {
    if (r.endpoint && r.domain && r.endpoint.toLowerCase() !== r.domain.toLowerCase())
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: "is the original's name for domain, which says something else: give one of them" });
  })
  .transform(({ endpoint, type: _t, port: p, rules, ...r }) => ({
    ...r,
    ...(r.domain || endpoint ? { domain: r.domain || endpoint } : {}),
    ...(p ? { port: p } : {}),
    rules: rules.map((x) => ({ ...x, path: x.path || '/' })),
  }));
export const RouteManifest = manifest('Route', into(RouteSpecInput, RouteSpecModel));

// ---------------------------------------------------------------- jobs (a template for tasks, and how they start)
const JobDuration = (what: string) =>
  z.string().refine((d) => durationSeconds(d) !== undefined, `${what} must be a duration in seconds, minutes or hours: "30s", "5m", "1h"`);
const headers = () => z.record(z.string().min(1).max(256), z.string().max(8192));
export const JOB_CONCURRENCY_STRATEGIES = ['queue', 'skip', 'replace'] as const;
export const JobTaskSpec = z
  .object({
    template: PodTemplate,
    selector: Selector.optional(),
    retries: z.number().int().min(0).max(100).default(0).describe('attempts after the first failed one'),
    backoff: JobDuration('backoff').optional().describe('wait before the first retry; doubled for each next one (default 10s)'),
    deadline: JobDuration('deadline').optional().describe('a task running longer is killed and marked failed'),
  })
  .strict();
export const JobSpec = z
  .object({
    enabled: z.boolean().default(true).describe('false: new runs are refused'),
    concurrency: z
      .object({
        limit: z.number().int().min(1).max(1000).default(1),
        strategy: z.enum(JOB_CONCURRENCY_STRATEGIES).default('queue').describe('at the limit: queue waits, skip refuses the run, replace cancels the oldest running task'),
      })
      .strict()
      .default({ limit: 1, strategy: 'queue' }),
    resources: Resources.optional().describe("what each task's containers get when they say nothing of their own"),
    task: JobTaskSpec,
    history: z
      .object({ succeeded: z.number().int().min(0).max(1000).default(10), failed: z.number().int().min(0).max(1000).default(10) })
      .strict()
      .default({ succeeded: 10, failed: 10 })
      .describe('finished tasks kept, the newest first'),
    provider: z
      .object({
        cron: z
          .object({ schedule: z.string().min(1).max(256), timezone: z.string().max(64).optional(), missed: z.enum(['skip', 'run-once']).optional() })
          .strict()
          .optional(),
        http: z
          .object({
            endpoint: z.string().url().max(2048),
            method: z.enum(['GET', 'POST']).optional(),
            headers: headers().optional(),
            timeout: JobDuration('timeout').optional(),
            interval: JobDuration('interval').optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional()
      .describe('what starts tasks besides manual runs: a cron schedule, an HTTP endpoint polled for work'),
    hook: z
      .object({
        http: z
          .object({ endpoint: z.string().url().max(2048), method: z.enum(['POST', 'PUT']).optional(), headers: headers().optional(), timeout: JobDuration('timeout').optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional()
      .describe('what is called when a task ends, with its state and exit codes'),
  })
  .strict();
export type JobSpec = z.infer<typeof JobSpec>;

// The original's request.JobManifestSpec as its Go client marshals it: every field present, unset ones
// as Go's zero values ("" and 0) or null; `schedule` at the top (here provider.cron.schedule), resources'
// `request` (here requests), provider.timeout (here the http provider's). What has no meaning here is
// refused unless empty: provider.rabbitmq, task.runtime (the original's in-container command steps).
/** Go's null for an unset pointer: unset. (Not orNull's union: a union hides the inner field's reason.) */
const nul = <S extends z.ZodType>(s: S) => s.nullable().optional().transform((v) => v ?? undefined);
/** Leaves out the keys whose value is undefined (what Go's zero values became). */
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
const goString = <S extends z.ZodType>(s: S) => nul(z.union([z.literal(''), s]).transform((v) => (v === '' ? undefined : v)));
/** An http call as Go marshals it: method "" and headers null are unset. */
const JobHttpProvider = JobSpec.shape.provider.unwrap().shape.http.unwrap();
const goHttpProvider = nul(
  JobHttpProvider.extend({ method: goString(JobHttpProvider.shape.method.unwrap()).optional(), headers: nul(headers()).optional() }).transform(defined),
).optional();
const JobHttpHook = JobSpec.shape.hook.unwrap().shape.http.unwrap();
const goHttpHook = nul(JobHttpHook.extend({ method: goString(JobHttpHook.shape.method.unwrap()).optional(), headers: nul(headers()).optional() }).transform(defined)).optional();
const JobResourceInput = z
  .object({ ram: nul(ResourceLimits.shape.ram.unwrap()).optional(), cpu: nul(ResourceLimits.shape.cpu.unwrap()).optional(), storage: nul(z.literal('')).optional().describe("the original's: only empty is taken") })
  .strict()
  .transform(({ storage: _s, ...r }) => r);
const notHere = (why: string) =>
  nul(z.unknown().refine((v) => v === undefined || (typeof v === 'object' && v !== null && Object.values(v).every((x) => x === null || (Array.isArray(x) && !x.length))), why)).optional();
const JobSpecInput = JobSpec.extend({
  enabled: JobSpec.shape.enabled,
  schedule: goString(z.string().min(1).max(256)).optional().describe("the original's schedule: provider.cron.schedule"),
  concurrency: nul(
    z
      .object({ limit: z.union([z.literal(0), z.number().int().min(1).max(1000)]).optional().describe('0: unset (1)'), strategy: goString(z.enum(JOB_CONCURRENCY_STRATEGIES)).optional() })
      .strict()
      .transform((c) => ({ ...(c.limit ? { limit: c.limit } : {}), ...(c.strategy ? { strategy: c.strategy } : {}) })),
  ).optional(),
  resources: nul(
    z
      .object({ limits: nul(JobResourceInput).optional(), requests: nul(JobResourceInput).optional(), request: nul(JobResourceInput).optional().describe("the original's name for requests") })
      .strict()
      .superRefine((r, ctx) => {
        if (r.request && r.requests) ctx.addIssue({ code: 'custom', path: ['request'], message: "give requests or request (the original's name for it), not both" });
      })
      .transform(({ request, requests, limits }) => ({ ...(limits ? { limits } : {}), ...(requests ?? request ? { requests: requests ?? request } : {}) })),
  ).optional(),
  task: JobTaskSpec.extend({
    selector: nul(Selector).optional(),
    runtime: notHere("the original's task steps (runtime.services, runtime.tasks) are not run here: give the container its command"),
  }).transform(({ runtime: _r, ...t }) => t),
  provider: nul(
    z
      .object({
        timeout: goString(JobDuration('timeout')).optional().describe("the original's: the http provider's timeout"),
        cron: nul(z.object({ schedule: z.string().min(1).max(256).optional(), timezone: z.string().max(64).optional(), missed: z.enum(['skip', 'run-once']).optional() }).strict()).optional(),
        http: goHttpProvider,
        rabbitmq: notHere('a RabbitMQ provider is not supported: use cron or http'),
      })
      .strict(),
  ).optional(),
  hook: nul(z.object({ http: goHttpHook }).strict()).optional(),
})
  .superRefine((j, ctx) => {
    if (j.schedule && j.provider?.cron?.schedule && j.schedule !== j.provider.cron.schedule)
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'give the schedule once: schedule (the original\'s) or provider.cron.schedule' });
    if (j.provider?.cron && !j.provider.cron.schedule && !j.schedule) ctx.addIssue({ code: 'custom', path: ['provider', 'cron', 'schedule'], message: 'a cron provider needs a schedule' });
    if (j.provider?.timeout && !j.provider.http) ctx.addIssue({ code: 'custom', path: ['provider', 'timeout'], message: 'the timeout is the http provider\'s: give provider.http too' });
  })
  .transform(({ schedule, provider, hook, ...j }) => {
    const cron = provider?.cron || schedule ? { ...provider?.cron, schedule: (schedule ?? provider?.cron?.schedule)! } : undefined;
    const http = provider?.http ? { ...provider.http, ...(provider.timeout && !provider.http.timeout ? { timeout: provider.timeout } : {}) } : undefined;
    return {
      ...defined(j),
      ...(cron || http ? { provider: { ...(cron ? { cron } : {}), ...(http ? { http } : {}) } } : {}),
      ...(hook?.http ? { hook: { http: hook.http } } : {}),
    };
  });
export const JobManifest = manifest('Job', into(JobSpecInput, JobSpec));
export type JobManifest = z.infer<typeof JobManifest>;
/** POST /namespace/{ns}/job/{job}/task: a run, optionally with env overrides. */
/**
 * Also the original's request.TaskManifest as its Go client sends it (`{"meta": {}, "spec": {}}`, unset fields
 * null): a task here is named by the server and runs its job's template, so its meta and its spec's
 * runtime, selector and template are taken only empty.
 */
const originalOnly = (why: string) => orNull(z.unknown().refine((v) => v === undefined, why)).optional();
export const TaskRunRequest = z
  .object({
    meta: orNull(
      z
        .object({
          name: originalOnly('a task is named by the server (JOB-xxxxxx)'),
          description: originalOnly('a task has no description here'),
          labels: orNull(z.unknown().refine((v) => v === undefined || (typeof v === 'object' && v !== null && !Object.keys(v).length), "a task carries its job's labels")).optional(),
        })
        .strict(),
    )
      .optional()
      .describe("the original's TaskManifest meta: only empty is taken"),
    spec: z
      .object({
        env: z.array(z.object({ name: envName, value: scalarText(z.string()) }).strict()).max(256).default([]),
        runtime: originalOnly("the original's task steps are not run here: give the job's container its command"),
        selector: originalOnly("a task runs where its job's task.selector says: change the job"),
        template: originalOnly("a task runs its job's template: change the job (env overrides go in spec.env)"),
      })
      .strict()
      .transform(({ env }) => ({ env }))
      .default({ env: [] }),
  })
  .strict()
  .transform(({ spec }) => ({ spec }));
export type TaskRunRequest = z.infer<typeof TaskRunRequest>;
/** A job's HTTP provider may answer `{ manifest }`: the next task's env and, in place of the job's, its template. */
export const ProviderTaskManifest = z
  .object({
    spec: z
      .object({
        env: z.array(z.object({ name: envName, value: scalarText(z.string()) }).strict()).max(256).default([]),
        template: PodTemplate.optional().describe("replaces the job's task template for this task (checked against the namespace's policy)"),
      })
      .strict(),
  })
  .strict();
export type ProviderTaskManifest = z.infer<typeof ProviderTaskManifest>;

/** Every manifest kind a user may apply, by kind. */
export const Manifests = {
  Namespace: NamespaceManifest,
  Service: ServiceManifest,
  Secret: SecretManifest,
  Config: ConfigManifest,
  Volume: VolumeManifest,
  Route: RouteManifest,
  Job: JobManifest,
} as const;
export type ManifestKind = keyof typeof Manifests;
export const MANIFEST_KINDS = Object.keys(Manifests) as ManifestKind[];

/** Why a document's kind cannot be applied (a Pod's names Service), or undefined for one of MANIFEST_KINDS. */
export const manifestKindProblem = (kind: unknown): string | undefined => kindProblem(kind, MANIFEST_KINDS);

/** Any manifest, chosen by its kind; an unknown kind's error says what to apply instead. */
export const AnyManifestSchema = z.discriminatedUnion('kind', [NamespaceManifest, ServiceManifest, SecretManifest, ConfigManifest, VolumeManifest, RouteManifest, JobManifest], {
  error: (iss) => (iss.code === 'invalid_union' ? manifestKindProblem((iss.input as { kind?: unknown } | undefined)?.kind) : undefined),
});

export type NamespaceManifest = z.infer<typeof NamespaceManifest>;
export type ServiceManifest = z.infer<typeof ServiceManifest>;
export type SecretManifest = z.infer<typeof SecretManifest>;
export type ConfigManifest = z.infer<typeof ConfigManifest>;
export type VolumeManifest = z.infer<typeof VolumeManifest>;
export type RouteManifest = z.infer<typeof RouteManifest>;
export type AnyManifest =
  | NamespaceManifest
  | ServiceManifest
  | SecretManifest
  | ConfigManifest
  | VolumeManifest
  | RouteManifest
  | JobManifest;

/** Partial update of a service: what `lb scale` and PUT send. */
export const ServiceUpdate = z
  .object({
    meta: ManifestMeta.partial().strict().optional(),
    spec: ServiceSpec.partial().strict().optional(),
  })
  .strict();
export type ServiceUpdate = z.infer<typeof ServiceUpdate>;

export const RollbackRequest = z
  .object({ to: z.union([z.number().int().min(1), z.string().regex(/^v\d+$/, 'must be vN')]).optional() })
  .strict();

export const ExecRequest = z
  .object({
    container: name().optional(),
    command: z.array(z.string()).min(1, 'needs a command'),
    timeout: z.number().int().min(1).max(3600).default(60),
  })
  .strict();
