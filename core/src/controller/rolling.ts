// The rolling update's step planner, pure: given the pods of the version rolled out to (new) and of every
// other version (old), how many new pods to have and how many old ones to stop in this pass. A new pod is
// made only while the service's pods stay within replicas + surge; an old pod stops only while the ready
// pods stay at least replicas − unavailable (not-ready old pods go first: they serve nothing).
import type { Pod } from '@lastbackend/sdk';

export interface RollingInput {
  replicas: number;
  surge: number;
  unavailable: number;
  /** Pods of the target version (not marked for deletion), and how many of them are ready. */
  fresh: { total: number; ready: number };
  /** Pods of every other version not marked for deletion, and how many of them are ready. */
  old: { total: number; ready: number };
  /** Pods marked for deletion that still run (stopping): they count against the surge until they are gone. */
  stopping: number;
}

export interface RollingStep {
  /** Pods the target version should have after this pass (≥ its pods now: a rolling update only adds). */
  fresh: number;
  /** Old pods to stop now: first `oldNotReady` of the not-ready ones, then `oldReady` ready ones. */
  stopNotReady: number;
  stopReady: number;
}

export function rollingStep(i: RollingInput): RollingStep {
  const { replicas, surge, unavailable, fresh, old, stopping } = i;
  // Old pods that are not ready go at once: they count toward no ready floor.
  const stopNotReady = old.total - old.ready;
  // Ready old pods go while the ready pods stay at or above the floor.
  const floor = Math.max(0, replicas - unavailable);
  const stopReady = Math.min(old.ready, Math.max(0, old.ready + fresh.ready - floor));
  // New pods: up to the replicas, while every pod that runs (stopping ones too, and those stopped in this
  // pass, which run until their containers are gone) stays within replicas + surge.
  const running = fresh.total + old.total + stopping;
  const room = Math.max(0, replicas + surge - running);
  const want = fresh.total >= replicas ? replicas : fresh.total + Math.min(room, replicas - fresh.total);
  return { fresh: want, stopNotReady, stopReady };
}

/** A pass's rolling step in pods: how many the target version should have, and which old ones stop now. */
export interface RollingPlan {
  fresh: number;
  stop: Pod[];
}

/**
 * The step for a service's pods (every version's, those marked for deletion too), or undefined when no
 * other version has pods left and none still stops (nothing to roll: the target scales as always). Old pods stop not-ready
 * first, then ready ones oldest first.
 */
export function rollingPlan(
  pods: readonly Pod[],
  target: string,
  replicas: number,
  bounds: { surge: number; unavailable: number },
  draining: ReadonlySet<string> = new Set(),
): RollingPlan | undefined {
  // A draining pod (out of the endpoint, not stopped yet) counts as stopping: it serves nothing and still runs.
  const live = pods.filter((p) => !p.spec.destroy && !draining.has(p.meta.name));
  const fresh = live.filter((p) => p.meta.deployment === target);
  const old = live.filter((p) => p.meta.deployment !== target);
  const stopping = pods.filter((p) => (p.spec.destroy && p.meta.node && p.status.state !== 'destroyed') || (!p.spec.destroy && draining.has(p.meta.name))).length;
  // Nothing of another version left, and nothing stopping that still fills the surge: no step to take.
  if (!old.length && !stopping) return undefined;
  const ready = (p: Pod) => p.status.state === 'ready';
  const oldReady = old.filter(ready).sort((a, b) => a.meta.created.localeCompare(b.meta.created));
  const step = rollingStep({
    replicas,
    ...bounds,
    fresh: { total: fresh.length, ready: fresh.filter(ready).length },
    old: { total: old.length, ready: oldReady.length },
    // A stopped pod whose containers are gone is deleted in this very pass (reapPods): it runs no more.
    stopping,
  });
  return { fresh: step.fresh, stop: [...old.filter((p) => !ready(p)), ...oldReady.slice(0, step.stopReady)] };
}
