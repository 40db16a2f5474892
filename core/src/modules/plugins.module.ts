// The plugins the server runs beside the API, as a module: the ingress (when enabled), its proxy from the
// plugin package the config names. Started once the API serves, stopped before it closes.
import { Inject, Injectable, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { KernelConfig } from '../config/config';
import { IngressController, ingressSettings } from '../ingress/ingress-controller';
import type { Logger } from '../kernel/logger';
import { Lifecycle } from './lifecycle';
import { StoreModule, StorePart } from './store.module';
import { CONFIG, LOGGER } from './tokens';

@Injectable()
export class IngressPart implements OnApplicationBootstrap, OnModuleDestroy {
  private running?: IngressController;

  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(StorePart) private readonly state: StorePart,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    const { cfg } = this;
    if (!cfg.ingress.enabled) return Promise.resolve();
    return this.lifecycle.start('ingress', async () => {
      const ingress = new IngressController(this.state.store, this.state.resources, ingressSettings(cfg), cfg.data_dir, this.log.child('ingress'));
      await ingress.start();
      this.running = ingress;
    });
  }

  async onModuleDestroy(): Promise<void> {
    const ingress = this.running;
    if (!ingress) return;
    this.running = undefined;
    await this.lifecycle.stop('ingress', () => ingress.stop());
  }
}

@Module({ imports: [StoreModule], providers: [IngressPart] })
export class PluginsModule {}
