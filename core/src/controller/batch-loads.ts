// What the pod writes of one controller transaction add to the committed pods' node sums (pod-index.ts),
// kept as the passes write, so that placing a service's pods in a transaction of many services costs
// O(nodes + its own pods) instead of a walk over every pod the transaction wrote so far.
import type { BoundPod, NodeTotals } from '../scheduler/scheduler';
import type { PodView } from './pod-index';

/** A pod's part of its node's sums (undefined: it has no node, or it was deleted). */
type Share = { node: string; cpu: number; ram: number } | undefined;

const shareOf = (p: BoundPod | undefined): Share => (p?.meta.node ? { node: p.meta.node, cpu: p.spec.resources.cpu, ram: p.spec.resources.ram } : undefined);

function add(sums: Map<string, NodeTotals>, s: Share, sign: 1 | -1): void {
  if (!s) return;
  let t = sums.get(s.node);
  if (!t) sums.set(s.node, (t = { cpu: 0, ram: 0, pods: 0 }));
  t.cpu += sign * s.cpu;
  t.ram += sign * s.ram;
  t.pods += sign;
}

export class BatchLoads {
  /** Each pod written, with its share as last written (pods are changed in place between writes). */
  private readonly written = new Map<string, Share>();
  /**
   * The sum over the writes of (share written - share committed), against one state of the index: a
   * commit that moves a pod's share (the index's version) makes it stale, and it is summed again.
   */
  private delta?: { view: PodView; version: number; sums: Map<string, NodeTotals> };

  has(key: string): boolean {
    return this.written.has(key);
  }

  /** A pod written by a pass of the transaction (undefined: deleted). */
  wrote(key: string, p: BoundPod | undefined): void {
    const share = shareOf(p);
    const d = this.delta;
    if (d && d.version === d.view.version) {
      add(d.sums, this.written.has(key) ? this.written.get(key) : shareOf(d.view.pods.get(key)), -1);
      add(d.sums, share, 1);
    } else this.delta = undefined;
    this.written.set(key, share);
  }

  /**
   * The node sums of the committed pods with this transaction's writes, except the writes of `own`
   * (the pass's own pods, which it counts itself): a fresh map the caller may change.
   */
  totals(view: PodView, own: Iterable<string>): Map<string, NodeTotals> {
    let d = this.delta;
    if (!d || d.view !== view || d.version !== view.version) {
      const sums = new Map<string, NodeTotals>();
      this.written.forEach((share, key) => {
        add(sums, shareOf(view.pods.get(key)), -1);
        add(sums, share, 1);
      });
      d = this.delta = { view, version: view.version, sums };
    }
    const out = new Map<string, NodeTotals>();
    for (const [node, t] of view.totals) out.set(node, { ...t });
    d.sums.forEach((t, node) => {
      const o = out.get(node);
      if (o) {
        o.cpu += t.cpu;
        o.ram += t.ram;
        o.pods += t.pods;
      } else out.set(node, { ...t });
    });
    for (const key of own) {
      if (!this.written.has(key)) continue;
      add(out, this.written.get(key), -1);
      add(out, shareOf(view.pods.get(key)), 1);
    }
    return out;
  }
}
