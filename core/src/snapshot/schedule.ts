// Scheduled snapshots (snapshots.every) with retention (snapshots.keep), as k3s does for etcd: run by the
// leader only, so a cluster of servers on one etcd takes one snapshot per period. Files are named
// lb-snapshot-<UTC time>.lbsnap; only those are counted and pruned, never other files in the dir.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LeaderDuty } from '../ha/leader';
import type { Store } from '../store/store';
import { saveSnapshot } from './save';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SCHEDULED = /^lb-snapshot-\d{8}T\d{6}Z\.lbsnap$/;

/** "6h", "1d12h", "90s" in ms (the config schema already checked the form). */
export function everyMs(every: string): number {
  let ms = 0;
  for (const m of every.matchAll(/(\d+)([smhd])/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}

export function scheduledName(at: Date): string {
  return `lb-snapshot-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.lbsnap`;
}

/** Takes one scheduled snapshot and removes the oldest beyond keep; returns the file written. */
export async function takeScheduled(store: Store, o: { dir: string; keep: number; now?: Date }): Promise<string> {
  const file = join(o.dir, scheduledName(o.now ?? new Date()));
  await saveSnapshot(store, file);
  const ours = readdirSync(o.dir).filter((f) => SCHEDULED.test(f)).sort();
  for (const old of ours.slice(0, Math.max(0, ours.length - o.keep))) rmSync(join(o.dir, old), { force: true });
  return file;
}

export function snapshotDuty(store: Store, o: { every: string; dir: string; keep: number; log: { info(m: string): void; warn(m: string): void } }): LeaderDuty {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    running = takeScheduled(store, o).then(
      (f) => o.log.info(`scheduled snapshot ${f}`),
      (e) => o.log.warn(`scheduled snapshot failed: ${(e as Error).message}`),
    );
  };
  return {
    start: async () => {
      timer = setInterval(tick, everyMs(o.every));
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
