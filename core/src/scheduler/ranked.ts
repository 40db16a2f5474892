// Indexed placement over one loads map. The nodes that may take pods (ready, online, not cordoned) are kept in
// order of their headroom — the score a pod asking for nothing would get there — per label selector seen. A pod's
// resources are ≥ 0, so no node scores above its headroom minus the spread penalty every candidate pays at least:
// placement walks the order and stops at the first node whose bound is below the best score found. That is the
// reference scan's choice (reference.ts) exactly: same floating-point score, same tie-break by name. A placement
// changes one node's load, so only that node moves in each order (binary search + one memmove).
import type { Pod } from '@lastbackend/sdk';
import { fits, free, hasRoom, score } from './fit';
import { addPod, serviceKey, type NodeLoad } from './loads';

/** Distinct label selectors given their own order; pods with others filter the full order by label. */
const MAX_VIEWS = 32;

/** The score of the node for a pod that takes nothing (the same expression as score(), with 0 added). */
function headroom(l: NodeLoad): number {
  const cap = l.node.status.capacity;
  return ((free(l.cpu, cap.cpu) + free(l.ram, cap.ram)) / 2) * 10;
}

/** The candidates of one selector, best headroom first (ties: the lower name first). */
interface View {
  order: Int32Array;
  size: number;
  member: Uint8Array;
  /** Per service: at[k] = candidates with more than k of its replicas, to bound the spread penalty. */
  spread: Map<string, number[]>;
}

export class RankedNodes {
  private readonly loads: NodeLoad[];
  private readonly byName = new Map<string, number>();
  /** Position of each node in name order: the tie-break of equal scores, as an integer. */
  private readonly rank: Int32Array;
  private readonly base: Float64Array;
  private readonly views = new Map<string, View>();
  private readonly all: View;
  /** Nodes holding at least one replica, per service. */
  private readonly hosts = new Map<string, number[]>();
  /** False once a load stopped being a number (NaN resources): the map is scanned from then on. */
  sound = true;

  /** Undefined when the map cannot be indexed (a name twice, a load that is not a number): scan it instead. */
  static build(map: Map<string, NodeLoad>): RankedNodes | undefined {
    const loads = [...map.values()];
    const names = new Set(loads.map((l) => l.node.meta.name));
    if (names.size !== loads.length || !loads.every((l) => Number.isFinite(headroom(l)))) return undefined;
    return new RankedNodes(loads);
  }

  private constructor(loads: NodeLoad[]) {
    this.loads = loads;
    const n = loads.length;
    this.rank = new Int32Array(n);
    this.base = new Float64Array(n);
    const byName = loads.map((_, i) => i).sort((a, b) => cmp(loads[a].node.meta.name, loads[b].node.meta.name));
    byName.forEach((x, r) => (this.rank[x] = r));
    const member = new Uint8Array(n);
    const candidates: number[] = [];
    loads.forEach((l, x) => {
      this.byName.set(l.node.meta.name, x);
      this.base[x] = headroom(l);
      for (const svc of l.services.keys()) this.hostsOf(svc).push(x);
      const s = l.node;
      if (s.status.state === 'ready' && s.status.online && !s.spec.unschedulable) {
        member[x] = 1;
        candidates.push(x);
      }
    });
    candidates.sort((a, b) => (this.before(a, this.base[a], b) ? -1 : 1));
    this.all = { order: Int32Array.from(candidates), size: candidates.length, member, spread: new Map() };
    this.views.set('', this.all);
  }

