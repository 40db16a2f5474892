// The audit trail as a module: in the data dir (level backend) or in etcd beside the state (etcd
// backend). Opened after the store, closed after the API (which writes to it) and before the store, so
// the records of the last calls are flushed while etcd is still there.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Inject, Injectable, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EtcdTrail } from '../audit/etcd-trail';
import { FileTrail } from '../audit/file-trail';
import type { AuditTrail } from '../audit/trail';
import type { KernelConfig } from '../config/config';
import type { Logger } from '../kernel/logger';
import { Lifecycle, started } from './lifecycle';
import { StoreModule, StorePart } from './store.module';
import { CONFIG, LOGGER } from './tokens';

@Injectable()
export class AuditPart implements OnModuleInit, OnApplicationShutdown {
  private opened?: AuditTrail;

  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(StorePart) private readonly state: StorePart,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  get trail(): AuditTrail {
    return started(this.opened, 'the audit trail');
  }

  onModuleInit(): Promise<void> {
    return this.lifecycle.start('audit trail', async () => {
      const a = this.cfg.audit;
      const warn = (m: string) => this.log.warn(m);
      const etcd = this.state.etcd;
      if (etcd) {
        // Its own key part per process: servers sharing etcd never write one key twice.
        const server = `${this.cfg.node.name}-${randomBytes(3).toString('hex')}`;
        this.opened = new EtcdTrail(etcd.namespace('audit/'), { maxAge: a.max_age, server, warn });
        return;
      }
      const trail = new FileTrail(join(this.cfg.data_dir, 'audit'), { maxBytes: a.max_bytes, maxFiles: a.max_files, maxAge: a.max_age, warn });
      await trail.open();
      this.opened = trail;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const opened = this.opened;
    if (!opened) return;
    this.opened = undefined;
    await this.lifecycle.stop('audit trail', () => opened.close());
  }
}

@Module({ imports: [StoreModule], providers: [AuditPart], exports: [AuditPart] })
export class AuditModule {}
