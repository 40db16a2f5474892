// `lb exec [-i] [-t] POD|SERVICE [-c CONTAINER] -- CMD…`: run a command in a pod's container; exits with its
// exit code. A service stands for one of its ready pods. Without -i/-t the output is collected (bounded);
// with them the command runs on an upgraded connection: stdin forwarded, with -t a TTY (exec-attach.ts).
import type { Command } from 'commander';
import type { LbClient } from '@lastbackend/sdk/client';
import type { Pod } from '@lastbackend/sdk';
import { LbError } from '@lastbackend/sdk/errors';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';
import { lookupKind } from '../kinds';
import { attachSession } from '../exec-attach';
import { execMode, type ExecMode } from '../exec-mode';
import { execSessionOver } from '../../stream/exec-wire';

/**
 * The pod to run in among a service's: a ready one that is not going away, of the deployment that
 * serves (`current`) before an older or newer one, the oldest first (the one least likely to be
 * replaced mid-command), by name on a tie, so the same pod answers each time.
 */
export function pickReadyPod(pods: readonly Pod[], current?: string): Pod | undefined {
  const ready = pods.filter((p) => !p.spec.destroy && p.status?.state === 'ready');
  const rank = (p: Pod) => (current && p.meta.deployment === current ? 0 : 1);
  return [...ready].sort((a, b) => rank(a) - rank(b) || a.meta.created.localeCompare(b.meta.created) || a.meta.name.localeCompare(b.meta.name))[0];
}

const isNotFound = (e: unknown) => e instanceof LbError && e.code === 'NOT_FOUND';

/** A ready pod of service `name`, or an error that says why there is none. */
async function podOfService(client: LbClient, ns: string, name: string): Promise<string> {
  const svc = await client.service(ns, name);
  const pods = await client.pods(ns, name);
  const pod = pickReadyPod(pods, svc.status?.deployment);
  if (pod) return pod.meta.name;
  const states = pods.filter((p) => !p.spec.destroy).map((p) => `${p.meta.name} ${p.status?.state ?? 'pending'}`);
  throw new LbError('FAILED_PRECONDITION', `service "${name}" has no ready pod${states.length ? ` (${states.join(', ')})` : ' (it has no pods)'}`, {
    fix: `see \`lb get pods --service ${name} -n ${ns}\``,
  });
}

/** TARGET is pod/NAME, service/NAME (svc/NAME), or NAME: the pod of that name, else the service's ready pod. */
export async function execPod(client: LbClient, ns: string, target: string, verb = 'exec'): Promise<string> {
  const slash = target.indexOf('/');
  if (slash > 0) {
    const kind = lookupKind(target.slice(0, slash));
    const name = target.slice(slash + 1);
    if (kind === 'pod') return name;
    if (kind === 'service') return podOfService(client, ns, name);
    throw usage(`${verb}: "${target}" must be POD, SERVICE, pod/NAME or service/NAME`);
  }
  try {
    return (await client.pod(ns, target)).meta.name;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  try {
    return await podOfService(client, ns, target);
  } catch (e) {
    if (isNotFound(e)) throw new LbError('NOT_FOUND', `no pod or service "${target}" in namespace "${ns}"`);
    throw e;
  }
}

export interface ExecOptions {
  namespace: string;
  container?: string;
  stdin?: boolean;
  tty?: boolean;
}

/** -i/-t: the command on an upgraded connection, attached to this process's streams. */
async function execStreaming(ctx: CliContext, ns: string, pod: string, command: string[], opts: ExecOptions, mode: ExecMode): Promise<number> {
  const term = ctx.raw;
  if (!term) throw new Error('exec -i needs the process streams');
  const size = mode.tty ? { cols: term.stdout.columns ?? 80, rows: term.stdout.rows ?? 24 } : undefined;
  const socket = await ctx.client().execStream(ns, pod, command, { container: opts.container, stdin: mode.stdin, tty: mode.tty, ...(size ? { size } : {}) });
  const session = execSessionOver(socket, { tty: mode.tty, stdin: mode.stdin });
  return attachSession(session, term, { stdin: mode.stdin, tty: mode.tty, onInterrupt: (fn) => ctx.io.onInterrupt(fn) });
}

export function registerExec(program: Command, ctx: CliContext): void {
  program
    .command('exec')
    .description('run a command in a container of a pod, or of a ready pod of a service (-it: an interactive shell)')
    .usage('[options] POD|SERVICE -- COMMAND [ARGS...]')
    .argument('<target>', 'a pod, or a service (one of its ready pods); pod/NAME or service/NAME when both have the name')
    .argument('[command...]', 'command and arguments (after --)')
    .option('-c, --container <name>', 'container (default: the first)')
    .option('-i, --stdin', 'pass stdin to the command')
    .option('-t, --tty', 'with -i, a terminal for the command (the local terminal in raw mode, its size sent and kept)')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE)
    .action(async (target: string, command: string[], opts: ExecOptions) => {
      if (!command.length) throw usage('exec needs a command: lb exec POD|SERVICE -- COMMAND [ARGS...]');
      const mode = execMode(opts, ctx.raw?.stdin.isTTY === true);
      if (mode.warning) ctx.err(mode.warning);
      const client = ctx.client();
      const pod = await execPod(client, opts.namespace, target);
      if (mode.stream) {
        ctx.exitCode = await execStreaming(ctx, opts.namespace, pod, command, opts, mode);
        return;
      }
      const r = await client.exec(opts.namespace, pod, command, opts.container);
      if (r.stdout) ctx.io.stdout.write(r.stdout);
      if (r.stderr) ctx.io.stderr.write(r.stderr);
      // The shell convention: 0-255; anything else the driver reports counts as a failure.
      ctx.exitCode = Number.isInteger(r.exitCode) && r.exitCode >= 0 && r.exitCode <= 255 ? r.exitCode : 1;
    });
}
