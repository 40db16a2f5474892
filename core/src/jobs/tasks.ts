// Tasks as the API writes them: a run is created queued (the job controller starts it), a cancel is asked
// for in the task's spec (the job controller ends it). The API never writes a task's status after
// creating it: the controller owns the transitions.
import { JobSpec, LbError, notFound, parseOrThrow, TASK_FINISHED, TaskRunRequest, type Job, type Namespace, type PodTemplate, type Task } from '@lastbackend/sdk';
import { randomBytes } from 'node:crypto';
import { assertPolicy, policyOf } from '../state/pod-security';
import { keys } from '../store/keys';
import { newMeta, touch } from '../store/meta';
import type { Store, Txn } from '../store/store';
import { runRefusal } from './lifecycle';

/** A task's name: its job's (at most 52 characters), a dash and 6 hex digits. */
export const taskName = (job: string): string => `${job.slice(0, 52)}-${randomBytes(3).toString('hex')}`;

const byCreated = (a: Task, b: Task) => a.meta.created.localeCompare(b.meta.created) || a.meta.name.localeCompare(b.meta.name);

/** What a trigger adds to a run (core/src/jobs/job-triggers.ts). */
export interface RunOptions {
  /** A task's template from a job's HTTP provider (parsed already): it replaces the job's, within the namespace's policy. */
  template?: PodTemplate;
  /** Where the template came from, for the policy's refusal (e.g. "manifest.spec.template"). */
  templateField?: string;
  /** Written in the run's transaction: a trigger's record of the run it decided, so a crash loses or repeats neither. */
  alsoWrite?: (tx: Txn) => void | Promise<void>;
}

/** Runs a write that adds a task in one transaction, refused when it takes the namespace over its quota. */
export type WithinQuota = <R>(ns: string, fn: (tx: Txn) => Promise<R>) => Promise<R>;

export class Tasks {
  constructor(
    private readonly store: Store,
    /** Resources.withinNamespaceQuota: a task's pod counts as any pod (default: no quota check, for tests). */
    private readonly withinQuota: WithinQuota = (_ns, fn) => store.txn(fn),
  ) {}

  /** Starts a run: a queued task with the job's template (copied now) and the env overrides. */
  run(ns: string, job: string, body: unknown, opts: RunOptions = {}): Promise<Task> {
    const req = parseOrThrow(TaskRunRequest, body ?? {}, 'invalid task run');
    return this.withinQuota(ns, async (tx) => {
      const j = await tx.get<Job>(keys.object('job', ns, job));
      if (!j) throw notFound(`job "${job}" in namespace "${ns}"`);
      const spec = parseOrThrow(JobSpec, j.spec, 'invalid job');
      if (opts.template) assertPolicy(opts.template, policyOf((await tx.get<Namespace>(keys.namespace(ns)))?.spec), ns, opts.templateField);
      await opts.alsoWrite?.(tx);
      const mine = (await tx.list<Task>(keys.task(ns))).filter((t) => t.meta.job === job);
      const refusal = runRefusal(spec, mine);
      if (refusal)
        throw new LbError(spec.enabled === false ? 'FAILED_PRECONDITION' : 'CONFLICT', `job "${job}" refuses a new run: ${refusal}`, {
          fix: spec.enabled === false ? 'enable it (spec.enabled: true)' : `wait for a task to end, or cancel one (\`lb job cancel TASK\`)`,
        });
      let name = taskName(job);
      while (await tx.get(keys.task(ns, name))) name = taskName(job);
      const task: Task = {
        kind: 'Task',
        version: 'v1',
        meta: { ...newMeta({ name, labels: j.meta.labels }), namespace: ns, job },
        spec: { ...(req.spec.env.length ? { env: req.spec.env } : {}), template: opts.template ?? spec.task.template, ...(spec.task.selector ? { selector: spec.task.selector } : {}) },
        status: { state: 'queued', attempt: 0, containers: [], message: 'queued' },
      };
      tx.put(keys.task(ns, name), task);
      return task;
    });
  }

  async list(ns: string, job?: string): Promise<Task[]> {
    if (!(await this.store.get(keys.namespace(ns)))) throw notFound(`namespace "${ns}"`);
    if (job !== undefined && !(await this.store.get(keys.object('job', ns, job)))) throw notFound(`job "${job}" in namespace "${ns}"`);
    return (await this.store.list<Task>(keys.task(ns))).filter((t) => job === undefined || t.meta.job === job).sort(byCreated);
  }

  async get(ns: string, name: string): Promise<Task> {
    const t = await this.store.get<Task>(keys.task(ns, name));
    if (!t) throw notFound(`task "${name}" in namespace "${ns}"`);
    return t;
  }

  /** Asks for the task to end; a task that ended already is answered as it is. */
  cancel(ns: string, name: string): Promise<Task> {
    return this.store.txn(async (tx) => {
      const t = await tx.get<Task>(keys.task(ns, name));
      if (!t) throw notFound(`task "${name}" in namespace "${ns}"`);
      if (t.spec.cancel || ['succeeded', 'failed', 'cancelled'].includes(t.status.state)) return t;
      const next = touch({ ...t, spec: { ...t.spec, cancel: true } });
      tx.put(keys.task(ns, name), next);
      return next;
    });
  }

  /** A task by its job's path (the original's): one of another job is not found there. */
  async ofJob(ns: string, job: string, name: string): Promise<Task> {
    if (!(await this.store.get(keys.object('job', ns, job)))) throw notFound(`job "${job}" in namespace "${ns}"`);
    const t = await this.store.get<Task>(keys.task(ns, name));
    if (!t || t.meta.job !== job) throw notFound(`task "${name}" of job "${job}" in namespace "${ns}"`);
    return t;
  }

  /**
   * Removes an ended task whose pods are gone (the original's TaskRemove); answers it as it was. One still
   * running is refused: the job controller owns its pod, so it is cancelled first.
   */
  remove(ns: string, job: string, name: string): Promise<Task> {
    return this.store.txn(async (tx) => {
      const t = await tx.get<Task>(keys.task(ns, name));
      if (!t || t.meta.job !== job) throw notFound(`task "${name}" of job "${job}" in namespace "${ns}"`);
      if (!TASK_FINISHED.has(t.status.state))
        throw new LbError('CONFLICT', `task "${name}" is ${t.status.state}: only an ended task is removed`, { fix: `cancel it first (\`lb job cancel ${name}\`), then remove it` });
      for (const p of t.status.pods ?? [])
        if (await tx.get(keys.pod(ns, p))) throw new LbError('CONFLICT', `task "${name}" ended a moment ago: its pod "${p}" is still being removed`, { fix: 'try again in a few seconds' });
      tx.del(keys.task(ns, name));
      return t;
    });
  }
}

/** The task whose lines the original's job logs showed: the newest running (or starting), else queued, else ended. */
export function pickTask(tasks: Task[]): Task | undefined {
  const newest = (states: Task['status']['state'][]) => tasks.filter((t) => states.includes(t.status.state)).at(-1);
  return newest(['running', 'scheduled']) ?? newest(['queued']) ?? newest(['succeeded', 'failed', 'cancelled']);
}
