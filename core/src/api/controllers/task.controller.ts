// Tasks: runs of a job (jobs/tasks.ts). The job itself is served as an object (object.controller.ts).
import { Body, Controller, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import { invalid, notFound, TASK_FINISHED, wire, type Task } from '@lastbackend/sdk';
import { pickTask, Tasks } from '../../jobs/tasks';
import { taskLogLines } from '../../jobs/task-logs';
import { LogStore } from '../../logs/log-store';
import { Store } from '../../store/store';
import { Resources } from '../../state/resources';
import { QueryOf, Route } from '../route';
import { ROUTES, type JobLogsQuery, type TaskQuery } from '../routes';

@Controller()
export class TaskController {
  private readonly tasks: Tasks;
  constructor(
    store: Store,
    resources: Resources,
    private readonly logStore: LogStore,
  ) {
    this.tasks = new Tasks(store, (ns, fn) => resources.withinNamespaceQuota(ns, fn));
  }

  @Route(ROUTES.runJob)
  run(@Param('ns') ns: string, @Param('job') job: string, @Body() body: unknown) {
    return this.tasks.run(ns, job, body && typeof body === 'object' && Object.keys(body).length === 0 ? undefined : body);
  }

  @Route(ROUTES.jobTasks)
  ofJob(@Param('ns') ns: string, @Param('job') job: string) {
    return this.tasks.list(ns, job);
  }

  @Route(ROUTES.tasks)
  list(@Param('ns') ns: string, @QueryOf() q: z.output<typeof TaskQuery>) {
    return this.tasks.list(ns, q.job);
  }

  @Route(ROUTES.task)
  get(@Param('ns') ns: string, @Param('task') task: string) {
    return this.tasks.get(ns, task);
  }

  @Route(ROUTES.cancelTask)
  cancel(@Param('ns') ns: string, @Param('task') task: string) {
    return this.tasks.cancel(ns, task);
  }

  // ------------------------------------------------------------ the original's paths: a task by its job
  @Route(ROUTES.jobTask)
  ofJobOne(@Param('ns') ns: string, @Param('job') job: string, @Param('task') task: string) {
    return this.tasks.ofJob(ns, job, task);
  }

  @Route(ROUTES.cancelJobTask)
  async cancelOfJob(@Param('ns') ns: string, @Param('job') job: string, @Param('task') task: string) {
    await this.tasks.ofJob(ns, job, task);
    return this.tasks.cancel(ns, task);
  }

  @Route(ROUTES.cancelJobTaskPost)
  cancelOfJobPost(@Param('ns') ns: string, @Param('job') job: string, @Param('task') task: string) {
    return this.cancelOfJob(ns, job, task);
  }

  @Route(ROUTES.removeJobTask)
  removeOfJob(@Param('ns') ns: string, @Param('job') job: string, @Param('task') task: string) {
    return this.tasks.remove(ns, job, task);
  }

  @Route(ROUTES.jobTaskLogs)
  async logsOfJob(@Param('ns') ns: string, @Param('job') job: string, @Param('task') task: string, @Query() raw: Record<string, string>, @Res() res: Response) {
    await this.tasks.ofJob(ns, job, task);
    return this.logs(ns, task, raw, res);
  }

  /** The original's job logs: one task's lines, the one named or the newest that is running, queued or ended. */
  @Route(ROUTES.jobLogs)
  async jobLogs(@Param('ns') ns: string, @Param('job') job: string, @QueryOf() q: z.output<typeof JobLogsQuery>, @Query() raw: Record<string, string>, @Res() res: Response) {
    if (q.pod) throw invalid([{ field: 'pod', reason: "a task's lines are its every attempt's: leave pod out" }], 'invalid job logs query');
    if (q.container) throw invalid([{ field: 'container', reason: "a task's lines are all its containers': leave container out" }], 'invalid job logs query');
    const task = q.task ? await this.tasks.ofJob(ns, job, q.task) : pickTask(await this.tasks.list(ns, job));
    if (!task) throw notFound(`a task of job "${job}" in namespace "${ns}" (it has none)`);
    // The original's client always sends tail=0, which meant no limit there.
    const { tail, ...rest } = raw;
    return this.logs(ns, task.meta.name, tail === '0' ? rest : raw, res);
  }

  /** NDJSON lines of the task's pods; with follow=true until the task has ended. */
  @Route(ROUTES.taskLogs)
  async logs(@Param('ns') ns: string, @Param('task') name: string, @Query() raw: Record<string, string>, @Res() res: Response) {
    const t = await this.tasks.get(ns, name);
    const tail = raw.tail !== undefined ? Number(raw.tail) : undefined;
    const ctl = new AbortController();
    res.on('close', () => ctl.abort());
    const finished = async () => {
      const now: Task = await this.tasks.get(ns, name).catch(() => t);
      return TASK_FINISHED.has(now.status.state);
    };
    const pods = async () => (await this.tasks.get(ns, name).catch(() => t)).status.pods ?? [];
    res.status(200).setHeader('content-type', 'application/x-ndjson');
    res.flushHeaders();
    try {
      // A retry's pod is new: with follow, the pod list is read again once the current ones are drained.
      const seen = new Set<string>();
      for (;;) {
        const fresh = (await pods()).filter((p) => !seen.has(p));
        for (const p of fresh) seen.add(p);
        const follow = raw.follow === 'true';
        for await (const l of taskLogLines(this.logStore, ns, fresh, { tail, follow, signal: ctl.signal, done: async () => (await finished()) || (await pods()).some((p) => !seen.has(p)) })) {
          if (!res.write(JSON.stringify(wire.encodeLog(l, { namespace: ns, service: '' })) + '\n')) await new Promise((r) => res.once('drain', r));
        }
        if (!follow || ctl.signal.aborted || (await finished())) break;
      }
    } catch {
      /* the client went away */
    }
    res.end();
  }
}
