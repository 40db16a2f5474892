// Events as a module: the one recorder every part of the server writes events through (the controller
// and scheduler, the node routes that take agents' and kernels' events), and the reader the API lists
// them with. Opened after the store; closed (what is pending written) after the API and the controller
// stopped and before the store closes.
import { Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { KernelConfig } from '../config/config';
import { EventReader } from '../events/reader';
import { EventRecorder } from '../events/recorder';
import type { Logger } from '../kernel/logger';
import { Lifecycle, started } from './lifecycle';
import { StoreModule, StorePart } from './store.module';
import { CONFIG, LOGGER } from './tokens';

@Injectable()
export class EventsPart implements OnModuleInit, OnApplicationShutdown {
  private opened?: { recorder: EventRecorder; reader: EventReader };

  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(StorePart) private readonly state: StorePart,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  get recorder(): EventRecorder {
    return started(this.opened, 'the event recorder').recorder;
  }
  get reader(): EventReader {
    return started(this.opened, 'the event recorder').reader;
  }

  onModuleInit(): Promise<void> {
    return this.lifecycle.start('events', async () => {
      const { ttl, max } = this.cfg.events;
      const store = this.state.store;
      const recorder = new EventRecorder(store, { ttl, max, warn: (m) => this.log.warn(m) });
      recorder.start();
      this.opened = { recorder, reader: new EventReader(store) };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const opened = this.opened;
    if (!opened) return;
    this.opened = undefined;
    await this.lifecycle.stop('events', () => opened.recorder.close());
  }
}

@Module({ imports: [StoreModule], providers: [EventsPart], exports: [EventsPart] })
export class EventsModule {}
