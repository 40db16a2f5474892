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
  /** Node indices, by name from the last: the first name at the end, where taking it out moves nothing. */
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
  Number.isFinite(f.base) && Number.isFinite(f.pods) && f.cpu >= 0 && f.ram >= 0 && !Number.isNaN(f.cc) && !Number.isNaN(f.cr) && !Number.isNaN(f.cp);

function filing(l: NodeLoad): Filed {
  const c = l.node.status.capacity;
  return { base: headroom(l), cpu: l.cpu, ram: l.ram, pods: l.pods, cc: c.cpu, cr: c.ram, cp: c.pods };
}

export class RankedNodes {
  private readonly loads: NodeLoad[];
  private readonly byName: Map<string, number>;
  /** Node indices in name order. */
  private readonly named: number[];
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
    const filed = loads.map(filing);
    const byName = new Map(loads.map((l, x) => [l.node.meta.name, x]));
    if (byName.size !== loads.length || !filed.every(indexable)) return undefined;
    return new RankedNodes(loads, filed, byName);
  }

  private constructor(loads: NodeLoad[], filed: Filed[], byName: Map<string, number>) {
    this.loads = loads;
    this.filed = filed;
    this.byName = byName;
    const n = loads.length;
    this.rank = new Int32Array(n);
    // The default sort orders strings as `<` does (by UTF-16 code units), natively.
    this.named = [...byName.keys()].sort().map((name) => byName.get(name)!);
    this.named.forEach((x, r) => (this.rank[x] = r));
    this.klass = loads.map(classKey);
    const member = new Uint8Array(n);
    loads.forEach((l, x) => {
      for (const svc of l.services.keys()) this.hostsOf(svc).push(x);
      const s = l.node;
      if (s.status.state === 'ready' && s.status.online && !s.spec.unschedulable) member[x] = 1;
    });
    this.all = this.fill(this.named.filter((x) => member[x]), member);
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
        for (let i = b.nodes.length - 1; i >= 0; i--) {
          const y = b.nodes[i];
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
    if (!b || cmpBucket(b, key) !== 0) return false;
    const j = this.slot(b.nodes, x);
    if (b.nodes[j] !== x) return false;
    if (j === b.nodes.length - 1) b.nodes.pop();
    else b.nodes.splice(j, 1);
    if (!b.nodes.length) k.buckets.splice(i, 1);
    return true;
  }

  /** Where x is, or goes, in a list by name from the last. */
  private slot(nodes: number[], x: number): number {
    const r = this.rank[x];
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.rank[nodes[mid]] > r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private file(k: Klass, x: number, key: Filed): void {
    const i = this.seek(k, key);
    const b = k.buckets[i];
    if (b && cmpBucket(b, key) === 0) b.nodes.splice(this.slot(b.nodes, x), 0, x);
    else k.buckets.splice(i, 0, { base: key.base, cpu: key.cpu, ram: key.ram, pods: key.pods, cc: key.cc, cr: key.cr, cp: key.cp, nodes: [x] });
  }

  /** A view of these nodes (given in name order): classes, each with its buckets sorted. */
  private fill(nodes: number[], member: Uint8Array): View {
    const classes = new Map<string, Klass>();
    const members = new Map<Klass, number[]>();
    for (let i = nodes.length - 1; i >= 0; i--) {
      const x = nodes[i];
      const cap = this.loads[x].node.status.capacity;
      let k = classes.get(this.klass[x]);
      if (!k) {
        classes.set(this.klass[x], (k = { cpu: cap.cpu, ram: cap.ram, buckets: [] }));
        members.set(k, []);
      }
      k.cpu = Math.max(k.cpu, cap.cpu);
      k.ram = Math.max(k.ram, cap.ram);
      members.get(k)!.push(x);
    }
    // A stable sort by load keeps each run of equal loads by name from the last: a run is a bucket.
    for (const [k, xs] of members) {
      const filed = this.filed;
      xs.sort((a, b) => cmpBucket(filed[a], filed[b]));
      for (const x of xs) {
        const last = k.buckets[k.buckets.length - 1];
        if (last && cmpBucket(last, filed[x]) === 0) last.nodes.push(x);
        else k.buckets.push({ ...filed[x], nodes: [x] });
      }
    }
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
    const nodes = this.named.filter((x) => {
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
