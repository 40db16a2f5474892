// Indexed placement over one loads map, choosing exactly what the reference scan (reference.ts) chooses.
//
// The nodes that may take pods (ready, online, not cordoned) are grouped per label selector seen (a view), then
// by about the same capacity (a class), then by load: a bucket holds the nodes with the same capacity, cpu, ram
// and pod count, so every filter and the least-allocated score come out the same for all of them — only the
// spread penalty differs. A class's buckets are ordered by headroom (the score of a pod asking for nothing). A
// pod's score is the headroom minus what the pod takes (at least its share of the class's largest capacity)
// minus the spread penalty, which is at least the fewest replicas any candidate holds: so placement walks each
// class from the top and stops at the first bucket whose bound is below the best score found. The bound carries a margin far
// above floating-point error, so no node that the scan would choose is ever cut. A placement changes one node's
// load: it moves to another bucket in each view it is in (binary searches, one splice each).
import type { Pod } from '@lastbackend/sdk';
import { fits, free, hasRoom, score } from './fit';
import { addPod, serviceKey, type NodeLoad } from './loads';

/** Distinct label selectors given their own view; pods with others filter the full view by label. */
const MAX_VIEWS = 32;

/** The score of the node for a pod that takes nothing (the same expression as score(), with 0 added). */
function headroom(l: NodeLoad): number {
  const cap = l.node.status.capacity;
  return ((free(l.cpu, cap.cpu) + free(l.ram, cap.ram)) / 2) * 10;
}

/** What a node is filed under: its headroom, its load and its capacity (cc, cr, cp: cpu, ram, pods). */
interface Filed {
  base: number;
  cpu: number;
  ram: number;
  pods: number;
  cc: number;
  cr: number;
  cp: number;
}

/** Nodes with the same load and capacity: the same filters, the same score but for the spread. */
interface Bucket extends Filed {
  /** Node indices, by name. */
  nodes: number[];
}

/**
 * Nodes with about the same cpu and ram capacity (within 1/16 of a power of two); buckets best headroom first.
 * cpu and ram are the largest of the class: what the pod takes off a node's score is at least what it takes there.
 */
interface Klass {
  cpu: number;
  ram: number;
  buckets: Bucket[];
}

interface View {
  classes: Map<string, Klass>;
  size: number;
  member: Uint8Array;
  /** Per service: at[k] = candidates with more than k of its replicas, to bound the spread penalty. */
  spread: Map<string, number[]>;
}

/** A bucket's place in its class: the higher headroom first, then any fixed order (by load, then capacity). */
function cmpBucket(a: Filed, b: Filed): number {
  return b.base - a.base || a.cpu - b.cpu || a.ram - b.ram || a.pods - b.pods || a.cc - b.cc || a.cr - b.cr || a.cp - b.cp;
}

const near = (c: number): string => (c > 0 && Number.isFinite(c) ? `~${Math.floor(Math.log2(c) * 16)}` : String(c));
const classKey = (l: NodeLoad): string => `${near(l.node.status.capacity.cpu)}/${near(l.node.status.capacity.ram)}`;

/**
 * Loads the bound holds for: numbers, and no resource counted below zero (a free share is then at most 1, so
 * the margin, relative to the headroom, covers the rounding of every term).
 */
const indexable = (f: Filed): boolean =>
  Number.isFinite(f.base) && Number.isFinite(f.pods) && f.cpu >= 0 && f.ram >= 0 && ![f.cc, f.cr, f.cp].some(Number.isNaN);

function filing(l: NodeLoad): Filed {
  const c = l.node.status.capacity;
  return { base: headroom(l), cpu: l.cpu, ram: l.ram, pods: l.pods, cc: c.cpu, cr: c.ram, cp: c.pods };
}

export class RankedNodes {
  private readonly loads: NodeLoad[];
  private readonly byName = new Map<string, number>();
  /** Position of each node in name order: the tie-break of equal scores, as an integer. */
  private readonly rank: Int32Array;
  /** Each node's class (capacity) key, worked out once. */
  private readonly klass: string[];
  /** The load each node is filed under (what it was when last filed). */
  private readonly filed: Filed[];
  private readonly views = new Map<string, View>();
  private readonly all: View;
  /** Nodes holding at least one replica, per service. */
  private readonly hosts = new Map<string, number[]>();
  /** False once a load stopped being indexable (a pod asked for NaN, or less than nothing): scanned from then on. */
  sound = true;

  /** Undefined when the map cannot be indexed (a name twice, a load not indexable): scan it instead. */
  static build(map: Map<string, NodeLoad>): RankedNodes | undefined {
    const loads = [...map.values()];
    const names = new Set(loads.map((l) => l.node.meta.name));
    if (names.size !== loads.length || !loads.every((l) => indexable(filing(l)))) return undefined;
    return new RankedNodes(loads);
  }

