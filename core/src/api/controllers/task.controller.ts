// Tasks: runs of a job (jobs/tasks.ts). The job itself is served as an object (object.controller.ts).
import { Body, Controller, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import { TASK_FINISHED, wire, type Task } from '@lastbackend/sdk';
import { Tasks } from '../../jobs/tasks';
import { taskLogLines } from '../../jobs/task-logs';
import { LogStore } from '../../logs/log-store';
import { Store } from '../../store/store';
import { Resources } from '../../state/resources';
import { QueryOf, Route } from '../route';
import { ROUTES, type TaskQuery } from '../routes';

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
