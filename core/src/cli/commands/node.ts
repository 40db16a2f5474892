// `lb node label NAME k=v k2-`: a node's labels are the admin's. A node registers with the labels of its
// config; after that its own reports cannot change them (they decide which services it runs).
import type { Command } from 'commander';
import type { NodeLabelsUpdate, wire } from '@lastbackend/sdk';
import { decodeNode } from '@lastbackend/sdk/wire/decode';
import { CliContext, usage } from '../context';

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
  const node = program.command('node').description('nodes: labels (list them with lb get nodes)');
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