  private constructor(loads: NodeLoad[]) {
    this.loads = loads;
    const n = loads.length;
    this.rank = new Int32Array(n);
    const byName = loads.map((_, i) => i).sort((a, b) => cmp(loads[a].node.meta.name, loads[b].node.meta.name));
    byName.forEach((x, r) => (this.rank[x] = r));
    this.klass = loads.map(classKey);
    this.filed = loads.map(filing);
    const member = new Uint8Array(n);
    loads.forEach((l, x) => {
      this.byName.set(l.node.meta.name, x);
      for (const svc of l.services.keys()) this.hostsOf(svc).push(x);
      const s = l.node;
      if (s.status.state === 'ready' && s.status.online && !s.spec.unschedulable) member[x] = 1;
    });
    this.all = this.fill(byName.filter((x) => member[x]), member);
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
    const labels = sel?.labels ? Object.entries(sel.labels) : [];
    const view = this.view(labels);
    const filter = view === this.all && labels.length ? labels : undefined;
    const least = this.minSpread(view, svc);
    const penalty = least * 100;
    const { cpu: rc, ram: rr } = pod.spec.resources;
    const { loads, rank } = this;
    let best = -1;
    let bestScore = -Infinity;
    for (const k of view.classes.values()) {
      // What the pod takes off every node of the class's score (before rounding).
      const shift = ((k.cpu > 0 ? rc / k.cpu : 0) + (k.ram > 0 ? rr / k.ram : 0)) * 5;
      for (const b of k.buckets) {
        const bound = b.base - shift - penalty + 1e-9 * (1 + Math.abs(b.base) + shift + penalty);
        if (bound < bestScore) break;
        if (!hasRoom(loads[b.nodes[0]], pod)) continue;
        // The bucket's best: the fewest replicas of the service, then the first name.
        let x = -1;
        let fewest = Infinity;
        for (const y of b.nodes) {
          if (filter && !filter.every(([key, v]) => loads[y].node.meta.labels[key] === v)) continue;
          const r = loads[y].services.get(svc) ?? 0;
          if (r < fewest) {
            x = y;
            fewest = r;
            if (r <= least) break;
          }
        }
        if (x < 0) continue;
        const s = score(loads[x], pod, svc);
        if (s > bestScore || (s === bestScore && best >= 0 && rank[x] < rank[best])) {
          best = x;
          bestScore = s;
        }
      }
    }
    return best < 0 ? undefined : this.commit(best, pod, svc);
  }

  /** After a scan placed the pod on the node (and counted it there): files the node anew. */
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
    const old = this.filed[x];
    const now = filing(l);
    if (!indexable(now)) {
      this.sound = false;
      return;
    }
    const replicas = l.services.get(svc) ?? 0;
    if (replicas === 1) this.hostsOf(svc).push(x);
    const changed = cmpBucket(old, now) !== 0;
    for (const v of this.views.values()) {
      if (!v.member[x]) continue;
      if (changed) {
        const k = v.classes.get(this.klass[x]);
        if (!k || !this.unfile(k, x, old)) {
          this.sound = false; // cannot happen; should it, scanning is still right
          return;
        }
        this.file(k, x, now);
      }
      const at = v.spread.get(svc);
      if (at && replicas > 0) at[replicas - 1] = (at[replicas - 1] ?? 0) + 1;
    }
    this.filed[x] = now;
  }

  /** The position of the first bucket of the class not before `key` (a bucket with that load, if any). */
  private seek(k: Klass, key: Filed): number {
    let lo = 0;
    let hi = k.buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmpBucket(k.buckets[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Takes x out of the bucket of its old load; false if it is not there. */
  private unfile(k: Klass, x: number, key: Filed): boolean {
    const i = this.seek(k, key);
    const b = k.buckets[i];
    const j = b && cmpBucket(b, key) === 0 ? b.nodes.indexOf(x) : -1;
    if (j < 0) return false;
    b.nodes.splice(j, 1);
    if (!b.nodes.length) k.buckets.splice(i, 1);
    return true;
  }

  private file(k: Klass, x: number, key: Filed): void {
    const i = this.seek(k, key);
    const b = k.buckets[i];
    if (b && cmpBucket(b, key) === 0) {
      const r = this.rank[x];
      let lo = 0;
      let hi = b.nodes.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.rank[b.nodes[mid]] < r) lo = mid + 1;
        else hi = mid;
      }
      b.nodes.splice(lo, 0, x);
    } else k.buckets.splice(i, 0, { ...key, nodes: [x] });
  }

  /** A view of these nodes (given in name order): classes, each with its buckets sorted. */
  private fill(nodes: number[], member: Uint8Array): View {
    const classes = new Map<string, Klass>();
    const buckets = new Map<string, Bucket>();
    for (const x of nodes) {
      const l = this.loads[x];
      const ck = this.klass[x];
      let k = classes.get(ck);
      const cap = l.node.status.capacity;
      if (!k) classes.set(ck, (k = { cpu: cap.cpu, ram: cap.ram, buckets: [] }));
      k.cpu = Math.max(k.cpu, cap.cpu);
      k.ram = Math.max(k.ram, cap.ram);
      const f = this.filed[x];
      const bk = `${f.cpu}/${f.ram}/${f.pods}/${f.cc}/${f.cr}/${f.cp}`;
      let b = buckets.get(bk);
      if (!b) {
        buckets.set(bk, (b = { ...f, nodes: [] }));
        k.buckets.push(b);
      }
      b.nodes.push(x);
    }
    for (const k of classes.values()) k.buckets.sort(cmpBucket);
    return { classes, size: nodes.length, member, spread: new Map() };
  }

  /** The view of the candidates with these labels: built once, kept up to date while the map places. */
  private view(labels: [string, string][]): View {
    if (!labels.length) return this.all;
    const key = JSON.stringify(labels.sort((a, b) => cmp(a[0], b[0])));
    const known = this.views.get(key);
    if (known) return known;
    if (this.views.size > MAX_VIEWS) return this.all;
    const member = new Uint8Array(this.loads.length);
    const nodes = [...this.rank.keys()].sort((a, b) => this.rank[a] - this.rank[b]).filter((x) => {
      const ok = this.all.member[x] === 1 && labels.every(([k, v]) => this.loads[x].node.meta.labels[k] === v);
      if (ok) member[x] = 1;
      return ok;
    });
    const v = this.fill(nodes, member);
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
