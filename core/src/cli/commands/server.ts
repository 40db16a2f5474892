// `lb server`: the API server, controller, scheduler and a local agent, in the foreground.
import type { Command } from 'commander';
import { CliContext } from '../context';
import { runForeground } from './foreground';

export interface ServerOptions {
  dataDir?: string;
  listen?: string;
  token?: string;
  config?: string;
  name?: string;
  logLevel?: string;
  agent?: boolean;
  insecureHttp?: boolean;
  tlsSan?: string[];
}

export function runServerCommand(ctx: CliContext, opts: ServerOptions): Promise<void> {
  return runForeground(ctx, 'lb server', async () => {
    // Loaded here, not at the top: the other commands should not pay for the server's start-up.
    const { loadConfig } = require('../../config/config') as typeof import('../../config/config');
    const { runServer } = require('../../server') as typeof import('../../server');
    const cfg = loadConfig({
      file: opts.config,
      env: ctx.io.env,
      flags: {
        dataDir: opts.dataDir,
        listen: opts.listen,
        token: opts.token,
        name: opts.name,
        logLevel: opts.logLevel,
        agent: opts.agent,
        insecureHttp: opts.insecureHttp,
        tlsSan: opts.tlsSan,
      },
    });
    return runServer(cfg);
  });
}

export function registerServer(program: Command, ctx: CliContext): void {
  program
    .command('server')
    .description('run the API server, controller, scheduler and a local node agent in the foreground')
    .option('--data-dir <dir>', 'state, token and volumes (default: $LB_DATA_DIR or ~/.lastbackend)')
    .option('--listen <host:port>', 'API address (default: 127.0.0.1:2967)')
    .option('--token <token>', 'admin token, 16+ characters (default: generated and kept in the data dir)')
    .option('--config <file>', 'YAML config file (default: $LB_CONFIG or <data dir>/config.yaml)')
    .option('--name <node>', 'name of the local node (default: the host name)')
    .option('--log-level <level>', 'debug, info, warn, error or silent')
    .option('--no-agent', 'control plane only: no local node agent (nodes join with `lb agent`)')
    .option('--tls-san <name>', 'another host name or address for the server certificate (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--insecure-http', 'serve the API over plain HTTP (e.g. behind a TLS proxy): tokens and secrets cross the network in clear')
    .action((opts: ServerOptions) => runServerCommand(ctx, opts));
}
