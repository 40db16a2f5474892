// `lb server` as a module graph. Nest starts a module after the modules it imports, and on shutdown
// stops it before them. Two phases each way:
//   start: onModuleInit opens: the kernel (global, first), the store, then TLS, auth, leadership (made,
//          not campaigning), the event recorder and the log store, each after what it imports; the API (listening); the
//          local node's name reserved.
//          onApplicationBootstrap goes live: the controller on the leader, the local agent (registered
//          with the node gateway once it runs), the ingress.
//   stop:  onModuleDestroy ends the live work (ingress, agent, controller), then onApplicationShutdown
//          closes what was opened, the API first and the kernel last.
// Nest orders hooks by a module's depth in the import tree, not by the edges themselves: two modules
// at the same depth run in scan order even when one imports the other. So every imports list names the
// most dependent module first, which puts each imported module deeper than its importer;
// graph.spec.ts checks that for every process graph.
import { Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { LbClient } from '@lastbackend/sdk';
import type { KernelConfig } from '../config/config';
import { Kernel } from '../kernel/kernel';
import { agentExposition } from '../metrics/metrics';
import type { Logger } from '../kernel/logger';
import { AgentModule, AgentPart, type NodeLink } from './agent.module';
import { ApiModule } from './api.module';
import { AuthModule, AuthPart } from './auth.module';
import { CoreModule } from './core.module';
import { KernelModule } from './kernel.module';
import { Lifecycle } from './lifecycle';
import { PluginsModule } from './plugins.module';
import type { Served } from './served';
import { TlsModule, TlsPart } from './tls.module';
import { CONFIG, SERVED } from './tokens';

/** The server's own node: its name kept from joiners, its agent reachable through the node gateway. */
@Injectable()
class LocalNodePart implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(Kernel) private readonly kernel: Kernel,
    @Inject(AuthPart) private readonly auth: AuthPart,
    @Inject(AgentPart) private readonly agent: AgentPart,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  onModuleInit(): Promise<void> {
    return this.lifecycle.start('local node name', () => this.auth.auth.reserveServerNode(this.cfg.node.name));
  }

  onApplicationBootstrap(): Promise<void> {
    return this.lifecycle.start('local node gateway', () => {
      const { kernel, agent } = this;
      this.auth.gateway.register(this.cfg.node.name, {
        exec: (...a) => agent.agent.exec(...a),
        drivers: () => kernel.states(),
        swapDrivers: (kinds, swap) => kernel.swapAll(kinds, swap),
        metrics: () => agentExposition(),
        stats: (pods) => agent.agent.stats(pods),
        execStream: (...a) => agent.agent.execStream(...a),
        portForward: (...a) => agent.agent.portForward(...a),
      });
    });
  }
}

@Module({})
class LocalNodeModule {
  static forRoot(): DynamicModule {
    return {
      module: LocalNodeModule,
      imports: [
        AgentModule.forRoot({
          // The agent talks to this server over its own API, as a joined node's does.
          link: {
            // This process's own token, not the admin's: no token or key rotation touches it.
            // After a CA rotation it trusts the new bundle (its streams stay on their connections).
            useFactory: (served: Served, tls: TlsPart, auth: AuthPart): NodeLink => ({
              client: () => {
                const client = new LbClient({ server: served.url, token: auth.auth.localToken, ...tls.trust });
                tls.tls?.onChange(() => client.setTls(tls.trust.tls!));
                return client;
              },
            }),
            inject: [SERVED, TlsPart, AuthPart],
          },
          imports: [ApiModule, TlsModule, AuthModule],
        }),
        AuthModule,
      ],
      providers: [LocalNodePart],
    };
  }
}

@Module({})
export class ServerModule {
  static forRoot(cfg: KernelConfig, log: Logger, served: Served): DynamicModule {
    return {
      module: ServerModule,
      imports: [
        CoreModule.forRoot(cfg, log, [{ provide: SERVED, useValue: served }]),
        // A control-plane-only server runs no pods, so it needs no drivers.
        KernelModule.forRoot({ drivers: cfg.node.agent }),
        ...(cfg.node.agent ? [LocalNodeModule.forRoot()] : []),
        PluginsModule,
        ApiModule,
      ],
    };
  }
}
