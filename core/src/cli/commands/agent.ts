// `lb agent`: join this machine to a cluster as a node, in the foreground.
import type { Command } from 'commander';
import { LbError } from '@lastbackend/sdk/errors';
import { CliContext } from '../context';
import { runForeground } from './foreground';

export interface AgentOptions {
  server?: string;
  token?: string;
  name?: string;
  dataDir?: string;
  config?: string;
  listen?: string;
  advertise?: string;
  logLevel?: string;
  logFormat?: string;
}

export function runAgentCommand(ctx: CliContext, opts: AgentOptions): Promise<void> {
  return runForeground(ctx, 'lb agent', async () => {
    const { loadConfig } = require('../../config/config') as typeof import('../../config/config');
    const { runAgent } = require('../../agent-main') as typeof import('../../agent-main');
    const server = opts.server ?? ctx.io.env.LB_SERVER;
    if (!server) throw new LbError('INVALID_ARGUMENT', 'server: the API server URL is needed', { fix: 'pass --server URL' });
    const cfg = loadConfig({
      file: opts.config,
      env: ctx.io.env,
      flags: { dataDir: opts.dataDir, name: opts.name, logLevel: opts.logLevel, logFormat: opts.logFormat },
    });
    return runAgent(cfg, { server, joinToken: opts.token, ...(opts.listen ? { listen: opts.listen } : {}), advertise: opts.advertise });
  });
}

export function registerAgent(program: Command, ctx: CliContext): void {
  program
    .command('agent')
    .description('join this machine to a cluster as a node and run its pods, in the foreground')
    .option('--server <url>', 'API server URL (default: $LB_SERVER); several (comma-separated or repeated) are tried in turn', (v: string, prev?: string) => (prev ? `${prev},${v}` : v))
    .option('--token <join-token>', 'join token from `lb token create --role node` (needed on the first start)')
    .option('--name <node>', 'node name (default: the host name)')
    .option('--data-dir <dir>', 'node credential and driver state (default: $LB_DATA_DIR or ~/.lastbackend)')
    .option('--config <file>', 'YAML config file: drivers, node labels')
    .option('--listen <host:port>', 'where the agent serves exec to the API server (default: the advertised address, port 2968)')
    .option('--advertise <host>', 'address the API server reaches this agent at, registered at join (default: node.address, else the listen host, else the first address)')
    .option('--log-level <level>', 'debug, info, warn, error or silent')
    .option('--log-format <format>', 'text (default) or json: one JSON object per line, with an access log of API calls')
    .action((opts: AgentOptions) => runAgentCommand(ctx, opts));
}
