// A service's own fields as its container's (and its spec's replicas): command, env, restart, resources,
// the healthcheck as a readiness probe, security, labels.
import { resolve } from 'node:path';
import { labels as labelsSchema } from '@lastbackend/sdk';
import { splitCommand } from '../args';
import { parseEnvFile } from '../env-file';
import { fail, note, warn, type Ctx } from './context';
import { cpuOf, durationSeconds, int, isMap, keyValues, ramOf, stringList } from './values';

export function words(c: Ctx, where: string, v: unknown): string[] {
  if (typeof v === 'string') return splitCommand(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  throw fail(c, where, 'must be a string or a list of strings');
}

export function imagePolicy(c: Ctx, key: string, p: unknown): { policy?: string } {
  if (p === undefined) return {};
  const map: Record<string, string> = { always: 'always', never: 'never', missing: 'if-not-present', if_not_present: 'if-not-present' };
  if (typeof p === 'string' && map[p]) return { policy: map[p] };
  warn(c, key, `pull_policy: ${String(p)}`, 'taken as missing (pulled when not on the node)');
  return {};
}

export function environment(c: Ctx, key: string, s: Record<string, unknown>): { name: string; value: string }[] {
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

export function restartOf(c: Ctx, key: string, s: Record<string, unknown>): { policy: string; attempts?: number } | undefined {
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

export function replicas(c: Ctx, key: string, s: Record<string, unknown>): number {
  const d = s.deploy;
  if (d !== undefined && !isMap(d)) throw fail(c, `services.${key}.deploy`, 'must be a mapping');
  if (d) {
    for (const k of Object.keys(d)) if (!['replicas', 'resources', 'restart_policy', 'mode'].includes(k)) warn(c, key, `deploy.${k}`);
    if (d.mode !== undefined && d.mode !== 'replicated') warn(c, key, `deploy.mode: ${String(d.mode)}`, 'services run as replicated');
    if (d.replicas !== undefined) return int(d.replicas, `services.${key}.deploy.replicas`);
  }
  return s.scale === undefined ? 1 : int(s.scale, `services.${key}.scale`);
}

export function resources(c: Ctx, key: string, s: Record<string, unknown>): Record<string, Record<string, unknown>> | undefined {
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
export function probeOf(c: Ctx, key: string, h: unknown): Record<string, unknown> | undefined {
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

export function securityOf(c: Ctx, key: string, s: Record<string, unknown>): Record<string, unknown> | undefined {
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

export function labelsOf(c: Ctx, svc: string | undefined, where: string, v: unknown): Record<string, string> | undefined {
  const l = Object.fromEntries(keyValues(v, where).map(([k, x]) => [k, x ?? '']));
  if (labelsSchema().safeParse(l).success) return Object.keys(l).length ? l : undefined;
  warn(c, svc, where.replace(/^services\.[^.]+\./, ''), 'label keys must be DNS-style names (e.g. app, example.com/tier)');
  return undefined;
}
