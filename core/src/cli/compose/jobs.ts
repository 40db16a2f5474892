// A compose file's run-to-completion services (Jobs here: convert.ts) run when the file is applied, as
// `docker compose up` runs them: `lb apply` starts a task of each after the apply, unless one already ran
// the same template to success or runs it now, so applying the same file again runs nothing twice.
import { stableStringify, TASK_FINISHED, type Job, type Task } from '@lastbackend/sdk';

export type ComposeJobRun = { run: true } | { run: false; reason: string };

/** Whether `lb apply` of a compose file starts a task of the job, given the job as stored and its tasks. */
export function composeJobRun(job: Pick<Job, 'spec'>, tasks: readonly Task[]): ComposeJobRun {
  const template = stableStringify(job.spec.task.template);
  const same = tasks.filter((t) => stableStringify(t.spec.template) === template);
  const running = same.find((t) => !TASK_FINISHED.has(t.status.state));
  if (running) return { run: false, reason: `task ${running.meta.name} runs it already` };
  const done = same.find((t) => t.status.state === 'succeeded');
  if (done) return { run: false, reason: `task ${done.meta.name} succeeded with the same template` };
  return { run: true };
}
