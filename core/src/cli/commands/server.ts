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
  logFormat?: string;
  agent?: boolean;
  insecureHttp?: boolean;
  tlsSan?: string[];
  defaultQuota?: string;
  printConfig?: boolean;
}

/** The config this command runs with: defaults, the file, environment and flags, merged. */
function serverConfig(ctx: CliContext, opts: ServerOptions) {
  // Loaded here, not at the top: the other commands should not pay for the server's start-up.
  const { loadConfig } = require('../../config/config') as typeof import('../../config/config');
  return loadConfig({
    file: opts.config,
    env: ctx.io.env,
    flags: {
      dataDir: opts.dataDir,
      listen: opts.listen,
      token: opts.token,
      name: opts.name,
      logLevel: opts.logLevel,
      logFormat: opts.logFormat,
      agent: opts.agent,
      insecureHttp: opts.insecureHttp,
      tlsSan: opts.tlsSan,
      defaultQuota: opts.defaultQuota,
    },
  });
}

/** `--print-config`: the merged config as YAML (secrets masked), and nothing started. */
function printConfig(ctx: CliContext, opts: ServerOptions): void {
  const { printableConfig } = require('../../config/print') as typeof import('../../config/print');
  try {
    ctx.out(printableConfig(serverConfig(ctx, opts)));
  } catch (e) {
    for (const line of (e instanceof Error ? e.message : String(e)).split('\n')) if (line.trim()) ctx.err(`lb server: ${line}`);
    ctx.exitCode = 1;
  }
}

export function runServerCommand(ctx: CliContext, opts: ServerOptions): Promise<void> {
  if (opts.printConfig) return Promise.resolve(printConfig(ctx, opts));
  return runForeground(ctx, 'lb server', async () => {
    const cfg = serverConfig(ctx, opts);
    const { runServer } = require('../../server') as typeof import('../../server');
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
    .option('--log-format <format>', 'text (default) or json: one JSON object per line, with an access log of API calls')
    .option('--no-agent', 'control plane only: no local node agent (nodes join with `lb agent`)')
    .option('--tls-san <name>', 'another host name or address for the server certificate (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option(
      '--default-quota <list>',
      'quota of namespaces written without spec.resources, e.g. cpu=4,ram=8gib,storage=50gib,pods=20,services=10,volumes=5,default-cpu=100m,default-ram=128mib (over the config\'s quota.default)',
    )
    .option('--print-config', 'print the merged config (defaults, file, environment, flags; secrets masked) as YAML and exit')
    .option('--insecure-http', 'serve the API over plain HTTP (e.g. behind a TLS proxy): tokens and secrets cross the network in clear')
    .action((opts: ServerOptions) => runServerCommand(ctx, opts));
}
