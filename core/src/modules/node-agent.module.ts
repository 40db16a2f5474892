// `lb agent` as a module graph: the kernel (global), the agent's own server (where the API server reaches
// this node; its certificate renewed before it expires) and the node agent (agent.module.ts), the
// same agent module `lb server` runs for its local node.
//   start: kernel → agent server listening → certificate renewal scheduled → agent
//   stop:  agent → renewal → agent server → kernel
import { Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { LbError, type LbClient } from '@lastbackend/sdk';
import { startAgentServer, type AgentServer, type AgentServerAuth } from '../agent/agent-server';
import { clientTls, nodeClient, renewalTime, renewCertificate, type Credentials } from '../agent/join';
import type { KernelConfig } from '../config/config';
import { Kernel } from '../kernel/kernel';
import type { Logger } from '../kernel/logger';
import { AgentModule, AgentPart, type NodeLink } from './agent.module';
import { CoreModule } from './core.module';
import { KernelModule } from './kernel.module';
import { Lifecycle, started } from './lifecycle';
import { CONFIG, LOGGER } from './tokens';

/** The node as it joined: its credentials, the API servers, and where its own server listens. */
export interface NodeJoined {
  creds: Credentials;
  /** API server URL(s), comma-separated. */
  server: string;
  /** The address the node registered. */
  address: string;
  host: string;
  port: number;
}

const NODE_JOINED = Symbol('node-joined');
const DAY = 86_400_000;
/** How often an agent checks whether the cluster CA changed (a small public read). */
const CA_CHECK_MS = 5_000;

/** The agent's link to the API: its server (what the API calls), its client, its certificate's renewal. */
@Injectable()
export class NodeLinkPart implements NodeLink, OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private creds: Credentials;
  private srv?: AgentServer;
  private api?: LbClient;
  private renewal?: NodeJS.Timeout;
  private caCheck?: NodeJS.Timeout;
  private caCheckFailing = false;
  /** The renewal in flight (a scheduled one and a CA change share it). */
  private renewing?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(CONFIG) private readonly cfg: KernelConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(NODE_JOINED) private readonly joined: NodeJoined,
    @Inject(Kernel) private readonly kernel: Kernel,
    @Inject(ModuleRef) private readonly modules: ModuleRef,
    @Inject(Lifecycle) private readonly lifecycle: Lifecycle,
  ) {
    this.creds = joined.creds;
  }

  endpoint(): string {
    const { address } = this.joined;
    const srv = started(this.srv, 'the agent server');
    return `${this.creds.cert ? 'https' : 'http'}://${address.includes(':') ? `[${address}]` : address}:${srv.port}`;
  }

  client(): LbClient {
    return (this.api ??= nodeClient(this.creds, this.joined.server));
  }

  onModuleInit(): Promise<void> {
    return this.lifecycle.start('agent server', async () => {
      // Asked per request: the agent module starts after this server (it needs its endpoint).
      const agent = () => this.modules.get(AgentPart, { strict: false }).agent;
      this.srv = await startAgentServer(agent, this.kernel, serverAuth(this.creds), this.joined.host, this.joined.port);
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.lifecycle.start('certificate renewal', () => {
      this.renewLater();
      this.watchCa();
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.renewal);
    clearTimeout(this.caCheck);
  }

  async onApplicationShutdown(): Promise<void> {
    const srv = this.srv;
    if (!srv) return;
    this.srv = undefined;
    await this.lifecycle.stop('agent server', async () => {
      await new Promise((r) => srv.server.close(r));
      srv.server.closeAllConnections();
    });
  }

  /** Renews the certificate when a third of its life is left (checked at least daily), then uses it. */
  private renewLater(): void {
    const { creds, cfg, log } = this;
    if (!creds.cert || this.stopped) return;
    const wait = Math.min(Math.max(renewalTime(creds.cert) - Date.now(), 1000), DAY);
    this.renewal = setTimeout(() => {
      if (Date.now() < renewalTime(this.creds.cert!)) return this.renewLater();
      this.renew().then(
        () => {
          log.info(`node ${cfg.node.name}: certificate renewed`);
          this.renewLater();
        },
        (e: Error) => {
          log.warn(`node ${cfg.node.name}: certificate renewal failed (${e.message}); trying again in a minute`);
          if (!this.stopped) this.renewal = setTimeout(() => this.renewLater(), 60_000);
        },
      );
    }, wait);
    this.renewal.unref();
  }

  /** A new certificate (and the bundle to trust) used at once by the client and the agent's own server; one at a time. */
  private renew(bundle?: string): Promise<void> {
    return (this.renewing ??= renewCertificate(this.creds, this.cfg.data_dir, bundle)
      .then((next) => {
        this.creds = next;
        // Open connections (the node stream) stay as they are; new ones present the new certificate.
        this.client().setTls(clientTls(next)!);
        this.srv?.setCertificate(next.cert!, next.key!, next.ca);
      })
      .finally(() => (this.renewing = undefined)));
  }

  /**
   * `lb ca rotate`: every CA_CHECK_MS the agent reads /cacerts (over its verified connection); when the
   * bundle differs from the one it holds, it renews its certificate (now from the new CA) and trusts the
   * answer's bundle: both CAs during the rotation, the new one alone after it.
   */
  private watchCa(): void {
    if (!this.creds.cert || this.stopped) return;
    this.caCheck = setTimeout(() => {
      this.client()
        .caBundle()
        .then(async (bundle) => {
          this.caCheckFailing = false;
          if (bundle === this.creds.ca || this.stopped) return;
          await this.renew(bundle);
          this.log.info(`node ${this.cfg.node.name}: the cluster CA changed: certificate renewed, new CA bundle trusted`);
        })
        .catch((e: Error) => {
          // Once per outage: the heartbeat already says when the server cannot be reached.
          if (!this.stopped && !this.caCheckFailing) this.log.warn(`node ${this.cfg.node.name}: CA check failed (${e.message}); trying again every ${CA_CHECK_MS / 1000} s`);
          this.caCheckFailing = true;
        })
        .finally(() => this.watchCa());
    }, CA_CHECK_MS);
    this.caCheck.unref();
  }
}

function serverAuth(c: Credentials): AgentServerAuth {
  if (c.ca && c.cert && c.key) return { tls: { ca: c.ca, cert: c.cert, key: c.key } };
  if (c.agent_key) return { key: c.agent_key };
  throw new LbError('FAILED_PRECONDITION', `the credentials of node ${c.node} hold neither a certificate nor an agent key`, {
    fix: `run \`lb delete node ${c.node}\` and join again with a new join token`,
  });
}

@Module({})
class NodeLinkModule {
  static forRoot(joined: NodeJoined): DynamicModule {
    return { module: NodeLinkModule, providers: [{ provide: NODE_JOINED, useValue: joined }, NodeLinkPart], exports: [NodeLinkPart] };
  }
}

@Module({})
export class NodeAgentModule {
  static forRoot(cfg: KernelConfig, log: Logger, joined: NodeJoined): DynamicModule {
    const link = NodeLinkModule.forRoot(joined);
    return {
      module: NodeAgentModule,
      imports: [
        CoreModule.forRoot(cfg, log),
        KernelModule.forRoot({ drivers: true }),
        // A plain object, not the part itself: Nest would call the part's lifecycle hooks once more for it.
        AgentModule.forRoot({ link: { useFactory: (l: NodeLinkPart): NodeLink => ({ client: () => l.client(), endpoint: () => l.endpoint() }), inject: [NodeLinkPart] }, imports: [link] }),
        link,
      ],
      exports: [link],
    };
  }
}
