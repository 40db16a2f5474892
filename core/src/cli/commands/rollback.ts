// `lb rollback NAME [--to vN]`: bring an earlier deployment's template back as a new version.
import type { Command } from 'commander';
import type { Deployment, LbClient } from '@lastbackend/sdk';
import { parseRevision } from '../args';
import { CliContext, DEFAULT_NAMESPACE } from '../context';
import { rolloutWait } from '../lazy';
import { addWaitOptions, waitTimes, type WaitOptions } from '../rollout/wait-options';

/** The version the server will roll back to when none is named: the newest one before the active one. */
export function defaultRollbackTarget(deployments: readonly Deployment[], active: string | undefined): number | undefined {
  const sorted = [...deployments].sort((a, b) => a.spec.version - b.spec.version);
  const current = sorted.find((d) => d.meta.name === active);
  const before = sorted.reverse().find((d) => d !== current && d.spec.version < (current?.spec.version ?? Infinity));
  return before?.spec.version;
}

async function guessTarget(client: LbClient, ns: string, name: string): Promise<number | undefined> {
  try {
    const [svc, deps] = await Promise.all([client.service(ns, name), client.deployments(ns, name)]);
    return defaultRollbackTarget(deps, svc.status.deployment);
  } catch {
    return undefined; // the rollback call itself reports what is wrong
  }
}

export function registerRollback(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('rollback')
    .description('roll a service back to an earlier deployment (default: the one before the active one)')
    .argument('<name>', 'service name')
    .option('--to <version>', 'deployment version, e.g. v3 or 3')
    .option('-n, --namespace <ns>', 'namespace', DEFAULT_NAMESPACE);
  addWaitOptions(cmd).action(async (name: string, opts: WaitOptions & { namespace: string; to?: string }) => {
    const client = ctx.client();
    const to = opts.to === undefined ? undefined : parseRevision(opts.to);
    waitTimes(opts);
    const target = to ?? (await guessTarget(client, opts.namespace, name));
    await client.rollback(opts.namespace, name, to);
    ctx.out(target !== undefined ? `service/${name} rolled back to template of v${target}` : `service/${name} rollback started`);
    if (!opts.detach) await rolloutWait().waitForRollout(ctx, opts.namespace, [name], opts);
  });
}
