// Why a pod of a new version cannot become ready, from its stored status alone. One rule for the two
// readers that must agree: the controller (status.rollout, auto_rollback) and the waiting CLI (`lb run` …),
// so a rollout the CLI calls failed is one the controller calls failed, and the other way round.
import type { Pod, PodContainerStatus } from './resources';

/** Restarts of a container, not ready, that make a crash loop. */
export const CRASH_LOOP_RESTARTS = 3;

/** Pull errors that no retry heals: the image or tag does not exist, or the registry refuses us. */
const PERMANENT_PULL = /not found|manifest unknown|name unknown|unauthori[sz]ed|denied|does not exist|invalid reference|repository name must|not present and its policy is "never"/i;

export const isPermanentPullError = (message: string): boolean => PERMANENT_PULL.test(message);

/** A container message that reports a failed pull (the agent's `pull IMAGE: …`, or an image absent under policy never). */
export const isPullError = (message: string): boolean => /^pull |image .* is not present/.test(message);

/** An exited container its restart policy leaves down: never, or on-failure after exit 0 or its last attempt. */
export function givenUp(p: Pod, c: PodContainerStatus): boolean {
  if (c.state !== 'exited') return false;
  const restart = p.spec.template.containers.find((x) => x.name === c.name)?.restart;
  if (restart?.policy === 'never') return true;
  return restart?.policy === 'on-failure' && (c.exit_code === 0 || (restart.attempts !== undefined && c.restarts >= restart.attempts));
}

export interface PodFailure {
  /** The container at fault, when one is. */
  container?: string;
  reason: string;
  /** Its last log lines say more (a crash, an exit). */
  logsTell: boolean;
}

const exited = (c: PodContainerStatus) => `exited${c.exit_code !== undefined ? ` with code ${c.exit_code}` : ''}`;

/**
 * Why pod `p` cannot become ready whatever is retried, or undefined while it still may: an image the registry
 * refuses, a veto of a hook plugin, a crash loop, a container its restart policy leaves down. Errors that may
 * heal (a registry that does not answer, a runtime hiccup) are not failures: the deadline or timeout names them.
 */
export function podFailure(p: Pod): PodFailure | undefined {
  if (p.status.state === 'ready') return undefined;
  if (p.status.state === 'error' && p.status.message.startsWith('vetoed:')) return { reason: p.status.message, logsTell: false };
  for (const c of p.status.containers) {
    if (c.state === 'error' && isPullError(c.message) && isPermanentPullError(c.message))
      return { container: c.name, reason: `cannot pull image ${c.image} for container ${c.name}: ${c.message}`, logsTell: false };
    if (!c.ready && c.restarts >= CRASH_LOOP_RESTARTS)
      return { container: c.name, reason: `container ${c.name} is crash-looping: it ${exited(c)} and was restarted ${c.restarts} times`, logsTell: true };
    if (givenUp(p, c)) return { container: c.name, reason: `container ${c.name} ${exited(c)} and its restart policy leaves it down`, logsTell: true };
  }
  return undefined;
}
