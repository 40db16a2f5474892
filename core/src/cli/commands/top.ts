// `lb top pods|nodes`: CPU and memory as the nodes' agents sample them from the runtime (CPU a rate over
// their last two samples), for pods (per container with --containers) and nodes (beside what each node
// offers and what its pods request).
import type { Command } from 'commander';
import type { NodeUsage, PodUsage } from '@lastbackend/sdk';
import { CliContext, DEFAULT_NAMESPACE, usage } from '../context';
import { resolveKind } from '../kinds';
import { formatBytes, outputFormat, renderJson, renderTable, renderYaml } from '../output';

interface TopOptions {
  namespace: string;
  service?: string;
  containers?: boolean;
  output?: string;
}

const TOP_FORMATS = ['table', 'json', 'yaml'] as const;

/** Millicores as `lb top` shows them: "250m" below a core, cores above ("1.25"). */
export function formatMillicores(m: number | undefined): string {
  if (m === undefined || !Number.isFinite(m)) return '-';
  if (m < 1000) return `${Math.round(m)}m`;
  return String(Math.round(m / 10) / 100);
}

/** used of total as a whole percent; "-" when either is unknown or total is 0. */
export function percentOf(used: number | undefined, total: number | undefined): string {
  if (used === undefined || !total) return '-';
  return `${Math.round((used / total) * 100)}%`;
}

export function podsTable(pods: readonly PodUsage[], containers = false): string {
  if (containers) {
    const rows = pods.flatMap((p) =>
      p.containers.length
        ? p.containers.map((c) => [p.name, c.name, formatMillicores(c.cpu), formatBytes(c.memory), percentOf(c.memory, c.memory_limit), ''])
        : [[p.name, '-', '-', '-', '-', p.message ?? '']],
    );
    return table(['POD', 'CONTAINER', 'CPU', 'MEMORY', 'MEMORY%LIMIT', 'MESSAGE'], rows);
  }
  const rows = pods.map((p) => [p.name, p.service ?? '-', p.node ?? '-', formatMillicores(p.cpu), formatBytes(p.memory), p.message ?? '']);
  return table(['NAME', 'SERVICE', 'NODE', 'CPU', 'MEMORY', 'MESSAGE'], rows);
}

export function nodesTable(nodes: readonly NodeUsage[]): string {
  const rows = nodes.map((n) => [
    n.name,
    n.state,
    formatMillicores(n.cpu.used),
    percentOf(n.cpu.used, n.cpu.capacity),
    formatBytes(n.memory.used),
    percentOf(n.memory.used, n.memory.capacity),
    `${formatMillicores(n.cpu.allocated)}/${formatMillicores(n.cpu.capacity)}`,
    `${formatBytes(n.memory.allocated)}/${formatBytes(n.memory.capacity)}`,
    `${n.pods.allocated}/${n.pods.capacity}`,
    n.message ?? '',
  ]);
  return table(['NAME', 'STATE', 'CPU', 'CPU%', 'MEMORY', 'MEMORY%', 'CPU REQUESTED', 'MEMORY REQUESTED', 'PODS', 'MESSAGE'], rows);
}

/** The table, its last column (MESSAGE) only when a row has one. */
function table(head: string[], rows: string[][]): string {
  if (rows.some((r) => r[r.length - 1])) return renderTable(head, rows);
  return renderTable(head.slice(0, -1), rows.map((r) => r.slice(0, -1)));
}

export async function runTop(ctx: CliContext, kindWord: string, opts: TopOptions): Promise<void> {
  const kind = resolveKind(kindWord, ['pod', 'node'] as const, 'top');
  const format = outputFormat(opts.output, TOP_FORMATS);
  if (kind === 'node' && (opts.service || opts.containers)) throw usage('--service and --containers apply to top pods only');
  const client = ctx.client();
  const items = kind === 'pod' ? await client.namespaceStats(opts.namespace, opts.service) : await client.nodeStats();
  if (format !== 'table') {
    ctx.io.stdout.write(format === 'json' ? renderJson(items) : renderYaml(items));
    return;
  }
  if (!items.length) {
    ctx.err(kind === 'pod' ? `No pods found in namespace ${opts.namespace}${opts.service ? ` for service ${opts.service}` : ''}.` : 'No nodes found.');
    return;
  }
  ctx.io.stdout.write(kind === 'pod' ? podsTable(items as PodUsage[], opts.containers) : nodesTable(items as NodeUsage[]));
}

export function registerTop(program: Command, ctx: CliContext): void {
  program
    .command('top')
    .description("CPU and memory of pods or nodes, as the nodes' agents sample them from the container runtime")
    .argument('<kind>', 'pods (po) or nodes (no)')
    .option('-n, --namespace <ns>', 'namespace (pods)', DEFAULT_NAMESPACE)
    .option('--service <service>', "this service's pods only")
    .option('--containers', 'one row per container')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action((kind: string, opts: TopOptions) => runTop(ctx, kind, opts));
}
