// The policy itself, without the kernel: which images a pod may run, and the labels every container gets.
import type { ContainerSpec, Pod } from '@lastbackend/sdk';

export const LABEL_POLICY = 'io.example/policy';
export const LABEL_TEAM = 'io.example/team';

/** Prefixes from a comma-separated list (LB_POLICY_ALLOWED_IMAGES); undefined or empty: everything is allowed. */
export function parseAllowed(value: string | undefined): string[] | undefined {
  const list = (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return list.length ? list : undefined;
}

/** Why the pod may not run (the first image outside the allowed prefixes), or undefined when it may. */
export function vetoReason(pod: Pod, allowed: string[] | undefined): string | undefined {
  if (!allowed) return undefined;
  for (const c of pod.spec.template.containers) {
    const image = c.image.name;
    if (!allowed.some((prefix) => image.startsWith(prefix)))
      return `image "${image}" of container ${c.name} is not from an allowed registry (allowed prefixes: ${allowed.join(', ')})`;
  }
  return undefined;
}

/** The container spec with the policy's labels: checked, and the pod's namespace as the team. */
export const labelled = (spec: ContainerSpec, pod: Pod): ContainerSpec => ({
  ...spec,
  labels: { ...spec.labels, [LABEL_POLICY]: 'checked', [LABEL_TEAM]: pod.meta.namespace },
});
