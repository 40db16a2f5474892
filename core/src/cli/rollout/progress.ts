// Where a rollout stands, from what the watches bring: the services waited for, their pods and events
// are folded into a per-service progress snapshot and one verdict (ready, failed and why, or still
// going). Pure: no I/O, no clock; the commands feed it (rollout/wait.ts) and render it (render.ts).
//
// The version rolled out is the service's newest (status.generation), once the controller made it for
// the template the service has now: the controller writes the version, its pods and the service's
// generation in one transaction, and a pod carries its version's template. So no deployment needs
// watching (one watch per service would not scale to an apply of many services).
import type { LbEvent, Pod, PodProgress, Service, WatchEvent } from '@lastbackend/sdk';
import { podFailure } from '@lastbackend/sdk/models/pod-failure';
import { podProgress, sameTemplate } from '@lastbackend/sdk/models/pod-progress';

export interface ServiceProgress {
  name: string;
  /** The version being rolled out, once the controller made it (e.g. "v3"). */
  version?: string;
  desired: number;
  /** Pods of the new version (not being removed). */
  updated: number;
  /** Those of them that are ready. */
  ready: number;
  done: boolean;
  /** The new version's pods, by name. */
  pods: PodProgress[];
  /** What it waits for when no pod says it: the controller, a deleted service, a dependency (spec.depends_on). */
  note?: string;
}

export interface Failure {
  service: string;
  /** How it ended when not "failed": "timed out after 5m (v2: 1/3 ready)". */
  ended?: string;
  pod?: string;
  reason: string;
  /** A crash loop: the container whose last log lines tell why. */
  logs?: { pod: string; container: string };
}

export type Verdict = { state: 'progressing' } | { state: 'ready' } | { state: 'failed'; failure: Failure };

/** Scheduling attempts that found no node before it counts as failed (the scheduler retries each pass). */
export const SCHEDULING_ATTEMPTS = 2;
/** Unhealthy verdicts of a readiness probe before it counts as failed (else it is named at the timeout). */
export const UNHEALTHY_REPEATS = 3;


/**
 * The controller's verdict as the wait reports it: its message leads with the version ("v2 failed: pod …",
 * "v2 failed, rolled back to v1: pod …"), which the wait's own line names already, so it reads as the
 * failure the wait finds in the pods itself: "rollout of service/web failed: pod …" ("rolled back to v1: …").
 */
export function controllerFailure(service: string, version: string, r: { state: string; message: string }): Failure {
  const m = /^v\d+ failed(?:, (rolled back to v\d+))?: (.*)$/s.exec(r.message);
  if (!m) return { service, reason: `${version} ${r.state}${r.message ? `: ${r.message}` : ''}` };
  return { service, reason: m[2], ...(m[1] ? { ended: m[1] } : {}) };
}

export class RolloutTracker {
  private readonly services = new Map<string, Service>();
  private readonly deleted = new Set<string>();
  private readonly pods = new Map<string, Pod>();
  private readonly events = new Map<string, LbEvent>();

  constructor(readonly names: readonly string[]) {}

  private watched = (name: string | undefined): name is string => !!name && this.names.includes(name);

  onService(ev: WatchEvent<Service>): void {
    if (ev.type === 'RESYNC') return this.services.clear();
    const s = ev.object;
    if (!s || !this.watched(s.meta.name)) return;
    if (ev.type === 'DELETED') {
      this.services.delete(s.meta.name);
      this.deleted.add(s.meta.name);
    } else {
      this.services.set(s.meta.name, s);
      this.deleted.delete(s.meta.name);
    }
  }

  onPod(ev: WatchEvent<Pod>): void {
    if (ev.type === 'RESYNC') return this.pods.clear();
    const p = ev.object;
    if (!p || !this.watched(p.meta.service)) return;
    if (ev.type === 'DELETED') this.pods.delete(p.meta.name);
    else this.pods.set(p.meta.name, p);
  }

  onEvent(e: LbEvent): void {
    if (e.object.kind === 'Pod' && this.watched(e.object.service)) this.events.set(e.meta.name, e);
  }

  /**
   * The version the service's current template leads to: its newest, unless that one's pods run
   * another template (the controller has yet to make the new version). A newest version without pods
   * is taken as it is: nothing runs of it, and being done needs its pods anyway (but at 0 replicas).
   */
  private target(name: string): { version: number; name: string } | undefined {
    const s = this.services.get(name);
    if (!s?.status.generation) return undefined;
    const version = `v${s.status.generation}`;
    const sample = [...this.pods.values()].find((p) => p.meta.service === name && p.meta.deployment === version);
    return sample && !sameTemplate(s, sample) ? undefined : { version: s.status.generation, name: version };
  }

