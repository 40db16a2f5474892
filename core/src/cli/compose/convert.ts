// A compose file as the platform's manifests: each service a Service (one container), named volumes
// Volumes, a service's secrets and configs a Secret/Config per directory they are mounted in. What has
// no counterpart is warned about once per key and service; what cannot run correctly without its
// meaning (bind mounts, anonymous volumes, a build without an image) stops the conversion.
import { readFileSync } from 'node:fs';
import { dirname, posix, resolve } from 'node:path';
import { labels as labelsSchema } from '@lastbackend/sdk';
import { parseEnvFile } from '../env-file';
import type { LoadedCompose } from './load';
import { ComposeError, cpuOf, durationSeconds, int, isMap, keyValues, platformName, ramOf, stringList } from './values';

export type Manifest = { kind: string; version: 'v1'; meta: { name: string; labels?: Record<string, string> }; spec: Record<string, unknown> };

export interface Conversion {
  /** Volumes, Secrets, Configs, then Services, in file order. */
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
  'profiles',
  'image', 'build', 'command', 'entrypoint', 'environment', 'env_file', 'ports', 'expose', 'volumes', 'deploy', 'scale',
  'healthcheck', 'restart', 'depends_on', 'secrets', 'configs', 'working_dir', 'user', 'read_only', 'privileged', 'cap_add',
  'cap_drop', 'labels', 'mem_limit', 'mem_reservation', 'cpus', 'pull_policy', 'stop_grace_period',
]);
/** Why some ignored keys need no counterpart, said in their warning. */
const WHY: Record<string, string> = {
  networks: 'every service reaches every other by its name in the namespace',
  container_name: "containers are named by the platform; other services reach this one by the service's name",
  hostname: "other services reach this one by the service's name",
  tmpfs: "the path stays in the container's writable layer",
  links: 'every service reaches every other by its name in the namespace',
};
const TOP_LEVEL = new Set(['services', 'volumes', 'secrets', 'configs', 'name', 'version']);

const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PORT_NAME_RE = /^[a-z][a-z0-9-]{0,14}$/;

interface Ctx {
  file: string;
  dir: string;
  readText: (path: string) => string;
  /** Where `environment: [NAME]` entries and `secrets.X.environment` are read: the environment, then .env. */
  lookup: (name: string) => string | undefined;
  warnings: string[];
  warned: Set<string>;
  /** Services in a profile, left out. */
  skipped: Set<string>;
}

function warn(c: Ctx, svc: string | undefined, key: string, why?: string): void {
  const line = `${svc ? `service ${svc}: ` : ''}\`${key}\` is not supported (ignored)${why ? `: ${why}` : ''}`;
  if (c.warned.has(line)) return;
  c.warned.add(line);
  c.warnings.push(line);
}
/** A warning that is not about an ignored key (a renamed service, an unset variable). */
function note(c: Ctx, line: string): void {
  if (c.warned.has(line)) return;
  c.warned.add(line);
  c.warnings.push(line);
}
const fail = (c: Ctx, where: string, msg: string) => new ComposeError(`${c.file}: ${where}: ${msg}`);

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
  const volumes = topVolumes(c, doc.volumes);
  const files = { secret: topFiles(c, 'secrets', doc.secrets), config: topFiles(c, 'configs', doc.configs) };

  const out: Manifest[] = [...volumes.manifests];
  const svcManifests: Manifest[] = [];
  const objects: Manifest[] = [];
  for (const [key, raw] of Object.entries(services)) {
    if (!isMap(raw)) throw fail(c, `services.${key}`, 'must be a mapping');
    const { service, extra } = convertService(c, key, names, raw, volumes.names, files);
    svcManifests.push(service);
    objects.push(...extra);
  }
  out.push(...objects, ...svcManifests);
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

// ------------------------------------------------------------------ top-level volumes, secrets, configs

interface TopVolumes {
  manifests: Manifest[];
  /** Compose volume key → the platform Volume's name. */
  names: Map<string, string>;
}

