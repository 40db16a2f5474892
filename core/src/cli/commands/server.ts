// `lb server`: the API server, controller, scheduler and a local agent, in the foreground.
import type { Command } from 'commander';
import type { RunningServer } from '../../server';
import { CliContext } from '../context';

export interface ServerOptions {
  dataDir?: string;
  listen?: string;
  token?: string;
  config?: string;
  name?: string;
  logLevel?: string;
}

/** How long shutdown may take before the process exits anyway. */
const CLOSE_TIMEOUT_MS = 20_000;

export async function runServerCommand(ctx: CliContext, opts: ServerOptions): Promise<void> {
  let running: RunningServer;
  try {
    // Loaded here, not at the top: the other commands should not pay for the server's start-up.
    const { loadConfig } = require('../../config/config') as typeof import('../../config/config');
    const { runServer } = require('../../server') as typeof import('../../server');
    const cfg = loadConfig({
      file: opts.config,
      env: ctx.io.env,
      flags: { dataDir: opts.dataDir, listen: opts.listen, token: opts.token, name: opts.name, logLevel: opts.logLevel },
    });
    running = await runServer(cfg);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    for (const line of message.split('\n')) if (line.trim()) ctx.err(`lb server: ${line}`);
    ctx.exitCode = 1;
    return;
  }

  await new Promise<void>((resolve) => {
    let stopping = false;
    const unsubscribe = ctx.io.onInterrupt(() => {
      if (stopping) {
        ctx.err('lb server: interrupted again, exiting without a clean shutdown');
        process.exit(1);
      }
      stopping = true;
      const force = setTimeout(() => {
        ctx.err(`lb server: shutdown took longer than ${CLOSE_TIMEOUT_MS / 1000}s, exiting`);
        process.exit(1);
      }, CLOSE_TIMEOUT_MS);
      force.unref();
      running
        .close()
        .catch((e: unknown) => ctx.err(`lb server: shutdown: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => {
          unsubscribe();
          resolve();
          // Drivers may leave sockets or timers behind; the server is done, so is the process.
          process.exit(0);
        });
    });
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
    .action((opts: ServerOptions) => runServerCommand(ctx, opts));
}