  /**
   * The node the reference scan would choose for the pod (and its load updated), or undefined when none fits.
   * The caller checks the pod's resources are finite and ≥ 0 first.
   */
  place(pod: Pod): string | undefined {
    const sel = pod.spec.selector;
    const svc = serviceKey(pod);
    if (sel?.node) {
      // Only the selected node can fit.
      const x = this.byName.get(sel.node);
      return x !== undefined && fits(this.loads[x], pod) ? this.commit(x, pod, svc) : undefined;
    }
    const labels = Object.entries(sel?.labels ?? {});
    const view = this.view(labels);
    const filter = view === this.all && labels.length ? labels : undefined;
    const penalty = this.minSpread(view, svc) * 100;
    const { order, size } = view;
    const { loads, base, rank } = this;
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < size; i++) {
      const x = order[i];
      if (base[x] - penalty < bestScore) break;
      const l = loads[x];
      if (filter && !filter.every(([k, v]) => l.node.meta.labels[k] === v)) continue;
      if (!hasRoom(l, pod)) continue;
      const s = score(l, pod, svc);
      if (s > bestScore || (s === bestScore && best >= 0 && rank[x] < rank[best])) {
        best = x;
        bestScore = s;
      }
    }
    return best < 0 ? undefined : this.commit(best, pod, svc);
  }

  /** After a scan placed the pod on the node (and counted it there): moves the node in every order. */
  placed(name: string, pod: Pod): void {
    const x = this.byName.get(name);
    if (x !== undefined) this.moved(x, serviceKey(pod));
  }

  private commit(x: number, pod: Pod, svc: string): string {
    addPod(this.loads[x], pod, svc);
    this.moved(x, svc);
    return this.loads[x].node.meta.name;
  }

  private moved(x: number, svc: string): void {
    const l = this.loads[x];
    const now = headroom(l);
    if (!Number.isFinite(now)) this.sound = false;
    const replicas = l.services.get(svc) ?? 0;
    if (replicas === 1) this.hostsOf(svc).push(x);
    for (const v of this.views.values()) {
      if (!v.member[x]) continue;
      if (now !== this.base[x]) this.reorder(v, x, now);
      const at = v.spread.get(svc);
      if (at && replicas > 0) at[replicas - 1] = (at[replicas - 1] ?? 0) + 1;
    }
    this.base[x] = now;
  }

  /** Moves x from its place for its old headroom to the one for `now` (one memmove). */
  private reorder(v: View, x: number, now: number): void {
    const { order, size } = v;
    let p = this.lowerBound(order, 0, size, x, this.base[x]);
    if (order[p] !== x) p = order.subarray(0, size).indexOf(x);
    if (p + 1 >= size || this.before(x, now, order[p + 1])) {
      if (p === 0 || this.before(order[p - 1], this.base[order[p - 1]], x, now)) return; // stays put
      const q = this.lowerBound(order, 0, p, x, now);
      order.copyWithin(q + 1, q, p);
      order[q] = x;
    } else {
      const q = this.lowerBound(order, p + 1, size, x, now);
      order.copyWithin(p, p + 1, q);
      order[q - 1] = x;
    }
  }

  /** The first position in [lo, hi) whose node does not come before x with headroom h. */
  private lowerBound(order: Int32Array, lo: number, hi: number, x: number, h: number): number {
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const y = order[mid];
      if (this.before(y, this.base[y], x, h)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether node a with headroom ha comes before node b (with headroom hb, its own by default). */
  private before(a: number, ha: number, b: number, hb = this.base[b]): boolean {
    return ha > hb || (ha === hb && this.rank[a] < this.rank[b]);
  }

  /** The order of the candidates with these labels: built once from the full order, kept while it is used. */
  private view(labels: [string, string][]): View {
    if (!labels.length) return this.all;
    const key = JSON.stringify(labels.sort((a, b) => cmp(a[0], b[0])));
    const known = this.views.get(key);
    if (known) return known;
    if (this.views.size > MAX_VIEWS) return this.all;
    const member = new Uint8Array(this.loads.length);
    const order = new Int32Array(this.all.size);
    let size = 0;
    for (let i = 0; i < this.all.size; i++) {
      const x = this.all.order[i];
      const l = this.loads[x];
      if (labels.every(([k, v]) => l.node.meta.labels[k] === v)) {
        member[x] = 1;
        order[size++] = x;
      }
    }
    const v: View = { order, size, member, spread: new Map() };
    this.views.set(key, v);
    return v;
  }

  /** The fewest replicas of the service on any candidate of the view: a penalty every candidate pays. */
  private minSpread(v: View, svc: string): number {
    let at = v.spread.get(svc);
    if (!at) {
      at = [];
      for (const x of this.hosts.get(svc) ?? []) {
        if (!v.member[x]) continue;
        const n = this.loads[x].services.get(svc) ?? 0;
        for (let k = 0; k < n; k++) at[k] = (at[k] ?? 0) + 1;
      }
      v.spread.set(svc, at);
    }
    let k = 0;
    while (v.size > 0 && at[k] === v.size) k++;
    return k;
  }

  private hostsOf(svc: string): number[] {
    let h = this.hosts.get(svc);
    if (!h) this.hosts.set(svc, (h = []));
    return h;
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
