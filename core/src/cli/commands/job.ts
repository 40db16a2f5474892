// `lb job run NAME [--env K=V]… [--detach]`: start a task of a job and, by default, wait for it to end,
// printing its state changes (exit 0 when it succeeded, 1 otherwise). `lb job cancel TASK`.
import type { Command } from 'commander';
import type { Task } from '@lastbackend/sdk';
import { collect, parseEnvPair } from '../args';
import { CliContext, DEFAULT_NAMESPACE } from '../context';

const POLL_MS = 1000;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** One line per state change: "task/NAME running (attempt 1, node n1)". */
export function taskLine(t: Task): string {
  const s = t.status;
  const where = [s.attempt ? `attempt ${s.attempt}` : '', s.node ? `node ${s.node}` : ''].filter(Boolean).join(', ');
  const exits = s.containers.filter((c) => c.exit_code !== undefined).map((c) => `${c.name}=${c.exit_code}`);
  return `task/${t.meta.name} ${s.state}${where ? ` (${where})` : ''}${FINISHED.has(s.state) && exits.length ? ` exit ${exits.join(',')}` : ''}${s.message && s.message !== s.state ? `: ${s.message}` : ''}`;
}

/** Waits for a task to end, printing each change; sets the exit code: 0 succeeded, 1 failed or cancelled, 130 interrupted. */
export async function waitForTask(ctx: CliContext, ns: string, name: string): Promise<number> {
  const client = ctx.client();
  let stopped = false;
  const stop = ctx.io.onInterrupt(() => (stopped = true));
  let last = '';
  try {
    while (!stopped) {
      const t = await client.task(ns, name);
      const line = taskLine(t);
      if (line !== last) ctx.out((last = line));
      if (FINISHED.has(t.status.state)) return (ctx.exitCode = t.status.state === 'succeeded' ? 0 : 1);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return (ctx.exitCode = 130);
  } finally {
    stop();
  }
}

export function registerJob(program: Command, ctx: CliContext): void {
  const job = program.command('job').description('run and cancel tasks of jobs (apply a Job manifest with lb apply; list them with lb get jobs / lb get tasks)');
  job
    .command('run')
    .description('start a task of a job; waits for it to end (exit 0 when it succeeded, 1 when it failed or was cancelled) unless --detach')
    .argument('<name>', 'job name')
    .option('-e, --env <KEY=VALUE>', "override an environment variable of the task's containers (repeatable)", collect, [])
    .option('-d, --detach', 'print the task and return at once')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action(async (name: string, opts: { env: string[]; detach?: boolean; namespace: string }) => {
      const env = opts.env.map(parseEnvPair);
      const t = await ctx.client().runJob(opts.namespace, name, env);
      if (opts.detach) {
        ctx.out(`task/${t.meta.name} queued`);
        return;
      }
      await waitForTask(ctx, opts.namespace, t.meta.name);
    });
  job
    .command('cancel')
    .description("cancel a task: its pod is removed and it ends cancelled")
    .argument('<task>', 'task name')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action(async (name: string, opts: { namespace: string }) => {
      const t = await ctx.client().cancelTask(opts.namespace, name);
      ctx.out(FINISHED.has(t.status.state) ? `task/${name} already ${t.status.state}` : `task/${name} cancel requested`);
    });
}
