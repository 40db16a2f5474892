// `lb logs NAME`: a service's logs (or one pod's, when NAME is a pod). -f follows until Ctrl-C.
import type { Command } from 'commander';
import type { LbClient, LogEntry } from '@lastbackend/sdk/client';
import { LbError } from '@lastbackend/sdk/errors';
import { parseSince, parseWholeNumber } from '../args';
import { CliContext, DEFAULT_NAMESPACE } from '../context';

export interface LogsOptions {
  namespace: string;
  follow?: boolean;
  tail?: string;
  since?: string;
  pod?: string;
}

export const formatLogEntry = (e: LogEntry) => `[${e.pod}/${e.container}] ${e.line}`;

/** NAME is a service; when there is none by that name but a pod is, its service with a pod filter. */
export async function logTarget(client: LbClient, ns: string, name: string, pod?: string): Promise<{ service: string; pod?: string }> {
  try {
    await client.service(ns, name);
    return { service: name, pod };
  } catch (e) {
    if (!(e instanceof LbError) || e.code !== 'NOT_FOUND' || pod) throw e;
    try {
      const p = await client.pod(ns, name);
      return { service: p.meta.service, pod: p.meta.name };
    } catch (e2) {
      if (e2 instanceof LbError && e2.code === 'NOT_FOUND') throw new LbError('NOT_FOUND', `no service or pod "${name}" in namespace "${ns}"`);
      throw e2;
    }
  }
}

export async function runLogs(ctx: CliContext, name: string, opts: LogsOptions): Promise<void> {
  const tail = opts.tail === undefined ? undefined : parseWholeNumber(opts.tail, 'tail');
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  const client = ctx.client();
  // task/NAME: a task's lines (every attempt's), kept after its containers are gone.
  const task = /^tasks?\/(.+)$/.exec(name)?.[1];
  const target = task ? undefined : await logTarget(client, opts.namespace, name, opts.pod);
  const ctl = new AbortController();
  const stop = opts.follow ? ctx.io.onInterrupt(() => ctl.abort()) : () => undefined;
  try {
    const lines = target
      ? client.logs(opts.namespace, target.service, { follow: !!opts.follow, tail, since, pod: target.pod, signal: ctl.signal })
      : client.taskLogs(opts.namespace, task!, { follow: !!opts.follow, tail, signal: ctl.signal });
    for await (const entry of lines) {
      ctx.out(formatLogEntry(entry));
    }
  } catch (e) {
    if (!ctl.signal.aborted) throw e;
  } finally {
    stop();
  }
}

export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("show the logs of a service (all its pods, merged in time order), of one pod, or of a task (task/NAME: every attempt's, kept after its containers are gone)")
    .argument('<name>', 'service name, a pod name, or task/NAME')
    .option('-f, --follow', 'keep streaming new lines until interrupted')
    .option('--tail <n>', 'only the last N lines')
    .option('--since <time>', 'only lines since a duration ago (30s, 10m, 1h) or an ISO time')
    .option('--pod <pod>', 'only this pod of the service')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action((name: string, opts: LogsOptions) => runLogs(ctx, name, opts));
}
