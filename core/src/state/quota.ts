// Namespace quota accounting: what a namespace uses (cpu, ram, storage, pods, services, volumes) and what
// a change would put over its limits. Pure functions: resources.ts reads the store and decides.
import { parseCpu, parseRam, type NamespaceResources, type NamespaceUsage, type PodTemplate } from '@lastbackend/sdk';

export type Dimension = keyof NamespaceUsage;
export const DIMENSIONS: readonly Dimension[] = ['cpu', 'ram', 'storage', 'pods', 'services', 'volumes'];

/** A service as the quota sees it: its template and, while a blue/green rollout runs, the old version's too. */
export interface ServiceLoad {
  name: string;
  replicas: number;
  template: PodTemplate;
  /** The active version's template when it is not the service's (a rollout in progress): its pods run too. */
  previous?: PodTemplate;
  /** Rolling (spec.strategy): the surge in pods. A rollout then runs replicas + surge pods of either template, not both versions whole. */
  surge?: number;
  /** A task of a job that has not ended (its one pod counts, as a service's pods do; it is no service). */
  task?: boolean;
}

/** What a namespace holds, as the quota counts it. */
export interface Loads {
  services: ServiceLoad[];
  volumes: VolumeLoad[];
}

export interface VolumeLoad {
  name: string;
  /** capacity.storage as written, or undefined when the volume declares none. */
  storage?: string | number;
}

/** A container that requests nothing in a dimension the quota limits, with no namespace default either. */
export interface Uncounted {
  service: string;
  container: string;
  dimension: 'cpu' | 'ram';
}

export interface Accounting {
  used: NamespaceUsage;
  /** Per service: its pods and its version key (template JSON), to tell which services a change grew. */
  services: Map<string, { pods: number; versions: string; rolling: boolean }>;
  uncounted: Uncounted[];
  /** Volumes without capacity.storage (they count 0 bytes). */
  unsized: string[];
}

const zero = (): NamespaceUsage => ({ cpu: 0, ram: 0, storage: 0, pods: 0, services: 0, volumes: 0 });

/**
 * One pod of a template: each container's request, else its limit, else the namespace default, per
 * dimension (cpu in millicores, ram in bytes). A container with none of them in a dimension is listed.
 */
export function podRequests(t: PodTemplate, defaults: NamespaceResources['defaults']): { cpu: number; ram: number; missing: { container: string; dimension: 'cpu' | 'ram' }[] } {
  let cpu = 0;
  let ram = 0;
  const missing: { container: string; dimension: 'cpu' | 'ram' }[] = [];
  for (const c of t.containers) {
    const r = c.resources;
    const cv = r?.requests?.cpu ?? r?.limits?.cpu ?? defaults?.cpu;
    const rv = r?.requests?.ram ?? r?.limits?.ram ?? defaults?.ram;
    if (cv === undefined) missing.push({ container: c.name, dimension: 'cpu' });
    else cpu += parseCpu(cv) ?? 0;
    if (rv === undefined) missing.push({ container: c.name, dimension: 'ram' });
    else ram += parseRam(rv) ?? 0;
  }
  return { cpu, ram, missing };
}

/**
 * What a namespace uses. A service runs `replicas` pods of its template, and while a blue/green rollout
 * is in progress as many of the old version's beside them: both count.
 */
