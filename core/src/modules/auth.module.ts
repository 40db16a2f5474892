// Authentication as a module: the admin token, node credentials and certificates (Auth), and the
// gateway through which the API reaches node agents.
import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { Auth } from '../auth/auth';
import { NodeGateway } from '../api/node-gateway';
import type { Logger } from '../kernel/logger';
import { Lifecycle, started } from './lifecycle';
import type { Served } from './served';
import { StoreModule, StorePart } from './store.module';
import { TlsModule, TlsPart } from './tls.module';
import { LOGGER, SERVED } from './tokens';

@Injectable()
export class AuthPart implements OnModuleInit {
  private made?: { auth: Auth; gateway: NodeGateway };

  constructor(
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(SERVED) private readonly served: Served,
    @Inject(StorePart) private readonly state: StorePart,
    @Inject(TlsPart) private readonly tls: TlsPart,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  get auth(): Auth {
    return started(this.made, 'auth').auth;
  }
  get gateway(): NodeGateway {
    return started(this.made, 'auth').gateway;
  }

  onModuleInit(): Promise<void> {
    return this.lifecycle.start('auth', async () => {
      const { store, box } = this.state;
      const auth = new Auth(store, this.served.token, box, this.tls.tls);
      if (this.served.keep) auth.keepAdminToken = this.served.keep;
      const dropped = await auth.forgetStoredAgentKeys();
      if (dropped) this.log.info(`dropped the agent keys of ${dropped} node credential(s) from the store: agents fetch a derived key now`);
      this.made = { auth, gateway: new NodeGateway(store, auth, this.tls.tls) };
    });
  }
}

@Module({ imports: [TlsModule, StoreModule], providers: [AuthPart], exports: [AuthPart] })
export class AuthModule {}
