// `lb run NAME IMAGE`: a one-container service from flags.
import type { Command } from 'commander';
import { collect, normalizePort, parseEnvPair, parseWholeNumber, splitCommand } from '../args';
import { CliContext, DEFAULT_NAMESPACE } from '../context';
import { mergeEnv, readEnvFile } from '../env-file';
import { deployTrace } from '../../util/deploy-trace';
import { rolloutWait } from '../lazy';
import { addWaitOptions, waitTimes, type WaitOptions } from '../rollout/wait-options';

export interface RunOptions extends WaitOptions {
  namespace: string;
  replicas?: string;
  port?: string[];
  env?: string[];
  /** Files of KEY=VALUE lines, read in order; --env wins over them. */
  envFile?: string[];
  command?: string;
}

/**
 * The manifest `lb run` sends. The flags are checked here; the manifest itself is checked by the API
 * with the same ServiceManifest schema `lb apply` uses locally — loading the schemas here would add
 * ~150 ms to every `lb run` for errors the server reports identically.
 */
export function buildRunManifest(name: string, image: string, opts: Omit<RunOptions, 'namespace'>) {
  const env = mergeEnv(...(opts.envFile ?? []).map(readEnvFile), (opts.env ?? []).map(parseEnvPair));
  const command = opts.command === undefined ? undefined : splitCommand(opts.command);
  const raw = {
    kind: 'Service',
    version: 'v1',
    meta: { name },
    spec: {
      replicas: opts.replicas === undefined ? 1 : parseWholeNumber(opts.replicas, 'replicas'),
      ...(opts.port?.length ? { network: { ports: opts.port.map(normalizePort) } } : {}),
      template: {
        containers: [{ name, image: { name: image }, env, ...(command?.length ? { command } : {}) }],
      },
    },
  };
  return raw;
}

export async function runRun(ctx: CliContext, name: string, image: string, opts: RunOptions): Promise<void> {
  waitTimes(opts);
  const manifest = buildRunManifest(name, image, opts);
  const client = ctx.client();
  deployTrace('cli.request', `${opts.namespace}/${name}`);
  const svc = await client.createService(opts.namespace, manifest);
  deployTrace('cli.created', `${opts.namespace}/${name}`);
  ctx.out(`service/${svc.meta.name} created`);
  if (!opts.detach) await rolloutWait().waitForRollout(ctx, opts.namespace, [svc.meta.name], opts);
}

export function registerRun(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('run')
    .description('run an image as a service with one container')
    .argument('<name>', 'service (and container) name')
    .argument('<image>', 'image reference, e.g. nginx:1.27')
    .option('--replicas <n>', 'number of pods', '1')
    .option('-p, --port <port>', 'published port: PORT, PORT:CONTAINER_PORT, optional /tcp or /udp (repeatable)', collect, [])
    .option('-e, --env <KEY=VALUE>', 'environment variable (repeatable)', collect, [])
    .option('--env-file <file>', 'environment variables from a file of KEY=VALUE lines (# comments; repeatable; --env wins)', collect, [])
    .option('--command <command>', 'command line to run instead of the image default')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE);
  addWaitOptions(cmd).action((name: string, image: string, opts: RunOptions) => runRun(ctx, name, image, opts));
}
