// The controller as a module. It runs on the leader only, so it is not started with the process: the
// leadership module starts one per term of leadership through ControllerDuty, and stops it when the
// term ends or the process stops.
import { Inject, Injectable, Module } from '@nestjs/common';
import type { KernelConfig } from '../config/config';
import { Controller } from '../controller/controller';
import { parseListen } from '../config/config';
import { allowFromStore, clusterAddresses, EgressGuard } from '../egress';
import { JobController } from '../jobs/job-controller';
import { JobTriggers } from '../jobs/job-triggers';
import { Tasks } from '../jobs/tasks';
import { keys, PREFIX } from '../store/keys';
import { snapshotDir } from '../snapshot/save';
import { snapshotDuty } from '../snapshot/schedule';
import type { Namespace, Node } from '@lastbackend/sdk';
import type { LeaderDuty } from '../ha/leader';
import type { Logger } from '../kernel/logger';
import type { Scheduler } from '../scheduler/scheduler';
import { AuditModule, AuditPart } from './audit.module';
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
    @Inject(AuditPart) private readonly audit: AuditPart,
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
    const store = this.state.store;
    const jobs = new JobController(store, this.log.child('jobs'), this.scheduler, { resyncInterval: c.resync }, this.events.recorder);
    // What starts tasks besides manual runs, and the hook: outbound calls only through the namespace's egress.
    const egress = new EgressGuard({
      allowOf: allowFromStore((ns) => store.get<Namespace>(keys.namespace(ns))),
      cluster: clusterAddresses({ network: this.cfg.network, listenHost: parseListen(this.cfg.listen).host, nodes: () => store.list<Node>(PREFIX.nodes) }),
    });
    const triggers = new JobTriggers({
      store,
      tasks: new Tasks(store, (ns, fn) => this.state.resources.withinNamespaceQuota(ns, fn)),
      egress,
      events: this.events.recorder,
      audit: this.audit.trail,
      log: this.log.child('job-triggers'),
      server: this.cfg.node.name,
    });
    // Scheduled snapshots (snapshots.every): one taker per cluster, the leader.
    const every = this.cfg.snapshots.every;
    const snapshots = every
      ? snapshotDuty(store, { every, keep: this.cfg.snapshots.keep, dir: snapshotDir(this.cfg), log: this.log.child('snapshots') })
      : undefined;
    return {
      start: async () => {
        await controller.start();
        await jobs.start();
        await triggers.start();
        await snapshots?.start();
      },
      stop: async () => {
        await snapshots?.stop();
        await triggers.stop();
        await jobs.stop();
        await controller.stop();
      },
    };
  }
}

@Module({ imports: [SchedulerModule, EventsModule, StoreModule, AuditModule], providers: [ControllerDuty], exports: [ControllerDuty] })
export class ControllerModule {}