  private targetPods(name: string, version: string): Pod[] {
    return [...this.pods.values()].filter((p) => p.meta.service === name && p.meta.deployment === version && !p.spec.destroy).sort((a, b) => a.meta.name.localeCompare(b.meta.name));
  }

  private podEvents(pod: string, reason: string): LbEvent | undefined {
    for (const e of this.events.values()) if (e.object.name === pod && e.reason === reason) return e;
    return undefined;
  }

  progress(name: string): ServiceProgress {
    const s = this.services.get(name);
    if (!s) return { name, desired: 0, updated: 0, ready: 0, done: false, pods: [], note: this.deleted.has(name) ? 'deleted' : 'waiting for the service' };
    const desired = s.spec.replicas;
    const t = this.target(name);
    if (!t) return { name, desired, updated: 0, ready: 0, done: false, pods: [], note: 'waiting for the new version' };
    const pods = this.targetPods(name, t.name);
    const ready = pods.filter((p) => p.status.state === 'ready').length;
    const done = s.status.deployment === t.name && pods.length === desired && ready >= desired;
    // Before any pod of it is made, the controller's rollout message says what it waits for (a dependency).
    const r = s.status.rollout;
    const wait = !pods.length && !done && r?.version === t.version && r.state === 'progressing' ? /^v\d+: (waiting for .*)$/s.exec(r.message) : null;
    const note = wait?.[1];
    return { name, version: t.name, desired, updated: pods.length, ready, done, pods: pods.map((p) => podProgress(p)), ...(note ? { note } : {}) };
  }

  /** Why a service's rollout cannot succeed, when something says so for certain. */
  private failure(name: string): Failure | undefined {
    if (this.deleted.has(name)) return { service: name, reason: `service ${name} was deleted` };
    const s = this.services.get(name);
    const t = this.target(name);
    if (!s || !t) return undefined;
    for (const p of this.targetPods(name, t.name)) {
      if (p.status.state === 'ready') continue;
      const pod = p.meta.name;
      const failed = podFailure(p);
      if (failed) return { service: name, pod, reason: failed.reason, ...(failed.logsTell && failed.container ? { logs: { pod, container: failed.container } } : {}) };
      const unscheduled = !p.meta.node && this.podEvents(pod, 'FailedScheduling');
      if (unscheduled && unscheduled.count >= SCHEDULING_ATTEMPTS) return { service: name, pod, reason: unscheduled.message };
      const unhealthy = this.podEvents(pod, 'Unhealthy');
      if (unhealthy && unhealthy.count >= UNHEALTHY_REPEATS && /readiness/.test(unhealthy.message)) return { service: name, pod, reason: unhealthy.message };
    }
    // The controller's verdict, when the pods seen so far do not say it (its stream may be ahead of theirs).
    const rollout = s.status.rollout;
    if (rollout && rollout.version === t.version && (rollout.state === 'failed' || rollout.state === 'rolled-back')) return controllerFailure(name, t.name, rollout);
    return undefined;
  }

  /** The best guess at what holds a service up, said at the timeout: a pod's error, its last event's warning. */
  private holdUp(name: string): Omit<Failure, 'service'> | undefined {
    const t = this.target(name);
    if (!t) return undefined;
    for (const p of this.targetPods(name, t.name)) {
      if (p.status.state === 'ready') continue;
      const pod = p.meta.name;
      const warning = [...this.events.values()].filter((e) => e.object.name === pod && e.type === 'warning').sort((a, b) => b.last_seen.localeCompare(a.last_seen))[0];
      const pr = podProgress(p);
      const why = pr.phase === 'error' || pr.phase === 'pending' ? pr.detail : warning ? `${warning.reason}: ${warning.message}` : `${pr.phase}${pr.detail ? `: ${pr.detail}` : ''}`;
      return { pod, reason: why };
    }
    return undefined;
  }

  verdict(): Verdict {
    for (const n of this.names) {
      const failure = this.failure(n);
      if (failure) return { state: 'failed', failure };
    }
    return this.names.every((n) => this.progress(n).done) ? { state: 'ready' } : { state: 'progressing' };
  }

  /** What to say when the time is up: the first service not done, and what holds it up. */
  timedOut(after: string): Failure {
    const n = this.names.find((x) => !this.progress(x).done) ?? this.names[0];
    const p = this.progress(n);
    const state = p.version ? `${p.version}: ${p.ready}/${p.desired} ready` : (p.note ?? 'not ready');
    const hold = this.holdUp(n);
    const reason = hold?.reason ?? (p.version && p.note ? p.note : 'no pod says why');
    return { service: n, ended: `timed out after ${after} (${state})`, ...(hold?.pod ? { pod: hold.pod } : {}), reason };
  }
}
