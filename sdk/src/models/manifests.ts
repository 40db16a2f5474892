// The one source of truth for what users may write. API validation, the OpenAPI document and the
// CLI's local validation all use these schemas. Objects are strict: an unknown field is an error.
import { z } from 'zod';
import { parseCpu, parseRam } from './quantity';

export const API_VERSION = 'v1';

export const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const name = () =>
  z
    .string()
    .regex(NAME_RE, 'must be a DNS label: lowercase letters, digits and "-", 1-63 chars, starting and ending alphanumeric');

const LABEL_KEY_RE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_KEY_REASON = 'label keys are [prefix/]name of letters, digits, "-", "_", "."';
export const labelKey = () => z.string().regex(LABEL_KEY_RE, LABEL_KEY_REASON);
// Keys are checked by a refinement, not a key schema: a record's key schema reports only "Invalid key in record".
export const labels = () =>
  z.record(z.string(), z.string().max(253)).superRefine((r, ctx) => {
    for (const k of Object.keys(r)) if (!LABEL_KEY_RE.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: LABEL_KEY_REASON });
  });

export const ManifestMeta = z
  .object({
    name: name(),
    namespace: name().optional(),
    description: z.string().max(1024).optional(),
    labels: labels().optional(),
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
export const Resources = z.object({ limits: ResourceLimits.optional(), requests: ResourceLimits.optional() }).strict();

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
    value: z.string().optional(),
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

export const ContainerManifest = z
  .object({
    name: name(),
    image: z
      .object({
        name: z.string().min(1).max(512).regex(/^[^\s]+$/, 'must be an image reference without spaces'),
        policy: z.enum(['always', 'if-not-present', 'never']).default('if-not-present'),
        secret: name().optional().describe('Secret of type auth used to pull the image'),
      })
      .strict(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    workdir: absPath.optional(),
    env: z.array(EnvVar).default([]),
    ports: z.array(z.object({ container: port, protocol: z.enum(['tcp', 'udp']).default('tcp') }).strict()).optional(),
    volumes: z
      .array(
        z
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
          .strict(),
      )
      .default([]),
    resources: Resources.optional(),
    restart: z
      .object({
        policy: z.enum(['always', 'on-failure', 'never']).default('always'),
        attempts: z.number().int().min(0).max(1000).optional().describe('on-failure: restarts before giving up'),
      })
      .strict()
      .default({ policy: 'always' }),
    readiness: ProbeSpec.optional(),
    liveness: ProbeSpec.optional(),
  })
  .strict();
export type ContainerManifest = z.infer<typeof ContainerManifest>;

export const PodTemplate = z
  .object({
    containers: z
      .array(ContainerManifest)
      .min(1, 'a template needs at least one container')
      .max(32)
      .refine((cs) => new Set(cs.map((c) => c.name)).size === cs.length, 'container names must be unique'),
    volumes: z
      .array(
        z
          .object({
            name: name(),
            volume: z.object({ name: name() }).strict().optional(),
            secret: z.object({ name: name() }).strict().optional(),
            config: z.object({ name: name() }).strict().optional(),
          })
          .strict(),
      )
      .default([]),
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

export const Selector = z
  .object({ node: z.string().max(253).optional(), labels: labels().optional() })
  .strict();

export const ServiceSpec = z
  .object({
    replicas: z.number().int().min(0, 'must be 0 or more').max(1000).default(1),
    selector: Selector.optional(),
    network: z
      .object({
        ports: z.array(PortMapping).max(64).default([]),
        scheduler: z.enum(['rr', 'wrr', 'lc']).default('rr').describe('how the VIP balances: round robin, weighted, least connections'),
      })
      .strict()
      .optional(),
    template: PodTemplate,
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

export const NamespaceManifest = z
  .object({
    kind: z.literal('Namespace'),
    version: z.literal(API_VERSION).default(API_VERSION),
    meta: ManifestMeta,
    spec: z
      .object({
        resources: z.object({ limits: ResourceLimits.optional() }).strict().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export const ServiceManifest = manifest('Service', ServiceSpec);

export const SecretManifest = manifest(
  'Secret',
  z
    .object({
      type: z.enum(['opaque', 'auth', 'tls']).default('opaque'),
      data: z.record(z.string().min(1).max(253), z.string()).default({}),
    })
    .strict(),
);

export const ConfigManifest = manifest(
  'Config',
  z.object({ data: z.record(z.string().min(1).max(253), z.string()).default({}) }).strict(),
);

export const VolumeManifest = manifest(
  'Volume',
  z
    .object({
      capacity: z.object({ storage: ram }).strict().optional(),
      selector: Selector.optional(),
    })
    .strict(),
);

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

export const RouteManifest = manifest(
  'Route',
  z
    .object({
      domain: routeHost().optional(),
      port: port.optional(),
      tls: z.object({ secret: name(), redirect: z.boolean().default(false) }).strict().optional(),
      rules: z
        .array(z.object({ path: routePath().default('/'), service: name(), port }).strict())
        .min(1),
    })
    .strict(),
);

/** Every manifest kind a user may apply, by kind. */
export const Manifests = {
  Namespace: NamespaceManifest,
  Service: ServiceManifest,
  Secret: SecretManifest,
  Config: ConfigManifest,
  Volume: VolumeManifest,
  Route: RouteManifest,
} as const;
export type ManifestKind = keyof typeof Manifests;
export const MANIFEST_KINDS = Object.keys(Manifests) as ManifestKind[];

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
  | RouteManifest;

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
