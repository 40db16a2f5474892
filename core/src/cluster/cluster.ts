// Reads across the store (deployments, pods, nodes, cluster totals) and what agents write: node and
// pod status, log lines. Agents may only report pods bound to their own node, and what a node says
// about itself is checked: addresses must be IPs, labels are set at its first report and then only by
// an admin, capacity is bounded by the schema.
import {
  LbError,
  ipv4,
  isIpAddress,
  NodeLabelsUpdate,
  type FieldError,
  type ShippedLogLine,
  NodeStatusReport,
  PodStatusReport,
  notFound,
  parseOrThrow,
  type Cluster,
  type Deployment,
  type Endpoint,
  type Node,
  type NodeNetworkInfo,
  type Service,
  type ServiceTable,
  parsePortMapping,
  type Pod,
  type DrainReport,
  type Volume,
} from '@lastbackend/sdk';
import { z } from 'zod';
import { keys, PREFIX } from '../store/keys';
import { newMeta, touch } from '../store/meta';
import type { Store, StoreEvent, Txn } from '../store/store';
import { parseNodeMeta } from './node-meta';
import { drainReport, evictReason, podsToEvict } from './drain';

/** A node's pod status reports. */
export const PodReports = z.object({ pods: z.array(PodStatusReport).max(10000) }).strict();

/**
 * How long a deleted pod's node may still ship its lines: the agent ships every 200 ms, and a batch
 * that failed (a server restart, a partition) is sent again once the API answers.
 */
export const DEPARTED_LOG_GRACE_MS = 10 * 60_000;
const DEPARTED_MAX = 10_000;

/** What of a service or an endpoint buildServiceTable reads: one text per object, '' for none. */
function tableFacts(v: unknown): string {
  if (!v) return '';
  const o = v as Service | Endpoint;
  if (o.kind === 'Endpoint') return JSON.stringify(o.spec.upstreams);
  return JSON.stringify([o.status.state === 'destroying', o.spec.network?.ports, o.spec.network?.scheduler, o.status.network.ip]);
}

export class ClusterState {
  constructor(
    private readonly store: Store,
    private readonly version: string,
    private readonly network: { cluster_cidr: string; node_prefix: number } = { cluster_cidr: '10.210.0.0/16', node_prefix: 24 },
  ) {
    // The table depends on services and endpoints only, and on few of their fields: a write that changes
    // none of them (a service's ready count as its pods come up) leaves the table, and every stream, alone.
    const bump = (ev: StoreEvent) => {
      if (tableFacts(ev.value) === tableFacts(ev.prev)) return;
      this.tableVersion++;
      for (const fn of this.tableListeners) fn();
    };
    store.watch(PREFIX.services, bump);
    store.watch(PREFIX.endpoints, bump);
    store.watch(PREFIX.pods, (ev) => {
      const p = ev.prev as Pod | undefined;
      if (ev.type === 'del' && p?.meta.node) this.rememberDeparted(p);
    });
  }

  private tableVersion = 0;
  private readonly tableListeners = new Set<() => void>();

  /** Calls fn after each change of the service table (serviceTable() has it then); returns the unsubscribe. */
  onTableChange(fn: () => void): () => void {
    this.tableListeners.add(fn);
    return () => this.tableListeners.delete(fn);
  }
  /** Pods deleted lately, by namespace/name: their node may still ship their last lines. */
  private readonly departed = new Map<string, { node: string; service: string; until: number }>();

  async deployments(ns: string, svc: string): Promise<Deployment[]> {
    await this.requireService(ns, svc);
    return (await this.store.list<Deployment>(keys.deployment(ns, svc))).sort((a, b) => a.spec.version - b.spec.version);
  }

  async deployment(ns: string, svc: string, name: string): Promise<Deployment> {
    const d = await this.store.get<Deployment>(keys.deployment(ns, svc, name));
    if (!d) throw notFound(`deployment "${name}" of service "${svc}" in namespace "${ns}"`);
    return d;
  }

  async pods(ns: string, filter: { service?: string; deployment?: string } = {}): Promise<Pod[]> {
    if (!(await this.store.get(keys.namespace(ns)))) throw notFound(`namespace "${ns}"`);
    if (filter.service) await this.requireService(ns, filter.service);
    if (filter.deployment) await this.deployment(ns, filter.service!, filter.deployment);
    return (await this.store.list<Pod>(keys.pod(ns))).filter(
      (p) => (!filter.service || p.meta.service === filter.service) && (!filter.deployment || p.meta.deployment === filter.deployment),
    );
  }

