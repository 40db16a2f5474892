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
  type ContainerSpec,
  type Mount,
  type Pod,
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
