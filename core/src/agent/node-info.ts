import { statfsSync } from 'node:fs';
import { arch, cpus, hostname, networkInterfaces, platform, release, totalmem } from 'node:os';
import { NODE_CAPACITY_MAX, type NodeStatusReport } from '@lastbackend/sdk';

/** This host's addresses, non-internal IPv4 first. */
export function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') out.push(a.address);
  }
  return out;
}

/** Bytes of the file system that holds `dir` (where volumes and driver state live). */
function storageOf(dir: string): number {
  try {
    const s = statfsSync(dir);
    return s.blocks * s.bsize;
  } catch {
    return 0;
  }
}

export function nodeReport(opts: { labels: Record<string, string>; maxPods: number; version: string; drivers: NodeStatusReport['drivers']; plugins?: NodeStatusReport['plugins']; endpoint?: string; dataDir: string; address?: string; fenceAfter?: number }): NodeStatusReport {
  return {
    labels: opts.labels,
    // The API bounds what a node may claim; a host beyond the bounds reports them.
    capacity: {
      cpu: Math.min(cpus().length * 1000, NODE_CAPACITY_MAX.cpu),
      ram: Math.min(totalmem(), NODE_CAPACITY_MAX.ram),
      pods: Math.min(opts.maxPods, NODE_CAPACITY_MAX.pods),
      storage: Math.min(storageOf(opts.dataDir), NODE_CAPACITY_MAX.storage),
    },
    addresses: opts.address ? [opts.address, ...hostAddresses().filter((a) => a !== opts.address)] : hostAddresses(),
    os: `${platform()} ${release()}`,
    arch: arch(),
    hostname: hostname(),
    version: opts.version,
    drivers: opts.drivers,
    ...(opts.plugins ? { plugins: opts.plugins } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.fenceAfter ? { fence_after: opts.fenceAfter } : {}),
  };
}