function topVolumes(c: Ctx, v: unknown): TopVolumes {
  const r: TopVolumes = { manifests: [], names: new Map() };
  if (v === undefined || v === null) return r;
  if (!isMap(v)) throw fail(c, 'volumes', 'must be a mapping of volume names');
  for (const [key, def] of Object.entries(v)) {
    const d = def ?? {};
    if (!isMap(d)) throw fail(c, `volumes.${key}`, 'must be a mapping or empty');
    const name = platformName(typeof d.name === 'string' ? d.name : key);
    if (!NAME_RE.test(name)) throw fail(c, `volumes.${key}`, 'has no letter or digit to make a volume name of');
    r.names.set(key, name);
    for (const k of Object.keys(d)) if (!['name', 'external', 'labels'].includes(k)) warn(c, undefined, `volumes.${key}.${k}`, 'a volume here is a directory on the node that holds it');
    if (d.external === true) continue;
    const l = d.labels === undefined ? undefined : labelsOf(c, undefined, `volumes.${key}.labels`, d.labels);
    r.manifests.push({ kind: 'Volume', version: 'v1', meta: { name, ...(l ? { labels: l } : {}) }, spec: {} });
  }
  return r;
}

interface FileObject {
  /** Set for `external: true`: the existing Secret/Config's name. */
  external?: string;
  content?: string;
}

/** Top-level secrets/configs: their contents (from a file, an environment variable or inline), or the external name. */
function topFiles(c: Ctx, kind: 'secrets' | 'configs', v: unknown): Map<string, FileObject> {
  const r = new Map<string, FileObject>();
  if (v === undefined || v === null) return r;
  if (!isMap(v)) throw fail(c, kind, 'must be a mapping');
  for (const [key, def] of Object.entries(v)) {
    const where = `${kind}.${key}`;
    if (!isMap(def)) throw fail(c, where, 'must be a mapping with file, environment, content or external');
    for (const k of Object.keys(def)) if (!['file', 'environment', 'content', 'external', 'name'].includes(k)) warn(c, undefined, `${where}.${k}`);
    if (def.external === true) {
      const name = platformName(typeof def.name === 'string' ? def.name : key);
      r.set(key, { external: name });
      continue;
    }
    if (typeof def.file === 'string') r.set(key, { content: readContent(c, where, resolve(c.dir, def.file)) });
    else if (typeof def.environment === 'string') {
      const val = c.lookup(def.environment);
      if (val === undefined) throw fail(c, `${where}.environment`, `variable ${def.environment} is not set`);
      r.set(key, { content: val });
    } else if (typeof def.content === 'string' && kind === 'configs') r.set(key, { content: def.content });
    else throw fail(c, where, `needs file${kind === 'configs' ? ', content' : ''}, environment or external: true`);
  }
  return r;
}

