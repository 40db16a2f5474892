// A compose file as the platform's manifests: each service a Service (one container), or a Job when another
// service waits for it to complete (depends_on: service_completed_successfully), named volumes Volumes, a
// service's secrets and configs a Secret/Config per directory they are mounted in. What has
// no counterpart is warned about once per key and service; what cannot run correctly without its
// meaning (bind mounts, anonymous volumes, a build without an image) stops the conversion.
import { readFileSync } from 'node:fs';
import { environment, imagePolicy, labelsOf, probeOf, replicas, resources, restartOf, securityOf, words } from './container';
import { WHY, fail, note, warn, type Ctx, type Manifest } from './context';
import type { LoadedCompose } from './load';
import { fileMounts, topFiles, topVolumes, volumeMounts, type FileObject, type MountOut } from './mounts';
import { portsOf } from './ports';
import { durationSeconds, isMap, platformName } from './values';

export type { Manifest } from './context';

const TOP_LEVEL = new Set(['services', 'volumes', 'secrets', 'configs', 'name', 'version']);

export interface Conversion {
  /** Volumes, Secrets, Configs, Jobs, then Services, in file order. */
  manifests: Manifest[];
  /** One line per ignored key and service, e.g. "service web: `build` is not supported (ignored)". */
  warnings: string[];
}

export interface ConvertOptions {
  /** Reads a file named in the compose file (env_file, secrets, configs); default: the file system. */
  readText?: (path: string) => string;
}

/** Service keys with a counterpart; every other key is warned about. */
const MAPPED = new Set([
  'image', 'build', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'expose', 'volumes', 'deploy', 'scale',
  'healthcheck', 'restart', 'depends_on', 'secrets', 'configs', 'working_dir', 'user', 'read_only', 'privileged', 'cap_add',
  'cap_drop', 'labels', 'mem_limit', 'mem_reservation', 'cpus', 'pull_policy', 'stop_grace_period',
  'profiles',
]);

export function convertCompose(loaded: LoadedCompose, opts: ConvertOptions = {}): Conversion {
  const c: Ctx = { file: loaded.file, dir: loaded.dir, readText: opts.readText ?? ((p) => readFileSync(p, 'utf8')), lookup: loaded.lookup, warnings: [], warned: new Set(), skipped: new Set() };
  const doc = loaded.doc;
  for (const k of Object.keys(doc)) if (!TOP_LEVEL.has(k) && !k.startsWith('x-')) warn(c, undefined, k, WHY[k]);
  if (loaded.unset.length) for (const v of loaded.unset) note(c, `variable ${v} is not set: it is taken as ""`);

  // As `docker compose up` without --profile: a service in a profile is not started.
  const services: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.services as Record<string, unknown>)) {
    if (isMap(v) && Array.isArray(v.profiles) && v.profiles.length) {
      note(c, `service ${k}: in profiles ${v.profiles.join(', ')}: not deployed (as compose does without --profile)`);
      c.skipped.add(k);
    } else services[k] = v;
  }
  const names = serviceNames(c, Object.keys(services));
  const jobs = jobServices(c, services);
  const volumes = topVolumes(c, doc.volumes);
  const files = { secret: topFiles(c, 'secrets', doc.secrets), config: topFiles(c, 'configs', doc.configs) };

  const out: Manifest[] = [...volumes.manifests];
  const svcManifests: Manifest[] = [];
  const jobManifests: Manifest[] = [];
  const objects: Manifest[] = [];
  for (const [key, raw] of Object.entries(services)) {
    if (!isMap(raw)) throw fail(c, `services.${key}`, 'must be a mapping');
    const { service, extra } = convertService(c, key, names, jobs, raw, volumes.names, files);
    (service.kind === 'Job' ? jobManifests : svcManifests).push(service);
    objects.push(...extra);
  }
  out.push(...objects, ...jobManifests, ...svcManifests);
  return { manifests: out, warnings: c.warnings };
}

