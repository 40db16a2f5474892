// The kernel as a module: the driver registry (with its hook plugins), started first and disposed last
// by every process that runs drivers, and the five extension points backed by it.
import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { KernelConfig } from '../config/config';
import { Kernel } from '../kernel/kernel';
import type { Logger } from '../kernel/logger';
import { EXTENSION_POINTS, extensionPointProviders } from './extension-points';
import { Lifecycle } from './lifecycle';
import { CONFIG, LOGGER } from './tokens';

export interface KernelModuleOptions {
  /** false: no driver is loaded (a control-plane-only server runs no pods); hook plugins still are. */
  drivers: boolean;
}

/** Loads the drivers when the module starts; disposes them when the application has shut down. */
@Injectable()
class KernelPart implements OnModuleInit, OnApplicationShutdown {
  private running = false;

  constructor(
    @Inject(Kernel) private readonly kernel: Kernel,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  onModuleInit(): Promise<void> {
    return this.lifecycle.start('kernel', async () => {
      await this.kernel.start(); // a failed start disposes what it loaded itself
      this.running = true;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.lifecycle.stop('kernel', () => this.kernel.dispose());
  }
}

@Module({})
export class KernelModule {
  static forRoot(opts: KernelModuleOptions): DynamicModule {
    return {
      module: KernelModule,
      // One registry per process, seen by every module; global modules start first and stop last.
      global: true,
      providers: [
        {
          provide: Kernel,
          useFactory: (cfg: KernelConfig, log: Logger) => new Kernel(opts.drivers ? cfg : { ...cfg, drivers: {} }, log.child('kernel')),
          inject: [CONFIG, LOGGER],
        },
        KernelPart,
        ...extensionPointProviders(Kernel),
      ],
      exports: [Kernel, ...Object.values(EXTENSION_POINTS)],
    };
  }
}
