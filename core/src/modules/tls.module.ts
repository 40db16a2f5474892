// The cluster's TLS as a module: its CA and this server's certificates, kept in the store (one CA for
// every server on it). Off with --insecure-http.
import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import type { KernelConfig } from '../config/config';
import type { Logger } from '../kernel/logger';
import { ClusterTls } from '../tls/cluster-tls';
import { Lifecycle } from './lifecycle';
import type { Served } from './served';
import { StoreModule, StorePart } from './store.module';
import { CONFIG, LOGGER, SERVED } from './tokens';

@Injectable()
export class TlsPart implements OnModuleInit {
  private opened?: ClusterTls;

  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(SERVED) private readonly served: Served,
    @Inject(StorePart) private readonly state: StorePart,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  /** The server's TLS material; undefined when TLS is off. */
  get tls(): ClusterTls | undefined {
    return this.opened;
  }

  /** What this server's own clients (its agent, log requests to its peers) trust. */
  get trust(): { tls?: { ca: string } } {
    return this.opened ? { tls: { ca: this.opened.bundle } } : {};
  }

  onModuleInit(): Promise<void> {
    return this.lifecycle.start('tls', async () => {
      const { cfg, served } = this;
      if (cfg.tls.enabled) this.opened = await ClusterTls.open(this.state.store, this.state.box, cfg.tls, cfg.data_dir, served.serverId, served.addresses);
      else this.log.warn('TLS is off (--insecure-http): tokens, secrets and node traffic cross the network in clear');
    });
  }
}

@Module({ imports: [StoreModule], providers: [TlsPart], exports: [TlsPart] })
export class TlsModule {}
