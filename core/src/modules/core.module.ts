// What every module of a process sees: its config, its logger and its Lifecycle (global: every module).
import { Global, Module, type DynamicModule, type ValueProvider } from '@nestjs/common';
import type { KernelConfig } from '../config/config';
import type { Logger } from '../kernel/logger';
import { Lifecycle } from './lifecycle';
import { CONFIG, LOGGER } from './tokens';

@Global()
@Module({})
export class CoreModule {
  /** `values`: more process-wide values (e.g. SERVED), visible to all modules too. */
  static forRoot(cfg: KernelConfig, log: Logger, values: ValueProvider[] = []): DynamicModule {
    return {
      module: CoreModule,
      providers: [{ provide: CONFIG, useValue: cfg }, { provide: LOGGER, useValue: log }, Lifecycle, ...values],
      exports: [CONFIG, LOGGER, Lifecycle, ...values.map((v) => v.provide)],
    };
  }
}