  async pod(ns: string, name: string): Promise<Pod> {
    const p = await this.store.get<Pod>(keys.pod(ns, name));
    if (!p) throw notFound(`pod "${name}" in namespace "${ns}"`);
    return p;
  }

  async endpoints(ns: string): Promise<Endpoint[]> {
    if (!(await this.store.get(keys.namespace(ns)))) throw notFound(`namespace "${ns}"`);
    return this.store.list<Endpoint>(keys.endpoint(ns));
  }

  async requireNamespace(ns: string): Promise<void> {
    if (!(await this.store.get(keys.namespace(ns)))) throw notFound(`namespace "${ns}"`);
  }

  private async requireService(ns: string, svc: string): Promise<void> {
    if (!(await this.store.get(keys.service(ns, svc)))) throw notFound(`service "${svc}" in namespace "${ns}"`);
  }

  // ---------------------------------------------------------------- nodes
  async nodes(): Promise<Node[]> {
    const nodes = await this.store.list<Node>(PREFIX.nodes);
    const pods = await this.store.list<Pod>(PREFIX.pods);
    return nodes.map((n) => withAllocation(n, pods));
  }

  /** A stored node as the API shows it: with what its pods take (watches show each change so). */
  async nodeView(n: Node): Promise<Node> {
    return withAllocation(n, await this.store.list<Pod>(PREFIX.pods));
  }

  async node(name: string): Promise<Node> {
    const n = await this.store.get<Node>(keys.node(name));
    if (!n) throw notFound(`node "${name}"`);
    return withAllocation(n, await this.store.list<Pod>(PREFIX.pods));
  }

  /** Removes a node and its credential; its pods are forgotten and placed again elsewhere. */
  deleteNode(name: string): Promise<void> {
    return this.store.txn(async (tx) => {
      if (!(await tx.get(keys.node(name)))) throw notFound(`node "${name}"`);
      tx.del(keys.node(name));
      tx.del(keys.credential(name));
      for (const p of await tx.list<Pod>(PREFIX.pods)) if (p.meta.node === name) tx.del(keys.pod(p.meta.namespace, p.meta.name));
    });
  }

  async cluster(): Promise<Cluster> {
    const nodes = await this.nodes();
    const sum = (f: (n: Node) => { cpu: number; ram: number; pods: number }) =>
      nodes.reduce((a, n) => ({ cpu: a.cpu + f(n).cpu, ram: a.ram + f(n).ram, pods: a.pods + f(n).pods }), { cpu: 0, ram: 0, pods: 0 });
    return {
      kind: 'Cluster',
      version: 'v1',
      meta: { name: 'lastbackend', version: this.version },
      status: {
        nodes: { total: nodes.length, online: nodes.filter((n) => n.status.online).length },
        capacity: sum((n) => n.status.capacity),
        allocated: sum((n) => n.status.allocated),
      },
    };
  }

