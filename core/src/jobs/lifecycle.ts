// The task lifecycle as pure decisions: given a job, its tasks, the pods of those tasks and the time, what
// the job controller writes next. No store, no clock of its own (tests pass `now`), so each rule is a
// unit spec: concurrency strategies, retries with back-off, the deadline, history pruning.
import { durationSeconds, TASK_FINISHED, type Job, type JobSpec, type Pod, type Task, type TaskState } from '@lastbackend/sdk';

/** Seconds a finished task's pod is left before it is removed: the log collector reads its last lines. */
export const LINGER_MS = 3_000;
/** Back-off before the first retry when the job names none. */
export const DEFAULT_BACKOFF = '10s';

export interface JobPassInput {
  /** Absent: the job was deleted (its tasks are cancelled, then removed). */
  job?: Pick<Job, 'spec'>;
  tasks: Task[];
  /** Pods of these tasks that are stored, by name. */
  pods: ReadonlyMap<string, Pod>;
  now: number;
}

export interface TaskEvent {
  task: string;
  type: 'normal' | 'warning';
  reason: string;
  message: string;
}

export interface JobPlan {
  /** Tasks whose stored object changes (the whole new object). */
  put: Task[];
  /** Pods to make: one per task, named task.status.pod, for task.status.attempt. */
  create: Task[];
  /** Pods to stop (spec.destroy); the agent stops them and the controller removes them once destroyed. */
  destroy: string[];
  /** Tasks to remove (history beyond the limits, or of a deleted job), with no pod left. */
  remove: string[];
  events: TaskEvent[];
}

const finished = (s: TaskState) => TASK_FINISHED.has(s);
/** A task holds a concurrency slot from its first pod until it ends (waits for a retry included). */
export const holdsSlot = (t: Task): boolean => !finished(t.status.state) && (t.status.pods?.length ?? 0) > 0;
const iso = (ms: number) => new Date(ms).toISOString();
const byCreated = (a: Task, b: Task) => a.meta.created.localeCompare(b.meta.created) || a.meta.name.localeCompare(b.meta.name);

/** Seconds of the n-th retry's wait (n from 1): the back-off, doubled each time. */
export function retryDelaySeconds(backoff: string | undefined, n: number): number {
  const base = durationSeconds(backoff ?? DEFAULT_BACKOFF) ?? 10;
  return base * 2 ** Math.max(0, n - 1);
}

/** Why a new run of the job is refused now, or undefined when it may be queued. */
export function runRefusal(spec: JobSpec, tasks: Task[]): string | undefined {
  if (spec.enabled === false) return 'the job is disabled (spec.enabled is false)';
  const { limit, strategy } = spec.concurrency;
  if (strategy !== 'skip') return undefined;
  const active = tasks.filter((t) => !finished(t.status.state)).length;
  return active >= limit ? `the job runs ${active} task${active === 1 ? '' : 's'} already, its concurrency limit ${limit}, and its strategy is skip` : undefined;
}

