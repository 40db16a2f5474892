// The node agent as a module, for `lb server` (its local node) and `lb agent` alike: it runs this node's
// pods on the kernel's drivers and reports to the API through the client its process links it with.
// Started once everything it talks to serves; stopped first. With a config file, driver entries that
// change in it are swapped hot while the agent runs.
import { Inject, Injectable, Module, type DynamicModule, type FactoryProvider, type ModuleMetadata, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LbError, type LbClient } from '@lastbackend/sdk';
import type { Agent } from '../agent/agent';
import { startNodeAgent } from '../agent/start';
import type { KernelConfig } from '../config/config';
import { watchDriverConfig } from '../kernel/config-watch';
import { Kernel } from '../kernel/kernel';
import type { Logger } from '../kernel/logger';
import { Lifecycle } from './lifecycle';
import { CONFIG, LOGGER } from './tokens';

/** How the agent reaches the API, and where the API reaches it; asked when the agent starts. */
export interface NodeLink {
  client(): LbClient;
  /** The agent's own endpoint (`lb agent`); none when the API server runs it in its process. */
  endpoint?(): string;
}

export const NODE_LINK = Symbol('node-link');

@Injectable()
export class AgentPart implements OnApplicationBootstrap, OnModuleDestroy {
  private running?: { agent: Agent; unwatch?: () => Promise<void> };

  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(Kernel) private readonly kernel: Kernel,
    @Inject(NODE_LINK) private readonly link: NodeLink,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {}

  /** The running agent; until it runs, what asks for it is told to come back. */
  get agent(): Agent {
    if (!this.running) throw new LbError('UNAVAILABLE', 'agent is starting');
    return this.running.agent;
  }

  onApplicationBootstrap(): Promise<void> {
    return this.lifecycle.start('agent', async () => {
      const { cfg, kernel } = this;
      const agent = await startNodeAgent(kernel, this.link.client(), cfg, this.log.child('agent'), this.link.endpoint?.());
      this.running = { agent, ...(cfg.configFile ? { unwatch: watchDriverConfig(cfg, kernel, this.log.child('kernel')) } : {}) };
    });
  }

  async onModuleDestroy(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    if (running.unwatch) await this.lifecycle.stop('driver config watch', running.unwatch);
    await this.lifecycle.stop('agent', () => running.agent.stop());
  }
}

export interface AgentModuleOptions {
  /** Provides NODE_LINK. */
  link: Omit<FactoryProvider<NodeLink>, 'provide'>;
  /** The modules the link's factory injects from (they start before the agent). */
  imports?: ModuleMetadata['imports'];
}

@Module({})
export class AgentModule {
  static forRoot(o: AgentModuleOptions): DynamicModule {
    return {
      module: AgentModule,
      imports: o.imports ?? [],
      providers: [{ provide: NODE_LINK, ...o.link }, AgentPart],
      exports: [AgentPart],
    };
  }
}
