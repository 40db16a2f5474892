// The verdict on a service's newest version (its rollout), as a pure function of what is stored: the
// deployments, the new version's pods and the strategy. Nothing is kept in memory, so a server that restarts
// mid-rollout reaches the same verdict: the deadline counts from the new deployment's creation.
import {
  DEFAULT_ROLLOUT_DEADLINE,
  durationSeconds,
  podFailure,
  type Deployment,
  type Pod,
  type ServiceRollout,
  type ServiceStrategy,
} from '@lastbackend/sdk';

export interface RolloutInput {
  now: number;
  strategy?: ServiceStrategy;
  /** The newest version: the one the service's template makes. */
  target: Deployment;
  /** The version that serves, if any. */
  active?: Deployment;
  /** The target's pods (not those marked for deletion). */
  pods: Pod[];
  /** Replicas the service asks for. */
  replicas: number;
  /** The rollout stored on the service. */
  prev?: ServiceRollout;
  /** What the target waits for before its pods are made (spec.depends_on): said instead of a pod's wait. */
  waiting?: string;
}

export interface RolloutVerdict {
  rollout: ServiceRollout;
  /** Set when the target failed and the strategy says to return to the version that serves. */
  rollback?: { to: Deployment; reason: string };
}

const deadlineSeconds = (s?: ServiceStrategy): number => durationSeconds(s?.deadline ?? DEFAULT_ROLLOUT_DEADLINE) ?? 600;

/** Why a pod is not ready yet, for the progress message. */
function podWaiting(p: Pod): string | undefined {
  if (p.status.state === 'ready') return undefined;
  const c = p.status.containers.find((x) => x.message);
  const why = c ? `container ${c.name}: ${c.message}` : p.status.message || (p.meta.node ? p.status.state : 'waiting to be scheduled');
  return `pod ${p.meta.name}: ${why}`;
}

/** Seconds as the deadline was written: 600 → "10m". */
const human = (s: number): string => (s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`);

export function rolloutVerdict(i: RolloutInput): RolloutVerdict {
  const { target, active, prev, strategy } = i;
  const at = (state: ServiceRollout['state'], message: string, version = target.spec.version): ServiceRollout => ({
    version,
    state,
    message,
    since: prev && prev.version === version && prev.state === state ? prev.since : new Date(i.now).toISOString(),
  });
  if (target === active) {
    // A rollout that was rolled back stays so until a newer version is issued.
    if (prev && prev.state === 'rolled-back' && prev.version > target.spec.version) return { rollout: prev };
    return { rollout: at('complete', `${target.meta.name} serves`) };
  }
  const ready = i.pods.filter((p) => p.status.state === 'ready').length;
  if (ready >= i.replicas) return { rollout: at('complete', `${target.meta.name} serves`) };
  const counted = `${ready}/${i.replicas} pods ready`;
  const failure = i.pods.map((p) => {
    const f = podFailure(p);
    return f && `pod ${p.meta.name}: ${f.reason}`;
  }).find(Boolean);
  const deadline = deadlineSeconds(strategy);
  const age = (i.now - Date.parse(target.meta.created)) / 1000;
  const late = age > deadline;
  const waiting = i.waiting ?? i.pods.map(podWaiting).find(Boolean);
  // A version waiting for its dependencies before any pod of it is made says only that.
  const progress = i.waiting && !i.pods.length ? i.waiting : `${counted}${waiting ? `; ${waiting}` : ''}`;
  if (!failure && !late) return { rollout: at('progressing', `${target.meta.name}: ${progress}`) };
  const why = failure ?? `not ready after ${human(deadline)} (${counted})${waiting ? `: ${waiting}` : ''}`;
  if (strategy?.auto_rollback && active) {
    return {
      rollout: at('rolled-back', `${target.meta.name} failed, rolled back to ${active.meta.name}: ${why}`),
      rollback: { to: active, reason: why },
    };
  }
  const rest = strategy?.auto_rollback ? ' (no earlier version serves: nothing to roll back to)' : '';
  return { rollout: at('failed', `${target.meta.name} failed: ${why}${rest}`) };
}
