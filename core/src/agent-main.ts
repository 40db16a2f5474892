// `lb agent`: joins this machine to a cluster as a node (core/src/agent/join.ts), then runs the node's
// module graph (modules/node-agent.module.ts): the kernel, the agent's server (where the API server
// reaches it, its certificate renewed before it expires) and the node agent that runs its pods.
import './util/nest-common';
import { chmodSync, mkdirSync } from 'node:fs';
import { hostAddresses } from './agent/node-info';
import { credentials } from './agent/join';
import { parseListen, type KernelConfig } from './config/config';
import { createLogger, type Logger } from './kernel/logger';
import { startGraph } from './modules/graph';
import { NodeAgentModule, NodeLinkPart } from './modules/node-agent.module';

export interface AgentRunOptions {
  /** API server URL; several, comma-separated, are tried in turn (servers sharing one etcd). */
  server: string;
  /** Join token; needed the first time (or after the node's credential was revoked). */
  joinToken?: string;
  /** Where the agent serves the API server; default: the advertised address, port 2968. */
  listen?: string;
  /** Address the API server reaches this agent at, registered at join; default: node.address, the listen host or this host's first address. */
  advertise?: string;
}

export interface RunningAgent {
  node: string;
  endpoint: string;
  close(): Promise<void>;
}

const AGENT_PORT = 2968;

function advertised(cfg: KernelConfig, o: AgentRunOptions): string {
  const listenHost = o.listen ? parseListen(o.listen).host : undefined;
  const concrete = listenHost && listenHost !== '0.0.0.0' && listenHost !== '::' ? listenHost : undefined;
  return o.advertise ?? cfg.node.address ?? concrete ?? hostAddresses()[0] ?? '127.0.0.1';
}

export async function runAgent(cfg: KernelConfig, o: AgentRunOptions, log: Logger = createLogger(cfg.log_level, 'lb', undefined, cfg.log?.format)): Promise<RunningAgent> {
  mkdirSync(cfg.data_dir, { recursive: true, mode: 0o700 });
  chmodSync(cfg.data_dir, 0o700);
  const creds = await credentials({ server: o.server, node: cfg.node.name, dataDir: cfg.data_dir, address: advertised(cfg, o), joinToken: o.joinToken }, log);
  // The agent listens on the address it registered (not on every address), unless told otherwise.
  const address = creds.address ?? advertised(cfg, o);
  const { host, port } = o.listen ? parseListen(o.listen) : { host: address, port: AGENT_PORT };
  const app = await startGraph(NodeAgentModule.forRoot(cfg, log, { creds, server: o.server, address, host, port }));
  const endpoint = app.get(NodeLinkPart, { strict: false }).endpoint();
  log.info(`lb agent: node ${cfg.node.name} serving ${o.server}; agent endpoint ${endpoint}`);
  let closing: Promise<void> | undefined;
  return { node: cfg.node.name, endpoint, close: () => (closing ??= app.close()) };
}
