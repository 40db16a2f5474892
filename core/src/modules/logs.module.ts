// The log store as a module: the lines this server's agents shipped to it, kept for logs.retention.
import { join } from 'node:path';
import { Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { KernelConfig } from '../config/config';
import { LogStore } from '../logs/log-store';
import { Lifecycle, started } from './lifecycle';
import { CONFIG } from './tokens';

@Injectable()
export class LogsPart implements OnModuleInit, OnApplicationShutdown {
  private opened?: LogStore;

  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  get logStore(): LogStore {
    return started(this.opened, 'the log store');
  }

  onModuleInit(): Promise<void> {
    return this.lifecycle.start('log store', async () => {
      const logStore = new LogStore(join(this.cfg.data_dir, 'logs'), this.cfg.logs.retention);
      await logStore.open();
      this.opened = logStore;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const opened = this.opened;
    if (!opened) return;
    this.opened = undefined;
    await this.lifecycle.stop('log store', () => opened.close());
  }
}

@Module({ providers: [LogsPart], exports: [LogsPart] })
export class LogsModule {}