function readContent(c: Ctx, where: string, path: string): string {
  let text: string;
  try {
    text = c.readText(path);
  } catch (e) {
    throw fail(c, where, `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (text.includes('\uFFFD')) throw fail(c, where, `${path} is not UTF-8 text (secrets and configs hold text)`);
  return text;
}

// ------------------------------------------------------------------ a service

type Files = { secret: Map<string, FileObject>; config: Map<string, FileObject> };

function convertService(
  c: Ctx,
  key: string,
  names: Map<string, string>,
  s: Record<string, unknown>,
  volumeNames: Map<string, string>,
  files: Files,
): { service: Manifest; extra: Manifest[] } {
  const name = names.get(key) as string;
  const at = (k: string) => `services.${key}.${k}`;
  for (const k of Object.keys(s)) if (!MAPPED.has(k) && !k.startsWith('x-')) warn(c, key, k, WHY[k]);

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
  if (restart) container.restart = restart;
  const res = resources(c, key, s);
  if (res) container.resources = res;
  if (s.healthcheck !== undefined) {
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

  const spec: Record<string, unknown> = { replicas: replicas(c, key, s) };
  const ports = portsOf(c, key, s);
  if (ports.length) spec.network = { ports };
  const deps = dependsOn(c, key, s.depends_on, names);
  if (deps.length) spec.depends_on = deps;
  const template: Record<string, unknown> = { containers: [container] };
  if (templateVolumes.length) template.volumes = templateVolumes;
  if (s.stop_grace_period !== undefined) template.termination = Math.min(600, Math.ceil(durationSeconds(s.stop_grace_period, at('stop_grace_period'))));
  spec.template = template;
  const l = s.labels === undefined ? undefined : labelsOf(c, key, at('labels'), s.labels);
  return { service: { kind: 'Service', version: 'v1', meta: { name, ...(l ? { labels: l } : {}) }, spec }, extra };
}

function words(c: Ctx, where: string, v: unknown): string[] {
  if (typeof v === 'string') return splitShellWords(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  throw fail(c, where, 'must be a string or a list of strings');
}

/** Splits like compose does (shell words: quotes and backslashes, no expansion). */
function splitShellWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let q: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === q) q = undefined;
      else if (ch === '\\' && q === '"' && i + 1 < line.length) cur += line[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") (q = ch), (has = true);
    else if (ch === '\\' && i + 1 < line.length) (cur += line[++i]), (has = true);
    else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += ch;
  }
  if (has || cur) out.push(cur);
  return out;
}

function imagePolicy(c: Ctx, key: string, p: unknown): { policy?: string } {
  if (p === undefined) return {};
  const map: Record<string, string> = { always: 'always', never: 'never', missing: 'if-not-present', if_not_present: 'if-not-present' };
  if (typeof p === 'string' && map[p]) return { policy: map[p] };
  warn(c, key, `pull_policy: ${String(p)}`, 'taken as missing (pulled when not on the node)');
  return {};
}

function environment(c: Ctx, key: string, s: Record<string, unknown>): { name: string; value: string }[] {
  const env = new Map<string, string>();
  if (s.env_file !== undefined) {
    const list = Array.isArray(s.env_file) ? s.env_file : [s.env_file];
    list.forEach((e, i) => {
      const where = `services.${key}.env_file.${i}`;
      const entry = typeof e === 'string' ? { path: e, required: true } : isMap(e) && typeof e.path === 'string' ? { path: e.path, required: e.required !== false } : undefined;
      if (!entry) throw fail(c, where, 'must be a path or {path, required}');
      const path = resolve(c.dir, entry.path);
      let text: string;
      try {
        text = c.readText(path);
      } catch (err) {
        if (!entry.required) return;
        throw fail(c, where, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      for (const v of parseEnvFile(text, path)) env.set(v.name, v.value);
    });
  }
  if (s.environment !== undefined)
    for (const [k, v] of keyValues(s.environment, `services.${key}.environment`)) {
      // A name without a value takes the variable from the environment compose runs in, or is left out.
      const val = v ?? c.lookup(k);
      if (val === undefined) env.delete(k);
      else env.set(k, val);
    }
  return [...env].map(([name, value]) => ({ name, value }));
}

function restartOf(c: Ctx, key: string, s: Record<string, unknown>): { policy: string; attempts?: number } | undefined {
  const rp = isMap(s.deploy) ? s.deploy.restart_policy : undefined;
  if (s.restart !== undefined) {
    if (rp !== undefined) warn(c, key, 'deploy.restart_policy', 'restart: is given too, and wins');
    const r = String(s.restart);
    if (r === 'no') return { policy: 'never' };
    if (r === 'always') return { policy: 'always' };
    if (r === 'unless-stopped') {
      note(c, `service ${key}: restart unless-stopped runs as always (a container is not stopped by hand here)`);
      return { policy: 'always' };
    }
    const m = /^on-failure(?::(\d+))?$/.exec(r);
    if (m) return { policy: 'on-failure', ...(m[1] ? { attempts: Number(m[1]) } : {}) };
    throw fail(c, `services.${key}.restart`, `"${r}" must be no, always, on-failure[:N] or unless-stopped`);
  }
  if (rp === undefined) return undefined;
  if (!isMap(rp)) throw fail(c, `services.${key}.deploy.restart_policy`, 'must be a mapping');
  for (const k of Object.keys(rp)) if (!['condition', 'max_attempts'].includes(k)) warn(c, key, `deploy.restart_policy.${k}`);
  const cond = rp.condition ?? 'any';
  const policy = cond === 'none' ? 'never' : cond === 'on-failure' ? 'on-failure' : cond === 'any' ? 'always' : undefined;
  if (!policy) throw fail(c, `services.${key}.deploy.restart_policy.condition`, 'must be none, on-failure or any');
  const attempts = rp.max_attempts === undefined ? undefined : int(rp.max_attempts, `services.${key}.deploy.restart_policy.max_attempts`);
  return { policy, ...(attempts !== undefined && policy === 'on-failure' ? { attempts } : {}) };
}

function replicas(c: Ctx, key: string, s: Record<string, unknown>): number {
  const d = s.deploy;
  if (d !== undefined && !isMap(d)) throw fail(c, `services.${key}.deploy`, 'must be a mapping');
  if (d) {
    for (const k of Object.keys(d)) if (!['replicas', 'resources', 'restart_policy', 'mode'].includes(k)) warn(c, key, `deploy.${k}`);
    if (d.mode !== undefined && d.mode !== 'replicated') warn(c, key, `deploy.mode: ${String(d.mode)}`, 'services run as replicated');
    if (d.replicas !== undefined) return int(d.replicas, `services.${key}.deploy.replicas`);
  }
  return s.scale === undefined ? 1 : int(s.scale, `services.${key}.scale`);
}

function resources(c: Ctx, key: string, s: Record<string, unknown>): Record<string, Record<string, unknown>> | undefined {
  const where = `services.${key}.deploy.resources`;
  const r = isMap(s.deploy) ? s.deploy.resources : undefined;
  if (r !== undefined && !isMap(r)) throw fail(c, where, 'must be a mapping');
  const limits: Record<string, unknown> = {};
  const requests: Record<string, unknown> = {};
  const part = (v: unknown, name: 'limits' | 'reservations', into: Record<string, unknown>) => {
    if (v === undefined) return;
    if (!isMap(v)) throw fail(c, `${where}.${name}`, 'must be a mapping');
    for (const k of Object.keys(v)) if (!['cpus', 'memory'].includes(k)) warn(c, key, `deploy.resources.${name}.${k}`);
    if (v.cpus !== undefined) into.cpu = cpuOf(v.cpus, `${where}.${name}.cpus`);
    if (v.memory !== undefined) into.ram = ramOf(v.memory, `${where}.${name}.memory`);
  };
  if (r) {
    for (const k of Object.keys(r)) if (!['limits', 'reservations'].includes(k)) warn(c, key, `deploy.resources.${k}`);
    part(r.limits, 'limits', limits);
    part(r.reservations, 'reservations', requests);
  }
  // The older service-level keys, where deploy.resources says nothing.
  if (s.cpus !== undefined) limits.cpu ??= cpuOf(s.cpus, `services.${key}.cpus`);
  if (s.mem_limit !== undefined) limits.ram ??= ramOf(s.mem_limit, `services.${key}.mem_limit`);
  if (s.mem_reservation !== undefined) requests.ram ??= ramOf(s.mem_reservation, `services.${key}.mem_reservation`);
  const out: Record<string, Record<string, unknown>> = {};
  if (Object.keys(limits).length) out.limits = limits;
  if (Object.keys(requests).length) out.requests = requests;
  return Object.keys(out).length ? out : undefined;
}

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

/** A healthcheck as a readiness probe; undefined for `disable: true`, `test: [NONE]` or no test. */
function probeOf(c: Ctx, key: string, h: unknown): Record<string, unknown> | undefined {
  const where = `services.${key}.healthcheck`;
  if (!isMap(h)) throw fail(c, where, 'must be a mapping');
  for (const k of Object.keys(h)) if (!['test', 'interval', 'timeout', 'retries', 'start_period', 'disable'].includes(k)) warn(c, key, `healthcheck.${k}`);
  if (h.disable === true) return undefined;
  const t = h.test;
  let command: string[];
  if (typeof t === 'string') command = ['/bin/sh', '-c', t];
  else if (Array.isArray(t) && t.length && t.every((x) => typeof x === 'string')) {
    const [form, ...rest] = t as string[];
    if (form === 'NONE') return undefined;
    if (form === 'CMD' && rest.length) command = rest;
    else if (form === 'CMD-SHELL' && rest.length) command = ['/bin/sh', '-c', rest.join(' ')];
    else throw fail(c, `${where}.test`, 'must be a string, [CMD, ...], [CMD-SHELL, "..."] or [NONE]');
  } else if (t === undefined) {
    warn(c, key, 'healthcheck', "without test the image's HEALTHCHECK would run, which is not read here: no readiness probe");
    return undefined;
  } else throw fail(c, `${where}.test`, 'must be a string or a list');
  const probe: Record<string, unknown> = { exec: { command } };
  if (h.interval !== undefined) probe.period = clamp(Math.ceil(durationSeconds(h.interval, `${where}.interval`)), 1, 3600);
  // compose's default timeout is 30s (the platform's 1s would fail slow checks such as pg_isready).
  probe.timeout = clamp(Math.ceil(h.timeout === undefined ? 30 : durationSeconds(h.timeout, `${where}.timeout`)), 1, 300);
  if (h.retries !== undefined) probe.failure_threshold = clamp(int(h.retries, `${where}.retries`), 1, 100);
  if (h.start_period !== undefined) probe.initial_delay = clamp(Math.ceil(durationSeconds(h.start_period, `${where}.start_period`)), 0, 3600);
  return probe;
}

function securityOf(c: Ctx, key: string, s: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (s.user !== undefined) {
    const m = /^(\d+)(?::(.*))?$/.exec(String(s.user));
    if (m) {
      out.run_as_user = Number(m[1]);
      if (m[2] !== undefined) warn(c, key, 'user group', `the container runs as uid ${m[1]} with the image's group`);
    } else warn(c, key, 'user', 'only a numeric uid is taken (run_as_user)');
  }
  if (s.read_only === true) out.read_only_root_fs = true;
  if (s.privileged === true) out.privileged = true;
  const caps: Record<string, string[]> = {};
  if (s.cap_add !== undefined) caps.add = stringList(s.cap_add, `services.${key}.cap_add`);
  if (s.cap_drop !== undefined) caps.drop = stringList(s.cap_drop, `services.${key}.cap_drop`);
  if (Object.keys(caps).length) out.capabilities = caps;
  return Object.keys(out).length ? out : undefined;
}