export function account(services: readonly ServiceLoad[], volumes: readonly VolumeLoad[], resources: NamespaceResources | undefined): Accounting {
  const used = zero();
  const limits = resources?.limits ?? {};
  const out: Accounting = { used, services: new Map(), uncounted: [], unsized: [] };
  for (const s of services) {
    const versions = s.previous ? [s.template, s.previous] : [s.template];
    // Rolling: at most replicas + surge pods run, each of one template or the other (the larger counts).
    const surging = s.previous && s.surge !== undefined;
    const pods = surging ? s.replicas + s.surge! : s.replicas * versions.length;
    if (!s.task) used.services += 1;
    used.pods += pods;
    const per = versions.map((t) => podRequests(t, resources?.defaults));
    if (surging) {
      used.cpu += pods * Math.max(...per.map((r) => r.cpu));
      used.ram += pods * Math.max(...per.map((r) => r.ram));
    }
    for (const r of per) {
      if (!surging) {
        used.cpu += s.replicas * r.cpu;
        used.ram += s.replicas * r.ram;
      }
      for (const m of r.missing) {
        if (limits[m.dimension] !== undefined && !out.uncounted.some((u) => u.service === s.name && u.container === m.container && u.dimension === m.dimension))
          out.uncounted.push({ service: s.name, ...m });
      }
    }
    out.services.set(s.name, { pods, versions: JSON.stringify(versions), rolling: !!s.previous && !surging });
  }
  for (const v of volumes) {
    used.volumes += 1;
    if (v.storage === undefined) out.unsized.push(v.name);
    else used.storage += parseRam(v.storage) ?? 0;
  }
  return out;
}

/** A limit in the unit of its usage (millicores, bytes, a count), or undefined when unset. */
export function limitOf(resources: NamespaceResources | undefined, d: Dimension): number | undefined {
  const v = resources?.limits?.[d];
  if (v === undefined) return undefined;
  if (d === 'cpu') return parseCpu(v);
  if (d === 'ram' || d === 'storage') return parseRam(v);
  return Number(v);
}

export function formatAmount(d: Dimension, v: number): string {
  if (d === 'cpu') return v % 1000 === 0 ? String(v / 1000) : `${v}m`;
  if (d === 'ram' || d === 'storage') {
    for (const [unit, size] of [['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const)
      if (v >= size && v % size === 0) return `${v / size}${unit}`;
    return v >= 1024 ** 2 ? `${(v / 1024 ** 2).toFixed(1)}MiB` : `${v}B`;
  }
  return String(v);
}

/**
 * Why a change from `before` to `after` does not fit the namespace's quota, one reason per problem; none
 * when it fits. Only growth is refused: a dimension already over its limit (the limit was lowered below
 * what runs) may stay there or shrink, and what did not change is never refused.
 */
export function quotaProblems(ns: string, resources: NamespaceResources | undefined, before: Accounting, after: Accounting): string[] {
  const problems: string[] = [];
  for (const d of DIMENSIONS) {
    const limit = limitOf(resources, d);
    const now = after.used[d];
    const was = before.used[d];
    if (limit === undefined || now <= limit || now <= was) continue;
    const f = (v: number) => formatAmount(d, v);
    problems.push(`namespace "${ns}" quota: ${d} ${f(now - was)} requested + ${f(was)} used > limit ${f(limit)} (over by ${f(now - limit)})`);
  }
  if (problems.length) {
    const rolling = [...after.services].filter(([n, s]) => s.rolling && before.services.get(n)?.versions !== s.versions).map(([n]) => `"${n}"`);
    if (rolling.length)
      problems.push(`service ${rolling.join(', ')} rolls out a new version blue/green: the old version's pods keep running beside the new one's until it is ready, so both count`);
  }
  for (const u of after.uncounted) {
    const b = before.services.get(u.service);
    const a = after.services.get(u.service)!;
    // Grown or changed since: an untouched service keeps running as it was admitted.
    if (b && b.versions === a.versions && a.pods <= b.pods && before.uncounted.some((x) => x.service === u.service && x.container === u.container && x.dimension === u.dimension)) continue;
    problems.push(
      `namespace "${ns}" quota limits ${u.dimension}: container "${u.container}" of service "${u.service}" requests no ${u.dimension} and the namespace sets no default (give the container resources.requests.${u.dimension}, or set spec.resources.defaults.${u.dimension} on the namespace)`,
    );
  }
  if (limitOf(resources, 'storage') !== undefined)
    for (const v of after.unsized)
      if (!before.unsized.includes(v))
        problems.push(`namespace "${ns}" quota limits storage: volume "${v}" declares no size (give spec.capacity.storage)`);
  return problems;
}