  /**
   * An agent's heartbeat: registers the node on first contact. A node that reports with its own
   * credential must still hold it when the write happens: a heartbeat authenticated just before
   * `lb delete node` would otherwise bring the deleted node back.
   */
  reportNode(name: string, body: unknown, opts: { credentialed?: boolean } = {}): Promise<Node> {
    if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) throw new LbError('INVALID_ARGUMENT', `node name "${name}" must be a lowercase host name`);
    const r = parseOrThrow(NodeStatusReport, body, 'invalid node status');
    return this.store.txn(async (tx) => {
      if (opts.credentialed && !(await tx.get(keys.credential(name)))) {
        throw new LbError('UNAUTHORIZED', `node "${name}" was deleted`, { fix: 'join the node again with a join token' });
      }
      const prev = await tx.get<Node>(keys.node(name));
      // Labels count at the first report only (the node's config); after that they are the admin's
      // (`lb node label`): a node that could relabel itself could draw services that select on labels.
      const { labels, ...status } = r;
      const node: Node = prev ?? {
        kind: 'Node',
        version: 'v1',
        meta: newMeta({ name, labels }),
        spec: { unschedulable: false },
        status: { ...status, state: 'ready', online: true, allocated: { cpu: 0, ram: 0, pods: 0 }, heartbeat: '' },
      };
      if (!node.spec.network) node.spec.network = { subnet: await this.leaseSubnet(tx, name) };
      node.status = { ...node.status, ...status, state: 'ready', online: true, heartbeat: new Date().toISOString() };
      tx.put(keys.node(name), touch(node));
      return node;
    });
  }

  /** An admin's change of a node's labels: `set` adds or changes keys, `remove` drops them. */
  async labelNode(name: string, body: unknown): Promise<Node> {
    const u = parseOrThrow(NodeLabelsUpdate, body, 'invalid label change');
    const node = await this.store.txn(async (tx) => {
      const n = await tx.get<Node>(keys.node(name));
      if (!n) throw notFound(`node "${name}"`);
      const labels = { ...n.meta.labels, ...u.set };
      for (const k of u.remove) delete labels[k];
      n.meta.labels = labels;
      tx.put(keys.node(name), touch(n));
      return n;
    });
    return withAllocation(node, await this.store.list<Pod>(PREFIX.pods));
  }

  /**
   * Cordon (no new pod is placed on the node) or uncordon it. Uncordoning also takes the drain's marks off
   * the pods still there, so they stay (replacements already made are a surplus the controller removes).
   */
  async cordonNode(name: string, cordoned: boolean): Promise<Node> {
    const node = await this.store.txn(async (tx) => {
      const n = await tx.get<Node>(keys.node(name));
      if (!n) throw notFound(`node "${name}"`);
      if (n.spec.unschedulable !== cordoned) {
        n.spec.unschedulable = cordoned;
        tx.put(keys.node(name), touch(n));
      }
      if (!cordoned)
        for (const p of await tx.list<Pod>(PREFIX.pods))
          if (p.meta.node === name && p.spec.evict) {
            delete p.spec.evict;
            tx.put(keys.pod(p.meta.namespace, p.meta.name), touch(p));
          }
      return n;
    });
    return withAllocation(node, await this.store.list<Pod>(PREFIX.pods));
  }

  /**
   * Drains a node: cordons it and marks every pod of a service on it that is free to move (drain.ts); the
   * controller replaces each before stopping it. Safe to repeat (a pod that reached the node before the
   * cordon is marked by the next call); answers where the drain stands.
   */
  async drainNode(name: string): Promise<DrainReport> {
    await this.store.txn(async (tx) => {
      const n = await tx.get<Node>(keys.node(name));
      if (!n) throw notFound(`node "${name}"`);
      if (!n.spec.unschedulable) {
        n.spec.unschedulable = true;
        tx.put(keys.node(name), touch(n));
      }
      const volumes = await this.volumesOf(tx);
      for (const p of podsToEvict(name, await tx.list<Pod>(PREFIX.pods), volumes)) {
        p.spec.evict = evictReason(name);
        tx.put(keys.pod(p.meta.namespace, p.meta.name), touch(p));
      }
    });
    return this.drainStatus(name);
  }

  /** Where a node's drain stands: the pods still on it, each with what holds it. */
  async drainStatus(name: string): Promise<DrainReport> {
    const n = await this.store.get<Node>(keys.node(name));
    if (!n) throw notFound(`node "${name}"`);
    return drainReport(n, await this.store.list<Pod>(PREFIX.pods), await this.volumesOf(this.store));
  }

  private async volumesOf(r: Pick<Txn, 'list'> | Pick<Store, 'list'>): Promise<Map<string, Volume>> {
    const vols = await r.list<Volume>(PREFIX.volumes);
    return new Map(vols.map((v) => [`${v.meta.namespace}/${v.meta.name}`, v]));
  }

  /** The original's node meta update (node-meta.ts): description, and the whole set of labels. */
  async setNodeMeta(name: string, body: unknown): Promise<Node> {
    const change = parseNodeMeta(body);
    const node = await this.store.txn(async (tx) => {
      const n = await tx.get<Node>(keys.node(name));
      if (!n) throw notFound(`node "${name}"`);
      if (change.description !== undefined) n.meta.description = change.description;
      if (change.labels) n.meta.labels = change.labels;
      tx.put(keys.node(name), touch(n));
      return n;
    });
    return withAllocation(node, await this.store.list<Pod>(PREFIX.pods));
  }

  /** The first subnet of the cluster CIDR no other node holds. */
  private async leaseSubnet(tx: Txn, node: string): Promise<string> {
    const taken = new Set((await tx.list<Node>(PREFIX.nodes)).map((n) => n.spec.network?.subnet));
    for (const s of ipv4.subnets(ipv4.parseCidr(this.network.cluster_cidr), this.network.node_prefix)) {
      const cidr = ipv4.formatCidr(s);
      if (!taken.has(cidr)) return cidr;
    }
    throw new LbError('FAILED_PRECONDITION', `no free /${this.network.node_prefix} subnet left in cluster_cidr ${this.network.cluster_cidr} for node ${node}`, {
      fix: 'delete nodes that are gone, or use a larger cluster_cidr',
    });
  }

  /** Subnet and underlay address of every node that has both (an address stored before it was checked and is not an IP does not count). */
  async networkMap(): Promise<NodeNetworkInfo[]> {
    return (await this.store.list<Node>(PREFIX.nodes))
      .filter((n) => n.spec.network?.subnet && isIpAddress(n.status.addresses[0]))
      .map((n) => ({ name: n.meta.name, subnet: n.spec.network!.subnet, address: n.status.addresses[0] }));
  }

  /**
   * The whole service table every node programs, from services and their endpoints (ready pods of the
   * active version). Every node's stream asks for it after the same change: it is computed once per
   * change of a service or an endpoint and shared.
   */
  serviceTable(): Promise<ServiceTable> {
    const version = this.tableVersion;
    if (this.tableCache?.version !== version) this.tableCache = { version, table: this.buildServiceTable() };
    return this.tableCache.table;
  }

  private tableCache?: { version: number; table: Promise<ServiceTable> };

  private async buildServiceTable(): Promise<ServiceTable> {
    const endpoints = new Map((await this.store.list<Endpoint>(PREFIX.endpoints)).map((e) => [`${e.meta.namespace}/${e.meta.name}`, e]));
    const table: ServiceTable = { services: [], dns: { services: [], pods: [] } };
    for (const s of await this.store.list<Service>(PREFIX.services)) {
      if (s.status.state === 'destroying') continue;
      const ports = (s.spec.network?.ports ?? []).map(parsePortMapping);
      // A pod address stored before reports were checked and is not an IP stays out: every node's proxy
      // programs this table, and one bad backend must not cost the others.
      const upstreams = (endpoints.get(`${s.meta.namespace}/${s.meta.name}`)?.spec.upstreams ?? []).filter((u) => isIpAddress(u.ip));
      const ip = isIpAddress(s.status.network.ip) ? s.status.network.ip : undefined;
      table.dns.services.push({ namespace: s.meta.namespace, name: s.meta.name, ...(ip ? { ip } : {}), ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, protocol: p.protocol })) });
      for (const u of upstreams) table.dns.pods.push({ namespace: s.meta.namespace, service: s.meta.name, name: u.pod, ip: u.ip });
      if (!ip) continue;
      const scheduler = s.spec.network?.scheduler ?? 'rr';
      for (const p of ports) table.services.push({ ip, port: p.port, protocol: p.protocol, scheduler, backends: upstreams.map((u) => ({ ip: u.ip, port: p.container })) });
    }
    return table;
  }

  /** A node may read a secret or config only while one of its pods uses it. */
  async requireUsedOn(node: string, kind: 'secret' | 'config', ns: string, name: string): Promise<void> {
    const used = (await this.store.list<Pod>(keys.pod(ns))).some(
      (p) =>
        p.meta.node === node &&
        !p.spec.destroy &&
        (p.spec.template.volumes.some((v) => v[kind]?.name === name) ||
          p.spec.template.containers.some((c) => c.env.some((e) => e[kind]?.name === name) || (kind === 'secret' && c.image.secret === name))),
    );
    if (!used) throw new LbError('FORBIDDEN', `no pod on node "${node}" uses ${kind} "${name}" of namespace "${ns}"`);
  }

  private rememberDeparted(p: Pod): void {
    const now = Date.now();
    // Insertion order is expiry order: drop from the front what expired, and the oldest when full.
    for (const [k, v] of this.departed) {
      if (v.until > now && this.departed.size < DEPARTED_MAX) break;
      this.departed.delete(k);
    }
    const key = `${p.meta.namespace}/${p.meta.name}`;
    this.departed.delete(key);
    this.departed.set(key, { node: p.meta.node, service: p.meta.service, until: now + DEPARTED_LOG_GRACE_MS });
  }

  /**
   * A node ships lines of its own pods only: each line's pod must be bound to `node` (or have been,
   * until lately) and belong to the service the line names. Otherwise a node could write into any
   * service's logs. Refused lines are named (`lines.N`), so an agent can drop them and send the rest.
   */
  async requireLogSources(node: string, lines: readonly ShippedLogLine[]): Promise<void> {
    const bad: FieldError[] = [];
    const pods = new Map<string, { node: string; service: string } | undefined>();
    const now = Date.now();
    for (const [i, l] of lines.entries()) {
      if (l.node !== node) {
        bad.push({ field: `lines.${i}.node`, reason: `node "${node}" may only ship its own lines, not those of node "${l.node}"` });
        continue;
      }
      const key = `${l.namespace}/${l.pod}`;
      if (!pods.has(key)) {
        const p = await this.store.get<Pod>(keys.pod(l.namespace, l.pod));
        const gone = this.departed.get(key);
        pods.set(key, p ? { node: p.meta.node, service: p.meta.service } : gone && gone.until > now ? gone : undefined);
      }
      const p = pods.get(key);
      if (!p || p.node !== node) bad.push({ field: `lines.${i}`, reason: `pod "${l.pod}" of namespace "${l.namespace}" is not bound to node "${node}"` });
      else if (p.service !== l.service) bad.push({ field: `lines.${i}.service`, reason: `pod "${l.pod}" belongs to service "${p.service}", not "${l.service}"` });
    }
    if (!bad.length) return;
    const shown = bad.slice(0, 3).map((f) => `${f.field}: ${f.reason}`).join('; ');
    throw new LbError('FORBIDDEN', `${shown}${bad.length > 3 ? ` (+${bad.length - 3} more)` : ''}`, { fields: bad });
  }

  /** The service of a pod bound to `node` (or that was, until lately), else undefined: what a node may report about. */
  async serviceOfPodOn(node: string, ns: string, pod: string): Promise<string | undefined> {
    const p = await this.store.get<Pod>(keys.pod(ns, pod));
    if (p) return p.meta.node === node ? p.meta.service : undefined;
    const gone = this.departed.get(`${ns}/${pod}`);
    return gone && gone.until > Date.now() && gone.node === node ? gone.service : undefined;
  }

  /**
   * Pod status from the agent of `node`; reports for pods not bound to it are ignored. Answered once it is
   * stored. The reports of many nodes that arrive while one transaction runs are stored by the next, together
   * (100 nodes reporting at once: one synced commit, not 100).
   */
  reportPods(node: string, body: unknown): Promise<void> {
    const { pods } = parseOrThrow(PodReports, body, 'invalid pod status report');
    return new Promise((resolve, reject) => {
      this.reports.push({ node, pods, resolve, reject });
      void this.storeReports();
    });
  }

  private readonly reports: QueuedReport[] = [];
  private storingReports = false;

  private async storeReports(): Promise<void> {
    if (this.storingReports) return;
    this.storingReports = true;
    try {
      while (this.reports.length) {
        const batch = this.reports.splice(0);
        try {
          await this.store.txn((tx) => applyReports(tx, batch));
          for (const r of batch) r.resolve();
        } catch {
          // Each on its own, so that one report's failure is its own.
          for (const r of batch) await this.store.txn((tx) => applyReports(tx, [r])).then(r.resolve, r.reject);
        }
      }
    } finally {
      this.storingReports = false;
    }
  }
}

interface QueuedReport {
  node: string;
  pods: PodStatusReport[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Stores the reports' statuses in the transaction, in the order they came. */
async function applyReports(tx: Txn, reports: QueuedReport[]): Promise<void> {
  for (const { node, pods } of reports) {
    for (const r of pods) {
      const key = keys.pod(r.namespace, r.name);
      const pod = await tx.get<Pod>(key);
      if (!pod || pod.meta.node !== node) continue;
      // Once marked for deletion, only "destroying"/"destroyed" may be reported.
      const status = pod.spec.destroy && r.status.state !== 'destroyed' ? { ...r.status, state: 'destroying' as const } : r.status;
      pod.status = status;
      tx.put(key, touch(pod));
    }
  }
}

function withAllocation(n: Node, pods: Pod[]): Node {
  const mine = pods.filter((p) => p.meta.node === n.meta.name && !p.spec.destroy);
  return {
    ...n,
    status: {
      ...n.status,
      allocated: {
        cpu: mine.reduce((a, p) => a + p.spec.resources.cpu, 0),
        ram: mine.reduce((a, p) => a + p.spec.resources.ram, 0),
        pods: mine.length,
      },
    },
  };
}