function labelsOf(c: Ctx, svc: string | undefined, where: string, v: unknown): Record<string, string> | undefined {
  const l = Object.fromEntries(keyValues(v, where).map(([k, x]) => [k, x ?? '']));
  if (labelsSchema().safeParse(l).success) return Object.keys(l).length ? l : undefined;
  warn(c, svc, where.replace(/^services\.[^.]+\./, ''), 'label keys must be DNS-style names (e.g. app, example.com/tier)');
  return undefined;
}

// ------------------------------------------------------------------ ports

interface Port {
  name?: string;
  port: number;
  container: number;
  protocol: string;
}

function range(s: string): [number, number] | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] ? Number(m[2]) : a;
  return a >= 1 && b <= 65535 && a <= b ? [a, b] : undefined;
}

/** `ports` (published on the service's VIP at the published port, else at the container's) and `expose`. */
function portsOf(c: Ctx, key: string, s: Record<string, unknown>): string[] {
  const list: Port[] = [];
  const add = (where: string, pub: string | undefined, target: string, protocol: string, name?: string) => {
    const t = range(target);
    const p = pub ? range(pub) : t;
    if (!t || !p) throw fail(c, where, `"${pub ? `${pub}:` : ''}${target}" must be ports (1-65535) or port ranges`);
    if (protocol !== 'tcp' && protocol !== 'udp') throw fail(c, where, `protocol ${protocol} is not supported (tcp or udp)`);
    const n = t[1] - t[0] + 1;
    if (p[1] - p[0] + 1 !== n) throw fail(c, where, 'the published range and the container range must be of the same length');
    for (let i = 0; i < n; i++) list.push({ ...(name && n === 1 ? { name } : {}), port: p[0] + i, container: t[0] + i, protocol });
  };
  if (s.ports !== undefined) {
    if (!Array.isArray(s.ports)) throw fail(c, `services.${key}.ports`, 'must be a list');
    s.ports.forEach((e, i) => {
      const where = `services.${key}.ports.${i}`;
      if (typeof e === 'number') return add(where, undefined, String(e), 'tcp');
      if (typeof e === 'string') {
        const [spec, proto = 'tcp'] = e.split('/');
        // [HOST_IP:][PUBLISHED:]TARGET; an IPv6 host address is in brackets.
        const v6 = /^\[([^\]]*)\]:(.*)$/.exec(spec);
        const parts = v6 ? [v6[1], ...v6[2].split(':')] : spec.split(':');
        if (parts.length > 3) throw fail(c, where, `"${e}" must be [HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]`);
        const target = parts[parts.length - 1];
        const pub = parts.length >= 2 ? parts[parts.length - 2] : undefined;
        if (parts.length === 3 && parts[0]) warn(c, key, `ports host address ${parts[0]}`, "the port is on the service's VIP");
        return add(where, pub || undefined, target, proto);
      }
      if (!isMap(e)) throw fail(c, where, 'must be a string, a number or a mapping with target');
      for (const k of Object.keys(e)) if (!['target', 'published', 'protocol', 'host_ip', 'mode', 'name'].includes(k)) warn(c, key, `ports.${k}`);
      if (e.host_ip !== undefined) warn(c, key, `ports host address ${String(e.host_ip)}`, "the port is on the service's VIP");
      if (e.mode === 'host') warn(c, key, 'ports.mode: host', "the port is on the service's VIP");
      const name = typeof e.name === 'string' && PORT_NAME_RE.test(e.name) ? e.name : undefined;
      if (e.name !== undefined && !name) warn(c, key, `ports.name ${String(e.name)}`, 'a port name is lowercase letters, digits and -, at most 15');
      if (e.target === undefined) throw fail(c, where, 'needs target');
      add(where, e.published === undefined ? undefined : String(e.published), String(e.target), typeof e.protocol === 'string' ? e.protocol : 'tcp', name);
    });
  }
  if (s.expose !== undefined)
    stringList(s.expose, `services.${key}.expose`).forEach((e, i) => {
      const [target, proto = 'tcp'] = e.split('/');
      add(`services.${key}.expose.${i}`, undefined, target, proto);
    });
  const seen = new Map<string, Port>();
  const out: string[] = [];
  for (const p of list) {
    const id = `${p.port}/${p.protocol}`;
    const prev = seen.get(id);
    if (prev) {
      if (prev.container !== p.container) throw fail(c, `services.${key}.ports`, `port ${id} is published twice, to container ports ${prev.container} and ${p.container}`);
      continue;
    }
    seen.set(id, p);
    out.push(`${p.name ? `${p.name}=` : ''}${p.port}:${p.container}/${p.protocol}`);
  }
  return out;
}

