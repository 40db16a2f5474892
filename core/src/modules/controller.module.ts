// The controller as a module. It runs on the leader only, so it is not started with the process: the
// leadership module starts one per term of leadership through ControllerDuty, and stops it when the
// term ends or the process stops.
import { Inject, Injectable, Module } from '@nestjs/common';
import type { KernelConfig } from '../config/config';
import { Controller } from '../controller/controller';
import { JobController } from '../jobs/job-controller';
import type { LeaderDuty } from '../ha/leader';
import type { Logger } from '../kernel/logger';
import type { Scheduler } from '../scheduler/scheduler';
import { EventsModule, EventsPart } from './events.module';
import { SCHEDULER, SchedulerModule } from './scheduler.module';
import { StoreModule, StorePart } from './store.module';
import { CONFIG, LOGGER } from './tokens';

@Injectable()
export class ControllerDuty {
  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(StorePart) private readonly state: StorePart,
    @Inject(SCHEDULER) private readonly scheduler: Scheduler,
    @Inject(EventsPart) private readonly events: EventsPart,
  ) {}

  /** A new controller (with the scheduler and node liveness) for one term of leadership. */
  make(): LeaderDuty {
    const c = this.cfg.controller;
    const controller = new Controller(
      this.state.store,
      this.log.child('controller'),
      { history: c.history, nodeNotReadyAfter: c.node_not_ready_after, nodeOfflineAfter: c.node_offline_after, resyncInterval: c.resync },
      this.scheduler,
      this.events.recorder,
    );
    // Tasks of jobs: their own controller, on the same leader, with the same scheduler.
    const jobs = new JobController(this.state.store, this.log.child('jobs'), this.scheduler, { resyncInterval: c.resync });
    return {
      start: async () => {
        await controller.start();
        await jobs.start();
      },
      stop: async () => {
        await jobs.stop();
        await controller.stop();
      },
    };
  }
}

@Module({ imports: [SchedulerModule, EventsModule, StoreModule], providers: [ControllerDuty], exports: [ControllerDuty] })
export class ControllerModule {}