function serviceNames(c: Ctx, keys: string[]): Map<string, string> {
  if (!keys.length) throw fail(c, 'services', 'has no services');
  const names = new Map<string, string>();
  const taken = new Map<string, string>();
  for (const k of keys) {
    const n = platformName(k);
    if (!n) throw fail(c, `services.${k}`, 'the name has no letter or digit to make a service name of');
    const before = taken.get(n);
    if (before) throw fail(c, `services.${k}`, `is named ${n} here (lowercase letters, digits and -), as is ${before}: rename one`);
    taken.set(n, k);
    names.set(k, n);
    if (n !== k) note(c, `service ${k}: named ${n} here (names are lowercase letters, digits and -): other services reach it as ${n}`);
  }
  return names;
}


/**
 * The services another (deployed) one waits for with service_completed_successfully: each runs to completion,
 * so it becomes a Job, run once by `lb apply` (commands/apply.ts). Malformed entries are left to dependsOn.
 */
function jobServices(c: Ctx, services: Record<string, unknown>): Set<string> {
  const jobs = new Set<string>();
  for (const raw of Object.values(services)) {
    const deps = isMap(raw) ? raw.depends_on : undefined;
    if (!isMap(deps)) continue;
    for (const [dep, o] of Object.entries(deps)) if (!c.skipped.has(dep) && isMap(o) && o.condition === 'service_completed_successfully') jobs.add(dep);
  }
  return jobs;
}

/** Service keys that mean nothing for a run to completion: warned on a service that becomes a Job. */
const NOT_FOR_JOBS: Record<string, string> = {
  ports: "a job's task serves no port",
  expose: "a job's task serves no port",
  healthcheck: 'a task is done when its container exits 0',
  depends_on: 'a job waits for nothing: its task starts when applied (a restart policy retries it while what it needs starts)',
};

/**
 * A job's retries from the service's restart policy: none for `no` (or no restart:), on-failure's count,
 * else 3 (on-failure without a count, always, unless-stopped: a task that succeeded is done either way).
 */
function jobRetries(c: Ctx, key: string, restart: { policy: string; attempts?: number } | undefined): number {
  if (!restart || restart.policy === 'never') return 0;
  if (restart.policy === 'always') note(c, `service ${key}: runs as a Job: restart ${restart.policy} retries a failed task 3 times (one that succeeded is done)`);
  return Math.min(100, restart.attempts ?? 3);
}

type Files = { secret: Map<string, FileObject>; config: Map<string, FileObject> };

