// The HTTP API as a module: the REST application (api/app.ts) over the parts the other modules opened,
// listening once they are all open, closed after the parts that use it stopped.
import { Inject, Injectable, Module, type INestApplication, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { LbClient, LbError } from '@lastbackend/sdk';
import { createApi, serveApiOn } from '../api/app';
import { listenLocalSocket } from '../api/local-socket';
import { LogService, type LogPeers } from '../api/logs';
import type { KernelConfig } from '../config/config';
import { Kernel } from '../kernel/kernel';
import type { Logger } from '../kernel/logger';
import { VERSION } from '../version';
import { AuditModule, AuditPart } from './audit.module';
import { AuthModule, AuthPart } from './auth.module';
import { EventsModule, EventsPart } from './events.module';
import { LeadershipModule, LeadershipPart } from './leadership.module';
import { Lifecycle } from './lifecycle';
import { LogsModule, LogsPart } from './logs.module';
import type { Served } from './served';
import { StoreModule, StorePart } from './store.module';
import { TlsModule, TlsPart } from './tls.module';
import { CONFIG, LOGGER, SERVED } from './tokens';

@Injectable()
export class ApiPart implements OnModuleInit, OnApplicationShutdown {
  private app?: INestApplication;
  private local?: { close(): Promise<void> };

  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(SERVED) private readonly served: Served,
    @Inject(Kernel) private readonly kernel: Kernel,
    @Inject(StorePart) private readonly state: StorePart,
    @Inject(TlsPart) private readonly tls: TlsPart,
    @Inject(AuthPart) private readonly auth: AuthPart,
    @Inject(LogsPart) private readonly logs: LogsPart,
    @Inject(LeadershipPart) private readonly leader: LeadershipPart,
    @Inject(AuditPart) private readonly audit: AuditPart,
    @Inject(EventsPart) private readonly events: EventsPart,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  onModuleInit(): Promise<void> {
    return this.lifecycle.start('api', async () => {
      const { served, leader } = this;
      const { store, resources, cluster } = this.state;
      const tls = this.tls.tls;
      // Each server holds the logs its agents shipped to it; a request merges every live server's share.
      const logPeers: LogPeers = {
        clients: async () => (await leader.leadership.peers()).map((server) => new LbClient({ server, token: this.auth.auth.serverToken(), timeout: 5000, ...this.tls.trust })),
        warn: (msg) => this.log.warn(msg),
      };
      const logStore = this.logs.logStore;
      const app = await createApi({
        store,
        resources,
        cluster,
        gateway: this.auth.gateway,
        auth: this.auth.auth,
        logStore,
        kernel: this.kernel,
        logs: new LogService(cluster, logStore, logPeers),
        log: this.log.child('api'),
        version: VERSION,
        leadership: leader.leadership,
        suffix: this.cfg.discovery.suffix,
        accessLog: this.cfg.log?.format === 'json' || this.cfg.log_level === 'debug',
        audit: { trail: this.audit.trail, server: this.cfg.node.name },
        events: { recorder: this.events.recorder, reader: this.events.reader },
        ...(tls ? { tls } : {}),
        // Servers sharing an etcd each hold the CA in memory: one rotating alone would leave the others behind.
        ...(this.cfg.store.backend === 'etcd' ? { caRotationRefusal: 'the store is etcd, shared by servers that each hold the CA in memory (rotate by restarting them on a new store)' } : {}),
        // The ingress runs in this server when enabled (PluginsModule): GET /ingress shows it.
        components: this.cfg.ingress.enabled ? [{ kind: 'ingress', server: leader.leadership.id, package: this.cfg.ingress.plugin, version: VERSION, since: new Date().toISOString() }] : [],
      });
      try {
        await app.listen(served.port, served.host);
      } catch (e) {
        await app.close().catch(() => undefined);
        throw new LbError('UNAVAILABLE', `cannot listen on ${this.cfg.listen}: ${(e as Error).message}`, { fix: 'choose another --listen address' });
      }
      if (served.socket) {
        try {
          this.local = await listenLocalSocket(served.socket.path, (server) => serveApiOn(app, server));
        } catch (e) {
          await app.close().catch(() => undefined);
          throw e;
        }
      }
      this.app = app;
    });
  }

  async onApplicationShutdown(): Promise<void> {
    const app = this.app;
    const local = this.local;
    if (!app) return;
    this.app = this.local = undefined;
    await this.lifecycle.stop('api', async () => {
      await local?.close();
      await app.close();
    });
  }
}

// Imports list the most dependent module first (see server.module.ts).
@Module({ imports: [LeadershipModule, LogsModule, AuthModule, TlsModule, AuditModule, EventsModule, StoreModule], providers: [ApiPart], exports: [ApiPart] })
export class ApiModule {}