// ------------------------------------------------------------------ volumes, secrets, configs

interface MountOut {
  name: string;
  path: string;
  readonly?: boolean;
  sub_path?: string;
}

const isHostPath = (s: string) => /^([./~]|[A-Za-z]:[\\/])/.test(s);

function volumeMounts(c: Ctx, key: string, v: unknown, declared: Map<string, string>): MountOut[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw fail(c, `services.${key}.volumes`, 'must be a list');
  const out: MountOut[] = [];
  const named = (where: string, source: string, target: string, readonly: boolean, subPath?: string) => {
    const name = declared.get(source);
    if (!name) throw fail(c, where, `volume "${source}" is not declared in the top-level volumes:`);
    if (!target.startsWith('/')) throw fail(c, where, `the container path "${target}" must be absolute`);
    out.push({ name, path: target, ...(readonly ? { readonly } : {}), ...(subPath ? { sub_path: subPath } : {}) });
  };
  const bind = (where: string, src: string) =>
    fail(c, where, `"${src}" is a bind mount (a path on the host): not supported, as a pod may run on any node; use a named volume (top-level volumes:) or a config`);
  const anonymous = (where: string, target: string) =>
    fail(c, where, `"${target}" is an anonymous volume: not supported; name it (NAME:${target}) and declare NAME in the top-level volumes:`);
  v.forEach((e, i) => {
    const where = `services.${key}.volumes.${i}`;
    if (typeof e === 'string') {
      const parts = e.split(':');
      if (parts.length === 1) throw anonymous(where, parts[0]);
      const [src, target, mode = ''] = parts;
      if (parts.length > 3) throw fail(c, where, `"${e}" must be SOURCE:TARGET[:MODE]`);
      if (isHostPath(src)) throw bind(where, src);
      const opts = mode.split(',').filter(Boolean);
      for (const o of opts) if (o !== 'ro' && o !== 'rw') warn(c, key, `volumes option ${o}`);
      return named(where, src, target, opts.includes('ro'));
    }
    if (!isMap(e)) throw fail(c, where, 'must be a string or a mapping with type, source and target');
    const type = e.type ?? 'volume';
    const target = String(e.target ?? '');
    if (type === 'bind') throw bind(where, String(e.source ?? ''));
    if (type === 'tmpfs') return warn(c, key, `volumes tmpfs ${target}`, WHY.tmpfs);
    if (type !== 'volume') throw fail(c, where, `type ${String(type)} is not supported (named volumes only)`);
    if (!e.source) throw anonymous(where, target);
    for (const k of Object.keys(e)) if (!['type', 'source', 'target', 'read_only', 'volume'].includes(k)) warn(c, key, `volumes.${k}`);
    const vo = isMap(e.volume) ? e.volume : {};
    for (const k of Object.keys(vo)) if (k !== 'subpath') warn(c, key, `volumes.volume.${k}`);
    named(where, String(e.source), target, e.read_only === true, typeof vo.subpath === 'string' ? vo.subpath : undefined);
  });
  return out;
}

