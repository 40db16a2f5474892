// Jobs and tasks on the wire (views/job.go, task.go): meta.self_link added; a job's spec with the
// original's top-level schedule (our provider.cron.schedule), resources as its strings under
// limits/request, its status with the original's stats (counted from our tasks by state); a task's status
// with the original's error/done/canceled flags and `pod` as the original's object (our pod name in
// pod.name). The templates' containers are the original's, as a service's are.
import { z } from 'zod';
import { JobObject, TaskObject } from '../models/answers';
import { TASK_FINISHED, type Job, type Task, type TaskState } from '../models/resources';
import { encodeQuantities, quantitiesView, selfLink, wireSchema } from './common';
import { encodeTemplate, PodTemplateView } from './template';
export { decodeJob, decodeTask } from './decode';

const quantities = quantitiesView(['ram', 'cpu']);

const JobSpecModel = JobObject.shape.spec;
const JobTaskModel = JobSpecModel.shape.task;

export const JobView = wireSchema<Job>()(
  JobObject.extend({
    meta: JobObject.shape.meta.extend({ self_link: z.string().describe('"<namespace>:<name>"') }).strict(),
    spec: JobSpecModel.extend({
      schedule: z.string().optional().describe("the original's schedule: provider.cron.schedule"),
      resources: z.object({ limits: quantities.optional(), request: quantities.optional().describe('requests (the original\'s name)') }).strict().optional(),
      task: JobTaskModel.extend({ template: PodTemplateView }).strict(),
    }).strict(),
    status: JobObject.shape.status
      .extend({
        message: z.string(),
        stats: z
          .object({ total: z.number(), active: z.number().describe('queued, scheduled or running'), successful: z.number(), failed: z.number().describe('failed or cancelled') })
          .strict()
          .describe("the original's counts, from tasks"),
      })
      .strict(),
  }).strict(),
);
export type JobView = z.output<typeof JobView>;

const ACTIVE: readonly TaskState[] = ['queued', 'scheduled', 'running'];

export function encodeJob(j: Job): JobView {
  const { resources, task, ...spec } = j.spec;
  const n = (s: TaskState) => j.status.tasks?.[s] ?? 0;
  const schedule = j.spec.provider?.cron?.schedule;
  return {
    ...j,
    meta: { ...j.meta, self_link: selfLink(j.meta.namespace, j.meta.name) },
    spec: {
      ...spec,
      ...(schedule !== undefined ? { schedule } : {}),
      ...(resources ? { resources: { ...(resources.limits ? { limits: encodeQuantities<'ram' | 'cpu'>(resources.limits) } : {}), ...(resources.requests ? { request: encodeQuantities<'ram' | 'cpu'>(resources.requests) } : {}) } } : {}),
      task: { ...task, template: encodeTemplate(task.template) },
    },
    status: {
      ...j.status,
      message: '',
      stats: {
        total: Object.values(j.status.tasks ?? {}).reduce((a, b) => a + (b ?? 0), 0),
        active: ACTIVE.reduce((a, s) => a + n(s), 0),
        successful: n('succeeded'),
        failed: n('failed') + n('cancelled'),
      },
    },
  };
}

export const TaskView = wireSchema<Task>()(
  TaskObject.extend({
    meta: TaskObject.shape.meta.extend({ self_link: z.string().describe('"<namespace>:<job>:<name>"') }).strict(),
    spec: TaskObject.shape.spec.extend({ template: PodTemplateView }).strict(),
    status: TaskObject.shape.status
      .extend({
        error: z.boolean().describe('failed'),
        done: z.boolean().describe('ended: succeeded, failed or cancelled'),
        canceled: z.boolean().describe('cancelled (the original\'s spelling)'),
        pod: z
          .object({ name: z.string(), self_link: z.string().describe('"<namespace>:<pod>"') })
          .strict()
          .optional()
          .describe("the current attempt's pod (the original's object; its name in name)"),
      })
      .strict(),
  }).strict(),
);
export type TaskView = z.output<typeof TaskView>;

export function encodeTask(t: Task): TaskView {
  const { pod, ...status } = t.status;
  return {
    ...t,
    meta: { ...t.meta, self_link: selfLink(t.meta.namespace, t.meta.job, t.meta.name) },
    spec: { ...t.spec, template: encodeTemplate(t.spec.template) },
    status: {
      ...status,
      error: t.status.state === 'failed',
      done: TASK_FINISHED.has(t.status.state),
      canceled: t.status.state === 'cancelled',
      ...(pod !== undefined ? { pod: { name: pod, self_link: selfLink(t.meta.namespace, pod) } } : {}),
    },
  };
}

