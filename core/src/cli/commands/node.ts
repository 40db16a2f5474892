// `lb node label NAME k=v k2-`: a node's labels are the admin's. A node registers with the labels of its
// config; after that its own reports cannot change them (they decide which services it runs).
import type { Command } from 'commander';
import type { NodeLabelsUpdate, wire } from '@lastbackend/sdk';
import { decodeNode } from '@lastbackend/sdk/wire/decode';
import { CliContext, usage } from '../context';
import { parseDuration } from '../args';
import { runDrain } from './node-drain';

const DEFAULT_DRAIN_TIMEOUT = '5m';

/** "k=v" sets (an empty value is a value), "k-" removes. */
export function parseLabelChanges(args: readonly string[]): NodeLabelsUpdate {
  if (!args.length) throw usage('label: give at least one KEY=VALUE to set or KEY- to remove');
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq > 0) set[a.slice(0, eq)] = a.slice(eq + 1);
    else if (eq < 0 && a.length > 1 && a.endsWith('-')) remove.push(a.slice(0, -1));
    else throw usage(`label: "${a}" must be KEY=VALUE (set) or KEY- (remove)`);
  }
  return { set, remove };
}

export function registerNode(program: Command, ctx: CliContext): void {
  const node = program.command('node').description('nodes: labels, cordon, uncordon, drain (list them with lb get nodes)');
  node
    .command('cordon')
    .description('place no new pod on a node (its pods stay)')
    .argument('<name>', 'node name')
    .action(async (name: string) => {
      await ctx.client().cordonNode(name);
      ctx.out(`node/${name} cordoned`);
    });
  node
    .command('uncordon')
    .description('let pods be placed on a node again; a drain in progress stops and the pods still there stay')
    .argument('<name>', 'node name')
    .action(async (name: string) => {
      await ctx.client().uncordonNode(name);
      ctx.out(`node/${name} uncordoned`);
    });
  node
    .command('drain')
    .description(
      "cordon a node and move its services' pods elsewhere, each replacement ready before the old pod stops; exit 0 when drained, 1 when only pods that cannot move are left (named with the reason), 3 at the timeout",
    )
    .argument('<name>', 'node name')
    .option('--timeout <duration>', 'how long to wait (e.g. 90s, 5m); then exit 3', DEFAULT_DRAIN_TIMEOUT)
    .action(async (name: string, opts: { timeout: string }) => {
      const timeout = parseDuration(opts.timeout, '--timeout');
      const client = ctx.client();
      ctx.exitCode = await runDrain(
        {
          drain: () => client.drainNode(name),
          out: (t) => ctx.out(t),
          err: (t) => ctx.err(t),
          pause: () => new Promise((r) => setTimeout(r, 1000)),
          now: () => Date.now(),
        },
        timeout,
      );
    });
  node
    .command('label')
    .description('set (KEY=VALUE) or remove (KEY-) labels of a node; services select nodes by them')
    .argument('<name>', 'node name')
    .argument('<changes...>', 'KEY=VALUE to set, KEY- to remove')
    .action(async (name: string, changes: string[]) => {
      const body = parseLabelChanges(changes);
      const n = decodeNode(await ctx.client().request<wire.NodeView>('PUT', `/cluster/node/${encodeURIComponent(name)}/labels`, body));
      const labels = Object.entries(n.meta.labels).map(([k, v]) => `${k}=${v}`);
      ctx.out(`node/${name} labels: ${labels.length ? labels.join(',') : '(none)'}`);
    });
}
