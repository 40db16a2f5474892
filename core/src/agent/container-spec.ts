// From a pod's template to what the CRI creates. Names are deterministic, so creating a pod's
// containers twice (after a crash, or from two passes) finds the first ones instead of duplicating.
import {
  LABEL_CONTAINER,
  LABEL_DEPLOYMENT,
  LABEL_NAMESPACE,
  LABEL_NODE,
  LABEL_POD,
  LABEL_SERVICE,
  LABEL_SPEC_HASH,
  assertSpecSupported,
  parseCpu,
  parseRam,
  validateSecurity,
  type ContainerManifest,
  type ContainerRuntime,
  type ContainerSecurity,
  type ContainerSpec,
  type CriFeatureSet,
  type Mount,
  type Pod,
  type PodSecurityPolicy,
} from '@lastbackend/sdk';
import { hashOf } from '../state/hash';

export function containerName(ns: string, pod: string, container: string): string {
  return `lb_${ns}_${pod}_${container}`;
}

export function podLabels(pod: Pod, node: string): Record<string, string> {
  return {
    [LABEL_NAMESPACE]: pod.meta.namespace,
    [LABEL_SERVICE]: pod.meta.service,
    [LABEL_DEPLOYMENT]: pod.meta.deployment,
    [LABEL_POD]: pod.meta.name,
    [LABEL_NODE]: node,
  };
}

/** Env values from secrets and configs, and mounts from volumes, resolved by the agent. */
export interface Resolved {
  env: Record<string, string>;
  mounts: Mount[];
}

export function containerSpec(pod: Pod, c: ContainerManifest, node: string, network: ContainerSpec['network'], resolved: Resolved = { env: {}, mounts: [] }): ContainerSpec {
  const env: Record<string, string> = {};
  for (const e of c.env) if (e.value !== undefined) env[e.name] = e.value;
  Object.assign(env, resolved.env);
  const limits = c.resources?.limits;
  return {
    name: containerName(pod.meta.namespace, pod.meta.name, c.name),
    image: c.image.name,
    command: c.command,
    args: c.args,
    env,
    labels: { ...pod.meta.labels, ...podLabels(pod, node), [LABEL_CONTAINER]: c.name },
    workdir: c.workdir,
    network,
    resources: {
      cpu: limits?.cpu !== undefined ? parseCpu(limits.cpu) : undefined,
      ram: limits?.ram !== undefined ? parseRam(limits.ram) : undefined,
    },
    mounts: resolved.mounts,
    stopTimeout: pod.spec.template.termination,
  };
}

/** The pids limit a container gets when the node's config names none (node.pids_limit). */
export const DEFAULT_PIDS_LIMIT = 4096;

/**
 * The confinement a container gets: what its manifest asks for, over the defaults every container starts with
 * (no new privileges, the runtime's default seccomp profile, NET_RAW dropped, a pids limit; the image's user
 * unless run_as_user says otherwise). A default is filled in where the runtime declares it can honour it; with
 * policy "restricted" every default is required, so a runtime without one refuses the pod (checkSpec names the
 * runtime and the feature). What the manifest asks for explicitly is always required. A privileged container
 * gets none of the defaults but the pids limit: it can do what root on the host can anyway.
 */
export function containerSecurity(
  c: Pick<ContainerManifest, 'security'>,
  features: CriFeatureSet,
  policy: PodSecurityPolicy = 'baseline',
  pidsLimit = DEFAULT_PIDS_LIMIT,
): ContainerSecurity | undefined {
  const m = c.security ?? {};
  const out: ContainerSecurity = {};
  if (m.privileged) out.privileged = true;
  if (m.read_only_root_fs !== undefined) out.read_only_rootfs = m.read_only_root_fs;
  if (m.run_as_user !== undefined) out.user = String(m.run_as_user);
  if (m.capabilities?.add?.length) out.cap_add = [...m.capabilities.add];
  if (m.capabilities?.drop?.length) out.cap_drop = [...m.capabilities.drop];
  if (m.allow_privilege_escalation !== undefined) out.no_new_privileges = !m.allow_privilege_escalation;
  if (m.seccomp !== undefined) out.seccomp = m.seccomp;
  const required = policy === 'restricted';
  const want = (f: keyof CriFeatureSet) => required || features[f];
  if (!m.privileged) {
    if (out.no_new_privileges === undefined && want('security')) out.no_new_privileges = true;
    if (out.seccomp === undefined && want('seccomp')) out.seccomp = 'default';
    const add = out.cap_add ?? [];
    const drop = out.cap_drop ?? [];
    if (!add.includes('NET_RAW') && !add.includes('ALL') && !drop.includes('ALL') && !drop.includes('NET_RAW') && want('security')) out.cap_drop = [...drop, 'NET_RAW'];
  }
  if (want('pidsLimit')) out.pids_limit = pidsLimit;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Refuses a container whose manifest says run_as_non_root when it would run as root: its run_as_user is 0, or it
 * has none and the image's user is root (unset, "root", uid 0) or a name that cannot be checked without the
 * image's /etc/passwd, as kubelet does. `imageUser` is what the image service reports (undefined: it cannot tell).
 */
export function assertNonRoot(c: Pick<ContainerManifest, 'name' | 'security'>, image: string, imageUser: string | undefined): void {
  const s = c.security;
  if (!s?.run_as_non_root) return;
  if (s.run_as_user !== undefined) {
    if (s.run_as_user === 0) throw new Error(`container ${c.name}: run_as_non_root is set but run_as_user is 0 (root)`);
    return;
  }
  if (imageUser === undefined) throw new Error(`container ${c.name}: run_as_non_root is set and the image service cannot tell the user of ${image}: set run_as_user`);
  const user = imageUser.split(':')[0];
  if (user === '' || user === 'root' || user === '0')
    throw new Error(`container ${c.name}: run_as_non_root is set but image ${image} runs as root (user "${imageUser}"): set run_as_user or use a non-root image`);
  if (!/^\d+$/.test(user))
    throw new Error(`container ${c.name}: run_as_non_root is set but image ${image} names its user "${user}", not a uid, so it cannot be checked: set run_as_user`);
}

/**
 * Stamps the spec with its hash: a container whose hash differs from its spec's is recreated. The
 * resolver is left out: whether discovery answers must never be a reason to restart a container.
 */
export function withSpecHash(spec: ContainerSpec): ContainerSpec {
  const { [LABEL_SPEC_HASH]: _old, ...labels } = spec.labels;
  const { dns: _dns, ...rest } = spec;
  const hash = hashOf({ ...rest, labels });
  return { ...spec, labels: { ...labels, [LABEL_SPEC_HASH]: hash } };
}

/**
 * Refuses a spec before anything is removed or created for it: security options that are malformed
 * (INVALID_ARGUMENT), or that the runtime cannot honour (FAILED_PRECONDITION: driver API 2 features). Running
 * the container without the confinement its spec asks for would be a silent failure.
 */
export function checkSpec(cri: Pick<ContainerRuntime, 'features' | 'info'>, spec: ContainerSpec): void {
  validateSecurity(spec);
  assertSpecSupported(cri, spec);
}
