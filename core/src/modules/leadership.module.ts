// Leadership as a module: the work that must run once per cluster (the controller) runs on the leader.
// With level this server always leads; with etcd it campaigns. Made when the store is open (the API
// answers GET /cluster/leader from it), started once the API serves, stopped before the API closes.
import { Inject, Injectable, Module, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { KernelConfig } from '../config/config';
import { EtcdLeadership, SoleLeadership, type Leadership } from '../ha/leader';
import type { Logger } from '../kernel/logger';
import { ControllerDuty, ControllerModule } from './controller.module';
import { Lifecycle, started } from './lifecycle';
import type { Served } from './served';
import { StoreModule, StorePart } from './store.module';
import { CONFIG, LOGGER, SERVED } from './tokens';

@Injectable()
export class LeadershipPart implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private made?: Leadership;
  private running = false;

  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(SERVED) private readonly served: Served,
    @Inject(StorePart) private readonly state: StorePart,
    @Inject(ControllerDuty) private readonly duty: ControllerDuty,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  get leadership(): Leadership {
    return started(this.made, 'leadership');
  }

  onModuleInit(): Promise<void> {
    return this.lifecycle.start('leadership', () => {
      const etcd = this.state.etcd;
      const makeDuty = () => this.duty.make();
      this.made = etcd
        ? new EtcdLeadership(etcd, this.served.serverId, this.cfg.store.etcd.lease_ttl, makeDuty, this.log.child('leader'))
        : new SoleLeadership(this.served.serverId, makeDuty);
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.lifecycle.start('controller (on the leader)', async () => {
      this.running = true; // a start that failed half-way is stopped too
      await this.leadership.start();
    });
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.lifecycle.stop('controller (on the leader)', () => this.leadership.stop());
  }
}

@Module({ imports: [ControllerModule, StoreModule], providers: [LeadershipPart], exports: [LeadershipPart] })
export class LeadershipModule {}