export function planJob(input: JobPassInput): JobPlan {
  const plan: JobPlan = { put: [], create: [], destroy: [], remove: [], events: [] };
  const tasks = [...input.tasks].sort(byCreated).map((t) => structuredClone(t));
  const before = new Map(input.tasks.map((t) => [t.meta.name, JSON.stringify(t)]));
  const podOf = (t: Task) => (t.status.pod ? input.pods.get(t.status.pod) : undefined);
  const anyPod = (t: Task) => (t.status.pods ?? []).some((p) => input.pods.has(p));
  const destroy = (p: Pod | undefined) => {
    if (p && !p.spec.destroy && !plan.destroy.includes(p.meta.name)) plan.destroy.push(p.meta.name);
  };
  const event = (t: Task, type: TaskEvent['type'], reason: string, message: string) => plan.events.push({ task: t.meta.name, type, reason, message });
  const end = (t: Task, state: 'succeeded' | 'failed' | 'cancelled', message: string) => {
    t.status.state = state;
    t.status.finished = iso(input.now);
    t.status.message = message;
    delete t.status.retry_at;
    event(t, state === 'succeeded' ? 'normal' : 'warning', state === 'succeeded' ? 'TaskSucceeded' : state === 'failed' ? 'TaskFailed' : 'TaskCancelled', `task ${t.meta.name} ${state}${message ? `: ${message}` : ''}`);
  };

  if (!input.job) {
    for (const t of tasks) {
      if (!finished(t.status.state)) end(t, 'cancelled', 'its job was deleted');
      destroy(podOf(t));
      if (!anyPod(t)) plan.remove.push(t.meta.name);
    }
    return finish(plan, tasks, before);
  }
  const spec = input.job.spec;
  const task = spec.task;

  for (const t of tasks) {
    const pod = podOf(t);
    if (finished(t.status.state)) {
      // A finished task's pod stays a moment, so the last log lines are collected, then goes.
      if (pod && input.now - Date.parse(t.status.finished ?? iso(input.now)) >= LINGER_MS) destroy(pod);
      continue;
    }
    if (t.spec.cancel) {
      end(t, 'cancelled', 'cancelled');
      destroy(pod);
      continue;
    }
    if (!t.status.pods?.length) continue; // queued: admission below
    const attemptFailed = (reason: string) => {
      // A pod with nothing left running stays a moment for its last log lines; one still running stops now.
      if (!pod?.status.containers.length || pod.status.containers.some((c) => c.state !== 'exited')) destroy(pod);
      if (t.status.attempt <= (task.retries ?? 0)) {
        const wait = retryDelaySeconds(task.backoff, t.status.attempt);
        t.status.state = 'queued';
        t.status.retry_at = iso(input.now + wait * 1000);
        t.status.message = `attempt ${t.status.attempt} failed (${reason}); retry ${t.status.attempt} of ${task.retries} in ${wait}s`;
        event(t, 'warning', 'TaskRetry', `task ${t.meta.name}: ${t.status.message}`);
      } else end(t, 'failed', reason);
    };
    // The deadline counts from the task's first pod, across retries.
    const deadline = task.deadline ? durationSeconds(task.deadline) : undefined;
    if (deadline !== undefined && t.status.started && input.now - Date.parse(t.status.started) > deadline * 1000) {
      destroy(pod);
      end(t, 'failed', `deadline ${task.deadline} exceeded`);
      continue;
    }
    if (t.status.retry_at) {
      const failedAt = Date.parse(t.status.retry_at) - retryDelaySeconds(task.backoff, t.status.attempt) * 1000;
      if (pod && input.now - failedAt >= LINGER_MS) destroy(pod);
      // The next attempt starts after the back-off, and never while a pod of an earlier one may still run.
      if (input.now >= Date.parse(t.status.retry_at) && !anyPod(t)) {
        startAttempt(t);
        plan.create.push(t);
      }
      continue;
    }
    if (!pod) {
      attemptFailed(`its pod ${t.status.pod} was lost${t.status.node ? ` with node ${t.status.node}` : ''}`);
      continue;
    }
    if (pod.spec.destroy) continue;
    if (pod.status.state === 'destroyed' || pod.status.state === 'destroying') {
      // Its agent stopped it by itself (cut off from the server: self-fencing), or the pod went another way.
      destroy(pod);
      attemptFailed(`its pod ${pod.meta.name} was stopped on node ${pod.meta.node || '?'} (the node's agent lost the server)`);
      continue;
    }
    // An exit the runtime reported without its time (noticed before it recorded one) finishes when seen.
    const seen = new Map(t.status.containers.map((c) => [c.name, c]));
    t.status.containers = pod.status.containers.map((c) => ({
      name: c.name,
      ...(c.exit_code !== undefined && c.state !== 'running' ? { exit_code: c.exit_code } : {}),
      ...(c.started ? { started: c.started } : {}),
      ...(c.state === 'exited' ? { finished: c.finished ?? seen.get(c.name)?.finished ?? iso(input.now) } : {}),
    }));
    if (pod.meta.node) t.status.node = pod.meta.node;
    const cs = pod.status.containers;
    const broken = cs.find((c) => c.state === 'error');
    const nonZero = cs.find((c) => c.state === 'exited' && c.exit_code !== undefined && c.exit_code !== 0);
    const allDone = cs.length > 0 && cs.length === pod.spec.template.containers.length && cs.every((c) => c.state === 'exited' && c.exit_code === 0);
    if (broken) attemptFailed(`container ${broken.name}: ${broken.message || 'error'}`);
    else if (nonZero) attemptFailed(`container ${nonZero.name} exited with code ${nonZero.exit_code}`);
    else if (allDone) end(t, 'succeeded', '');
    else if (cs.some((c) => c.state === 'running' || c.state === 'exited')) {
      if (t.status.state !== 'running') event(t, 'normal', 'TaskRunning', `task ${t.meta.name} runs on node ${pod.meta.node} (attempt ${t.status.attempt})`);
      t.status.state = 'running';
      t.status.message = '';
    } else if (pod.meta.node) {
      t.status.state = 'scheduled';
      t.status.message = pod.status.message;
    } else t.status.message = pod.status.message || 'waiting for a node';
  }

  // Admission: queued tasks start, oldest first, while the job is under its concurrency limit.
  const { limit, strategy } = spec.concurrency;
  let active = tasks.filter(holdsSlot);
  for (const t of tasks.filter((x) => x.status.state === 'queued' && !x.status.pods?.length)) {
    if (active.length >= limit && strategy === 'replace') {
      const oldest = [...active].sort(byCreated)[0];
      end(oldest, 'cancelled', `replaced by task ${t.meta.name} (concurrency strategy replace)`);
      destroy(podOf(oldest));
      active = active.filter((x) => x !== oldest);
    }
    if (active.length >= limit) {
      t.status.message = `waiting: ${active.length} of ${limit} task${limit === 1 ? '' : 's'} run`;
      continue;
    }
    t.status.started = iso(input.now);
    startAttempt(t);
    plan.create.push(t);
    active.push(t);
  }

  // History: the newest N succeeded and N failed (cancelled count as failed) stay; older ones go once their pods are gone.
  const done = (states: TaskState[]) =>
    tasks.filter((t) => states.includes(t.status.state)).sort((a, b) => (b.status.finished ?? '').localeCompare(a.status.finished ?? '') || byCreated(b, a));
  for (const [states, keep] of [
    [['succeeded'], spec.history.succeeded],
    [['failed', 'cancelled'], spec.history.failed],
  ] as const) {
    for (const t of done([...states]).slice(keep)) {
      destroy(podOf(t));
      if (!anyPod(t)) plan.remove.push(t.meta.name);
    }
  }
  return finish(plan, tasks, before);
}

/** The next attempt: its own pod, named after the task and the attempt. */
function startAttempt(t: Task): void {
  t.status.attempt = (t.status.pods?.length ?? 0) + 1;
  t.status.pod = `${t.meta.name}-${t.status.attempt}`;
  t.status.pods = [...(t.status.pods ?? []), t.status.pod];
  t.status.state = 'queued';
  t.status.containers = [];
  t.status.message = `attempt ${t.status.attempt}: waiting for a node`;
  delete t.status.retry_at;
}

function finish(plan: JobPlan, tasks: Task[], before: Map<string, string>): JobPlan {
  const removed = new Set(plan.remove);
  plan.put = tasks.filter((t) => !removed.has(t.meta.name) && JSON.stringify(t) !== before.get(t.meta.name));
  plan.create = plan.create.filter((t) => !removed.has(t.meta.name));
  return plan;
}