/**
 * A service's secrets (or configs) as compose mounts them: each a file, at /run/secrets/<name> (configs:
 * /<name>) or its target. The platform mounts a Secret/Config as a directory of its keys, so the files
 * of one directory become one object of the service, named <service>-<directory>; an external one is
 * mounted as the directory of its own keys.
 */
function fileMounts(
  c: Ctx,
  key: string,
  svc: string,
  kind: 'secret' | 'config',
  v: unknown,
  defs: Map<string, FileObject>,
): { manifests: Manifest[]; volumes: Record<string, unknown>[]; mounts: MountOut[] } {
  const r = { manifests: [] as Manifest[], volumes: [] as Record<string, unknown>[], mounts: [] as MountOut[] };
  if (v === undefined) return r;
  const plural = `${kind}s`;
  if (!Array.isArray(v)) throw fail(c, `services.${key}.${plural}`, 'must be a list');
  const base = kind === 'secret' ? '/run/secrets' : '/';
  const dirs = new Map<string, Map<string, string>>();
  v.forEach((e, i) => {
    const where = `services.${key}.${plural}.${i}`;
    const entry = typeof e === 'string' ? { source: e } : isMap(e) && typeof e.source === 'string' ? e : undefined;
    if (!entry) throw fail(c, where, 'must be a name or a mapping with source');
    const source = entry.source as string;
    if (isMap(e)) for (const k of Object.keys(e)) if (!['source', 'target'].includes(k)) warn(c, key, `${plural}.${k}`, 'files are read-only, owned as the platform writes them');
    const def = defs.get(source);
    if (!def) throw fail(c, where, `${kind} "${source}" is not declared in the top-level ${plural}:`);
    const t = typeof entry.target === 'string' && entry.target ? entry.target : source;
    const path = posix.resolve(base, t);
    if (def.external) {
      const vol = `${kind}-${def.external}`.slice(0, 63).replace(/-+$/, '');
      r.volumes.push({ name: vol, [kind]: { name: def.external } });
      r.mounts.push({ name: vol, path });
      note(c, `service ${key}: ${kind} ${source} is external: mounted as a directory at ${path}, holding its keys as files`);
      return;
    }
    const dir = dirname(path);
    if (dir === '/') throw fail(c, where, `${kind} "${source}" would be a file in / (${path}): give a target in a directory, such as /etc/${svc}/${posix.basename(path)}`);
    const files = dirs.get(dir) ?? new Map<string, string>();
    const file = posix.basename(path);
    if (files.has(file)) throw fail(c, where, `two ${plural} are mounted at ${path}`);
    files.set(file, def.content ?? '');
    dirs.set(dir, files);
  });
  for (const [dir, files] of dirs) {
    const name = platformName(`${svc}-${dir}`);
    const vol = platformName(`${kind}-${dir}`);
    r.manifests.push({ kind: kind === 'secret' ? 'Secret' : 'Config', version: 'v1', meta: { name }, spec: { ...(kind === 'secret' ? { type: 'opaque' } : {}), data: Object.fromEntries(files) } });
    r.volumes.push({ name: vol, [kind]: { name } });
    r.mounts.push({ name: vol, path: dir });
  }
  return r;
}

// ------------------------------------------------------------------ depends_on

/** `spec.depends_on`: started and healthy both mean ready here; completed_successfully is not supported yet. */
function dependsOn(c: Ctx, key: string, v: unknown, names: Map<string, string>): { service: string; condition: 'ready' }[] {
  if (v === undefined) return [];
  const where = `services.${key}.depends_on`;
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x) => [String(x), undefined]) : isMap(v) ? Object.entries(v) : [];
  if (!Array.isArray(v) && !isMap(v)) throw fail(c, where, 'must be a list of services or a mapping');
  const out: { service: string; condition: 'ready' }[] = [];
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
    if (cond === 'service_completed_successfully') {
      warn(c, key, `depends_on ${dep}: condition service_completed_successfully`, 'not supported yet (it needs a Job); the dependency is left out');
      continue;
    }
    if (cond !== 'service_started' && cond !== 'service_healthy') throw fail(c, `${where}.${dep}.condition`, 'must be service_started, service_healthy or service_completed_successfully');
    out.push({ service: name, condition: 'ready' });
  }
  return out;
}
