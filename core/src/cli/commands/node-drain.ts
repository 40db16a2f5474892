// `lb node drain NAME [--timeout]`: asks the server to drain (it cordons the node and marks its pods; the
// controller replaces each before stopping it), then repeats the ask until the node is empty, printing each
// pod's change. Exit 0 drained, 1 when only pods that cannot move are left, 3 at the timeout (as rollout status).
import type { DrainPod, DrainReport } from '@lastbackend/sdk';

export const DRAIN_EXIT = { drained: 0, blocked: 1, timeout: 3 } as const;

const line = (p: DrainPod) => `pod/${p.namespace}/${p.name} (${p.owner}): ${p.state}: ${p.reason}`;

/** The lines of `next` that say something `prev` did not (a pod's new state or reason, a pod gone). */
export function progressLines(prev: DrainReport | undefined, next: DrainReport): string[] {
  const before = new Map((prev?.pods ?? []).map((p) => [`${p.namespace}/${p.name}`, line(p)]));
  const out: string[] = [];
  for (const p of next.pods) if (before.get(`${p.namespace}/${p.name}`) !== line(p)) out.push(line(p));
  const now = new Set(next.pods.map((p) => `${p.namespace}/${p.name}`));
  for (const k of before.keys()) if (!now.has(k)) out.push(`pod/${k}: gone from node ${next.node}`);
  return out;
}

/** How the drain ends now, or undefined while it goes on: drained, or nothing left but pods that cannot move. */
export function drainOutcome(r: DrainReport): keyof typeof DRAIN_EXIT | undefined {
  if (r.done) return 'drained';
  if (r.pods.every((p) => p.state === 'blocked' && p.permanent)) return 'blocked';
  return undefined;
}

/** The closing words for a drain that did not finish: every pod still on the node and why. */
export function unfinished(r: DrainReport, why: string): string[] {
  return [`node/${r.node}: drain cannot finish (${why}); ${r.pods.length} pod(s) still on it:`, ...r.pods.map((p) => `  ${line(p)}`)];
}

export interface DrainIo {
  drain(): Promise<DrainReport>;
  out(text: string): void;
  err(text: string): void;
  /** Resolves after the poll interval. */
  pause(): Promise<void>;
  now(): number;
}

/** Runs the drain to its end; the exit code. */
export async function runDrain(io: DrainIo, timeoutSec: number): Promise<number> {
  const deadline = io.now() + timeoutSec * 1000;
  let prev: DrainReport | undefined;
  for (;;) {
    const r = await io.drain();
    if (!prev) io.out(`node/${r.node} cordoned; draining ${r.pods.length} pod(s)`);
    for (const l of progressLines(prev, r)) io.out(l);
    prev = r;
    const end = drainOutcome(r);
    if (end === 'drained') {
      io.out(`node/${r.node} drained`);
      return DRAIN_EXIT.drained;
    }
    if (end === 'blocked') {
      for (const l of unfinished(r, 'these pods cannot move')) io.err(l);
      return DRAIN_EXIT.blocked;
    }
    if (io.now() >= deadline) {
      for (const l of unfinished(r, `timed out after ${timeoutSec}s`)) io.err(l);
      return DRAIN_EXIT.timeout;
    }
    await io.pause();
  }
}
