// A pull's progress as the runtime reports it, per layer and step, folded into what a user reads: bytes
// pulled of the bytes to pull, summed over the image's layers, and the message a pod container shows.
import { pullSizes, type PullProgress } from '@lastbackend/sdk';

export interface PullTotals {
  current: number;
  total: number;
}

/** Steps after which a layer's bytes are all there (Docker's and containerd's words). */
const DONE = /complete|extracting|verifying/i;

export class PullTally {
  private readonly layers = new Map<string, PullTotals>();

  /** Takes one report; reports without a layer (the image's own steps) count nothing. */
  fold(p: PullProgress): void {
    if (!p.layer) return;
    const l = this.layers.get(p.layer) ?? { current: 0, total: 0 };
    if (p.total > 0) l.total = Math.max(l.total, p.total);
    if (DONE.test(p.status)) l.current = l.total;
    else if (p.total > 0) l.current = Math.min(Math.max(l.current, p.current), l.total);
    this.layers.set(p.layer, l);
  }

  /** Bytes over the layers whose size is known (a layer already present counts nothing). */
  totals(): PullTotals {
    let current = 0;
    let total = 0;
    for (const l of this.layers.values()) {
      current += l.current;
      total += l.total;
    }
    return { current, total };
  }
}

/** "pulling IMAGE: 12.1 MB of 40.2 MB (30%)", or "pulling IMAGE" while no size is known. */
export function pullMessage(ref: string, t?: PullTotals): string {
  const sizes = pullSizes(t);
  return sizes ? `pulling ${ref}: ${sizes}` : `pulling ${ref}`;
}
