// `lb agent`: joins this machine to a cluster as a node (core/src/agent/join.ts), serves the API server
// at the address it registered, runs its pods, and renews its certificate before it expires.
import { chmodSync, mkdirSync } from 'node:fs';
import { LbError } from '@lastbackend/sdk';
import { hostAddresses } from './agent/node-info';
import { startAgentServer, type AgentServer } from './agent/agent-server';
import { startNodeAgent } from './agent/start';
import type { Agent } from './agent/agent';
import { clientTls, credentials, nodeClient, renewalTime, renewCertificate, type Credentials } from './agent/join';
import { parseListen, type KernelConfig } from './config/config';
import { Kernel } from './kernel/kernel';
import { watchDriverConfig } from './kernel/config-watch';
import { createLogger, type Logger } from './kernel/logger';

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
const DAY = 86_400_000;

function advertised(cfg: KernelConfig, o: AgentRunOptions): string {
  const listenHost = o.listen ? parseListen(o.listen).host : undefined;
  const concrete = listenHost && listenHost !== '0.0.0.0' && listenHost !== '::' ? listenHost : undefined;
  return o.advertise ?? cfg.node.address ?? concrete ?? hostAddresses()[0] ?? '127.0.0.1';
}

export async function runAgent(cfg: KernelConfig, o: AgentRunOptions, log: Logger = createLogger(cfg.log_level)): Promise<RunningAgent> {
  mkdirSync(cfg.data_dir, { recursive: true, mode: 0o700 });
  chmodSync(cfg.data_dir, 0o700);
  let creds = await credentials({ server: o.server, node: cfg.node.name, dataDir: cfg.data_dir, address: advertised(cfg, o), joinToken: o.joinToken }, log);
  // The agent listens on the address it registered (not on every address), unless told otherwise.
  const address = creds.address ?? advertised(cfg, o);
  const { host, port } = o.listen ? parseListen(o.listen) : { host: address, port: AGENT_PORT };
  const kernel = new Kernel(cfg, log.child('kernel'));
  await kernel.start();
  let agent: Agent | undefined;
  let srv: AgentServer | undefined;
  let renewal: NodeJS.Timeout | undefined;
  try {
    srv = await startAgentServer(
      () => {
        if (!agent) throw new LbError('UNAVAILABLE', 'agent is starting');
        return agent;
      },
      kernel,
      serverAuth(creds),
      host,
      port,
    );
    const scheme = creds.cert ? 'https' : 'http';
    const endpoint = `${scheme}://${address.includes(':') ? `[${address}]` : address}:${srv.port}`;
    const client = nodeClient(creds, o.server);
    agent = await startNodeAgent(kernel, client, cfg, log.child('agent'), endpoint);
    log.info(`lb agent: node ${cfg.node.name} serving ${o.server}; agent endpoint ${endpoint}`);
    // Renews the certificate when a third of its life is left (checked at least daily), then uses it.
    const renewLater = () => {
      if (!creds.cert) return;
      const wait = Math.min(Math.max(renewalTime(creds.cert) - Date.now(), 1000), DAY);
      renewal = setTimeout(() => {
        if (Date.now() < renewalTime(creds.cert!)) return renewLater();
        renewCertificate(creds, cfg.data_dir).then(
          (next) => {
            creds = next;
            client.setTls(clientTls(next)!);
            srv!.setCertificate(next.cert!, next.key!);
            log.info(`node ${cfg.node.name}: certificate renewed`);
            renewLater();
          },
          (e: Error) => {
            log.warn(`node ${cfg.node.name}: certificate renewal failed (${e.message}); trying again in a minute`);
            renewal = setTimeout(renewLater, 60_000);
          },
        );
      }, wait);
      renewal.unref();
    };
    renewLater();
    const stopWatching = cfg.configFile ? watchDriverConfig(cfg, kernel, log.child('kernel')) : async () => undefined;
    const running = agent;
    const server = srv.server;
    return {
      node: cfg.node.name,
      endpoint,
      close: async () => {
        clearTimeout(renewal);
        await stopWatching();
        await running.stop();
        await new Promise((r) => server.close(r));
        server.closeAllConnections();
        await kernel.dispose();
      },
    };
  } catch (e) {
    clearTimeout(renewal);
    await agent?.stop();
    srv?.server.close();
    await kernel.dispose();
    throw e;
  }
}

function serverAuth(c: Credentials) {
  if (c.ca && c.cert && c.key) return { tls: { ca: c.ca, cert: c.cert, key: c.key } };
  if (c.agent_key) return { key: c.agent_key };
  throw new LbError('FAILED_PRECONDITION', `the credentials of node ${c.node} hold neither a certificate nor an agent key`, {
    fix: `run \`lb delete node ${c.node}\` and join again with a new join token`,
  });
}