function convertService(
  c: Ctx,
  key: string,
  names: Map<string, string>,
  jobs: Set<string>,
  s: Record<string, unknown>,
  volumeNames: Map<string, string>,
  files: Files,
): { service: Manifest; extra: Manifest[] } {
  const name = names.get(key) as string;
  const at = (k: string) => `services.${key}.${k}`;
  const isJob = jobs.has(key);
  for (const k of Object.keys(s)) {
    if (!MAPPED.has(k) && !k.startsWith('x-')) warn(c, key, k, WHY[k]);
    else if (isJob && NOT_FOR_JOBS[k]) warn(c, key, k, NOT_FOR_JOBS[k]);
  }

  if (typeof s.image !== 'string' || !s.image) {
    if (s.build !== undefined) throw fail(c, `services.${key}`, 'has build but no image: images are not built here; build and push it, then give image:');
    throw fail(c, `services.${key}`, 'needs image:');
  }
  if (s.build !== undefined) warn(c, key, 'build', `the image ${s.image} is used as it is`);

  const container: Record<string, unknown> = { name, image: { name: s.image, ...imagePolicy(c, key, s.pull_policy) } };
  if (s.entrypoint !== undefined) container.command = words(c, at('entrypoint'), s.entrypoint);
  if (s.command !== undefined) container.args = words(c, at('command'), s.command);
  if (s.working_dir !== undefined) container.workdir = String(s.working_dir);
  const env = environment(c, key, s);
  if (env.length) container.env = env;
  const restart = restartOf(c, key, s);
  if (restart && !isJob) container.restart = restart;
  const res = resources(c, key, s);
  if (res) container.resources = res;
  if (s.healthcheck !== undefined && !isJob) {
    const probe = probeOf(c, key, s.healthcheck);
    if (probe) container.readiness = probe;
  }
  const security = securityOf(c, key, s);
  if (security) container.security = security;

  const templateVolumes: Record<string, unknown>[] = [];
  const mounts: MountOut[] = [];
  for (const m of volumeMounts(c, key, s.volumes, volumeNames)) {
    if (!templateVolumes.some((v) => v.name === m.name)) templateVolumes.push({ name: m.name, volume: { name: m.name } });
    mounts.push(m);
  }
  const extra: Manifest[] = [];
  for (const kind of ['secret', 'config'] as const) {
    const f = fileMounts(c, key, name, kind, s[`${kind}s`], files[kind]);
    templateVolumes.push(...f.volumes);
    mounts.push(...f.mounts);
    extra.push(...f.manifests);
  }
  if (mounts.length) container.volumes = mounts;

  const template: Record<string, unknown> = { containers: [container] };
  if (templateVolumes.length) template.volumes = templateVolumes;
  if (s.stop_grace_period !== undefined) template.termination = Math.min(600, Math.ceil(durationSeconds(s.stop_grace_period, at('stop_grace_period'))));
  const l = s.labels === undefined ? undefined : labelsOf(c, key, at('labels'), s.labels);
  const meta = { name, ...(l ? { labels: l } : {}) };
  if (isJob) {
    if (replicas(c, key, s) !== 1) warn(c, key, s.scale !== undefined ? 'scale' : 'deploy.replicas', 'a job runs one task');
    return { service: { kind: 'Job', version: 'v1', meta, spec: { task: { template, retries: jobRetries(c, key, restart) } } }, extra };
  }

  const spec: Record<string, unknown> = { replicas: replicas(c, key, s) };
  const ports = portsOf(c, key, s);
  if (ports.length) spec.network = { ports };
  const deps = dependsOn(c, key, s.depends_on, names, jobs);
  if (deps.length) spec.depends_on = deps;
  spec.template = template;
  return { service: { kind: 'Service', version: 'v1', meta, spec }, extra };
}


type DependencyOut = { service: string; condition: 'ready' } | { job: string; condition: 'completed' };

/**
 * `spec.depends_on`: started and healthy both mean ready here; completed_successfully names a service that
 * became a Job (jobServices), waited for to complete, as is any dependency on such a service.
 */
function dependsOn(c: Ctx, key: string, v: unknown, names: Map<string, string>, jobs: Set<string>): DependencyOut[] {
  if (v === undefined) return [];
  const where = `services.${key}.depends_on`;
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x) => [String(x), undefined]) : isMap(v) ? Object.entries(v) : [];
  if (!Array.isArray(v) && !isMap(v)) throw fail(c, where, 'must be a list of services or a mapping');
  const out: DependencyOut[] = [];
  for (const [dep, opts] of entries) {
    if (c.skipped.has(dep)) {
      note(c, `service ${key}: depends on ${dep}, which is not deployed (a profile): the dependency is left out`);
      continue;
    }
    const name = names.get(dep);
    if (!name) throw fail(c, `${where}.${dep}`, `service "${dep}" is not in this file`);
    if (opts !== undefined && opts !== null && !isMap(opts)) throw fail(c, `${where}.${dep}`, 'must be a mapping with condition');
    const o = (opts ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== 'condition') warn(c, key, `depends_on.${k}`);
    const cond = o.condition ?? 'service_started';
    if (cond !== 'service_started' && cond !== 'service_healthy' && cond !== 'service_completed_successfully')
      throw fail(c, `${where}.${dep}.condition`, 'must be service_started, service_healthy or service_completed_successfully');
    if (jobs.has(dep)) {
      if (cond !== 'service_completed_successfully') note(c, `service ${key}: depends on ${dep} (${String(cond)}), which runs as a Job (another service waits for it to complete): waits for it to complete`);
      out.push({ job: name, condition: 'completed' });
    } else out.push({ service: name, condition: 'ready' });
  }
  return out;
}
