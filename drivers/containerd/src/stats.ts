// Container stats read from the container's cgroup and network namespace (runc's cgroupfs layout, v1 or v2),
// so no cgroup metrics protobufs are needed: what `ctr task metrics` decodes is the same files.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { LbError, type ContainerStats } from '@lastbackend/sdk';

const readText = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

/** "key value" lines (cpu.stat, memory.stat) as numbers. */
export function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** Bytes received and sent on every interface but loopback, from /proc/<pid>/net/dev; undefined without one. */
export function netDev(text: string | undefined): { rx: number; tx: number } | undefined {
  let found = false;
  let rx = 0;
  let tx = 0;
  for (const line of (text ?? '').split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    if (f.length < 9) continue;
    found = true;
    rx += f[0];
    tx += f[8];
  }
  return found ? { rx, tx } : undefined;
}

const num = (text: string | undefined): number | undefined => {
  const t = text?.trim();
  return t && /^\d+$/.test(t) ? Number(t) : undefined;
};

/** A cgroup file that must be there: without it the container's cgroup is not where runc puts it. */
async function mustNum(path: string): Promise<number> {
  const v = num(await readText(path));
  if (v === undefined) throw new LbError('INTERNAL', `cannot read ${path}: the container's cgroup is not where the driver looks (cgroupfs layout)`);
  return v;
}

/** A sample of the container in cgroup `cgroupsPath` whose init process is `pid`. */
export async function cgroupStats(cgroupsPath: string, pid: number, root = '/sys/fs/cgroup'): Promise<ContainerStats> {
  const host = totalmem();
  let cpuNs: number;
  let usage: number;
  let limit: number | undefined;
  let cache: number;
  if (existsSync(join(root, 'cgroup.controllers'))) {
    const dir = join(root, cgroupsPath);
    cpuNs = (keyValues(await readText(join(dir, 'cpu.stat'))).usage_usec ?? 0) * 1000;
    usage = await mustNum(join(dir, 'memory.current'));
    limit = num(await readText(join(dir, 'memory.max'))); // "max": none
    cache = keyValues(await readText(join(dir, 'memory.stat'))).inactive_file ?? 0;
  } else {
    const cpuacct = existsSync(join(root, 'cpuacct')) ? 'cpuacct' : 'cpu,cpuacct';
    cpuNs = num(await readText(join(root, cpuacct, cgroupsPath, 'cpuacct.usage'))) ?? 0;
    const mem = join(root, 'memory', cgroupsPath);
    usage = await mustNum(join(mem, 'memory.usage_in_bytes'));
    limit = num(await readText(join(mem, 'memory.limit_in_bytes')));
    const stat = keyValues(await readText(join(mem, 'memory.stat')));
    cache = stat.total_inactive_file ?? stat.inactive_file ?? 0;
  }
  const stats: ContainerStats = {
    time: Date.now(),
    cpu_ns: cpuNs,
    memory_bytes: Math.max(0, usage - cache),
    // cgroup v1 says "no limit" with a huge number: the host's memory is the real bound.
    memory_limit: limit === undefined || limit > host ? host : limit,
  };
  const net = netDev(await readText(`/proc/${pid}/net/dev`));
  if (net) {
    stats.net_rx_bytes = net.rx;
    stats.net_tx_bytes = net.tx;
  }
  return stats;
}
