// `lb agent`: joins this machine to a cluster as a node. The first start trades the join token for
// the node's own credential (kept in the data dir, 0600); later starts use that credential.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { LbClient, LbError, isLbError } from '@lastbackend/sdk';
import { hostAddresses } from './agent/node-info';
import { startAgentServer } from './agent/agent-server';
import { startNodeAgent } from './agent/start';
import type { Agent } from './agent/agent';
import { parseListen, type KernelConfig } from './config/config';
import { Kernel } from './kernel/kernel';
import { watchDriverConfig } from './kernel/config-watch';
import { createLogger, type Logger } from './kernel/logger';

export interface AgentRunOptions {
  /** API server URL; several, comma-separated, are tried in turn (servers sharing one etcd). */
  server: string;
  /** Join token; needed the first time (or after the node's credential was revoked). */
  joinToken?: string;
  /** Where the agent serves exec to the API server. */
  listen: string;
  /** Host the API server reaches this agent at; default: the listen host, or this host's first address. */
  advertise?: string;
}

interface Credentials {
  server: string;
  node: string;
  token: string;
  agent_key: string;
}

export interface RunningAgent {
  node: string;
  endpoint: string;
  close(): Promise<void>;
}

/** A credential from any of the servers is good on all of them: they share one store. */
function sameCluster(stored: string, given: string): boolean {
  const split = (s: string) => s.split(',').map((x) => x.trim().replace(/\/+$/, ''));
  const known = new Set(split(stored));
  return split(given).some((s) => known.has(s));
}

/**
 * The stored credential; undefined when it is unreadable (a torn write) and a join token can replace it.
 * Its secret cannot be recovered locally: without a join token the agent stops and says what to do.
 */
function readCredentials(file: string, o: AgentRunOptions, log: Logger): Credentials | undefined {
  let c: Partial<Credentials> | undefined;
  try {
    c = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
  } catch {
    // handled below
  }
  const whole = c && typeof c === 'object' && ['server', 'node', 'token', 'agent_key'].every((k) => typeof c[k as keyof Credentials] === 'string');
  if (whole) return c as Credentials;
  if (o.joinToken) {
    log.warn(`${file} is unreadable; joining again with the join token`);
    return undefined;
  }
  throw new LbError('FAILED_PRECONDITION', `${file} is unreadable, so this node cannot sign in`, {
    fix: `remove ${file} and start the agent with --token <join token> (from \`lb token create --role node\`) to join again`,
  });
}

async function credentials(cfg: KernelConfig, o: AgentRunOptions, log: Logger): Promise<Credentials> {
  const file = join(cfg.data_dir, 'credentials.json');
  const c = existsSync(file) ? readCredentials(file, o, log) : undefined;
  if (c) {
    if (sameCluster(c.server, o.server) && c.node === cfg.node.name) {
      // Still valid? A revoked or rotated credential falls back to joining again.
      try {
        await new LbClient({ server: o.server, token: c.token, timeout: 10_000 }).request('GET', `/cluster/node/${encodeURIComponent(c.node)}`);
        return c;
      } catch (e) {
        if (!isLbError(e) || (e.code !== 'UNAUTHORIZED' && e.code !== 'FORBIDDEN' && e.code !== 'NOT_FOUND')) throw e;
        if (e.code === 'NOT_FOUND') return c;
        log.warn(`the stored credential of node ${c.node} was refused (${e.message}); joining again`);
      }
    }
  }
  if (!o.joinToken)
    throw new LbError('UNAUTHORIZED', `node ${cfg.node.name} has not joined ${o.server} yet`, { fix: 'pass --token with a join token from `lb token create --role node`' });
  let joined: { node: string; token: string; agent_key: string };
  try {
    joined = await new LbClient({ server: o.server, token: o.joinToken, timeout: 15_000 }).join(cfg.node.name);
  } catch (e) {
    if (isLbError(e) && (e.code === 'UNAUTHORIZED' || e.code === 'FORBIDDEN'))
      throw new LbError('UNAUTHORIZED', `join refused by ${o.server}: ${e.message}`, { fix: 'use a valid join token from `lb token create --role node`' });
    throw e;
  }
  const fresh: Credentials = { server: o.server, node: joined.node, token: joined.token, agent_key: joined.agent_key };
  // Written whole or not at all: a torn credential file would lock the node out.
  writeFileSync(`${file}.tmp`, JSON.stringify(fresh, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  log.info(`node ${fresh.node} joined ${o.server}`);
  return fresh;
}

export async function runAgent(cfg: KernelConfig, o: AgentRunOptions, log: Logger = createLogger(cfg.log_level)): Promise<RunningAgent> {
  mkdirSync(cfg.data_dir, { recursive: true, mode: 0o700 });
  chmodSync(cfg.data_dir, 0o700);
  const creds = await credentials(cfg, o, log);
  const kernel = new Kernel(cfg, log.child('kernel'));
  await kernel.start();
  let agent: Agent | undefined;
  try {
    const { host, port } = parseListen(o.listen);
    const srv = await startAgentServer(
      () => {
        if (!agent) throw new LbError('UNAVAILABLE', 'agent is starting');
        return agent;
      },
      kernel,
      creds.agent_key,
      host,
      port,
    );
    const adv = o.advertise ?? (host === '0.0.0.0' || host === '::' ? (hostAddresses()[0] ?? '127.0.0.1') : host);
    const endpoint = `http://${adv.includes(':') ? `[${adv}]` : adv}:${srv.port}`;
    agent = await startNodeAgent(kernel, new LbClient({ server: o.server, token: creds.token }), cfg, log.child('agent'), endpoint);
    log.info(`lb agent: node ${cfg.node.name} serving ${o.server}; exec at ${endpoint}`);
    const stopWatching = cfg.configFile ? watchDriverConfig(cfg, kernel, log.child('kernel')) : async () => undefined;
    const running = agent;
    return {
      node: cfg.node.name,
      endpoint,
      close: async () => {
        await stopWatching();
        await running.stop();
        await new Promise((r) => srv.server.close(r));
        srv.server.closeAllConnections();
        await kernel.dispose();
      },
    };
  } catch (e) {
    await agent?.stop();
    await kernel.dispose();
    throw e;
  }
}
