// Driver API 2 features: what a driver declares, and the kernel's check that a spec asks for nothing the
// runtime cannot honour. A runtime that silently ran a container without the confinement its spec asks for
// would be worse than one that refuses it, so the check runs before the spec reaches the runtime.
import { LbError, invalid, type FieldError } from '../errors';
import type { CiiFeatures, ContainerRuntime, ContainerSpec, CriFeatures, ImageService } from './types';

/** Every API 2 feature of a runtime, as criFeatures() answers them (an undeclared one is false). */
export type CriFeatureSet = Required<CriFeatures>;
export const CRI_FEATURE_NAMES = ['security', 'seccomp', 'pidsLimit', 'execStream', 'stats'] as const satisfies readonly (keyof CriFeatures)[];

/** The runtime's API 2 features, every flag false when it declares none (a driver built for API 1, or before seccomp/pidsLimit). */
export function criFeatures(rt: Pick<ContainerRuntime, 'features'>): CriFeatureSet {
  const f: Partial<CriFeatures> = rt.features ?? {};
  return Object.fromEntries(CRI_FEATURE_NAMES.map((k) => [k, f[k] === true])) as CriFeatureSet;
}

/** The image service's API 2 features, every flag false when it declares none. */
export function ciiFeatures(cii: Pick<ImageService, 'features'>): CiiFeatures {
  return { pullProgress: cii.features?.pullProgress === true };
}

/** The features a spec needs of its runtime. */
export function featuresNeeded(spec: ContainerSpec): (keyof CriFeatures)[] {
  const needed: (keyof CriFeatures)[] = [];
  const s = spec.security;
  if (s && (s.privileged !== undefined || s.read_only_rootfs !== undefined || s.user !== undefined || s.cap_add?.length || s.cap_drop?.length || s.no_new_privileges !== undefined))
    needed.push('security');
  if (s?.seccomp !== undefined) needed.push('seccomp');
  if (s?.pids_limit !== undefined) needed.push('pidsLimit');
  return needed;
}

/** The features `spec` needs that `rt` lacks. */
export function missingFeatures(rt: Pick<ContainerRuntime, 'features'>, spec: ContainerSpec): (keyof CriFeatures)[] {
  const has = criFeatures(rt);
  return featuresNeeded(spec).filter((f) => !has[f]);
}

/**
 * Refuses (FAILED_PRECONDITION) a spec that needs a feature the runtime lacks, naming the container, the runtime
 * and the features.
 */
export function assertSpecSupported(rt: Pick<ContainerRuntime, 'features' | 'info'>, spec: ContainerSpec): void {
  const missing = missingFeatures(rt, spec);
  if (!missing.length) return;
  const name = rt.info().name;
  throw new LbError(
    'FAILED_PRECONDITION',
    `container ${spec.name} needs ${missing.map((f) => `"${f}"`).join(', ')}, which the container runtime "${name}" does not support (features.${missing[0]} is false)`,
    { fix: `use a container runtime that supports ${missing.join(', ')} (e.g. the docker driver), or remove it from the spec` },
  );
}

/** Refuses a call of an API 2 method the runtime does not declare (execStream, stats), with the same wording. */
export function featureUnsupported(name: string, feature: keyof CriFeatures | keyof CiiFeatures): LbError {
  return new LbError('FAILED_PRECONDITION', `the driver "${name}" does not support "${feature}" (features.${feature} is false)`, {
    fix: `use a driver that supports ${feature}`,
  });
}

const CAPABILITY = /^(?:CAP_)?[A-Z][A-Z0-9_]*$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;

/** Capability names as the kernel spells them ("CAP_NET_ADMIN"); "ALL" stays "ALL". */
export const capabilityName = (cap: string): string => (cap === 'ALL' || cap.startsWith('CAP_') ? cap : `CAP_${cap}`);

/** Refuses (INVALID_ARGUMENT, naming the field) security options no runtime could honour as written. */
export function validateSecurity(spec: ContainerSpec): void {
  const s = spec.security;
  if (!s) return;
  const fields: FieldError[] = [];
  for (const key of ['privileged', 'read_only_rootfs', 'no_new_privileges'] as const) {
    if (s[key] !== undefined && typeof s[key] !== 'boolean') fields.push({ field: `security.${key}`, reason: 'must be true or false' });
  }
  if (s.seccomp !== undefined && s.seccomp !== 'default' && s.seccomp !== 'unconfined')
    fields.push({ field: 'security.seccomp', reason: 'must be "default" or "unconfined"' });
  if (s.pids_limit !== undefined && !(Number.isInteger(s.pids_limit) && s.pids_limit > 0))
    fields.push({ field: 'security.pids_limit', reason: 'must be a whole number above 0' });
  if (s.user !== undefined && (typeof s.user !== 'string' || !USER.test(s.user)))
    fields.push({ field: 'security.user', reason: 'must be "uid", "uid:gid" or a user[:group] name' });
  for (const key of ['cap_add', 'cap_drop'] as const) {
    const caps: unknown = s[key];
    if (caps === undefined) continue;
    if (!Array.isArray(caps)) fields.push({ field: `security.${key}`, reason: 'must be a list of capability names' });
    else caps.forEach((c: unknown, i) => {
      if (typeof c !== 'string' || !CAPABILITY.test(c)) fields.push({ field: `security.${key}.${i}`, reason: 'must be a capability name such as NET_ADMIN, or ALL' });
    });
  }
  if (fields.length) throw invalid(fields, `invalid security options of container ${spec.name}`);
}
