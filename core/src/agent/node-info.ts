import { arch, cpus, hostname, networkInterfaces, platform, release, totalmem } from 'node:os';
import type { NodeStatusReport } from '@lastbackend/sdk';

/** This host's addresses, non-internal IPv4 first. */
export function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') out.push(a.address);
  }
  return out;
}

export function nodeReport(opts: { labels: Record<string, string>; maxPods: number; version: string; drivers: NodeStatusReport['drivers']; endpoint?: string }): NodeStatusReport {
  return {
    labels: opts.labels,
    capacity: { cpu: cpus().length * 1000, ram: totalmem(), pods: opts.maxPods, storage: 0 },
    addresses: hostAddresses(),
    os: `${platform()} ${release()}`,
    arch: arch(),
    hostname: hostname(),
    version: opts.version,
    drivers: opts.drivers,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
  };
}
