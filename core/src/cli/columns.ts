// Table columns of `lb get`, per kind; `-o wide` adds more; `-o name` prints KIND/NAME.
import type { Cluster, Config, Deployment, Endpoint, Job, Namespace, Node, Pod, Route, Secret, Service, Task, Volume } from '@lastbackend/sdk';
import { parseCpu, parseRam } from '@lastbackend/sdk/models/quantity';
import { formatAge, formatBytes, formatCpu } from './output';

export type Listing =
  | { kind: 'namespace'; items: Namespace[] }
  | { kind: 'service'; items: Service[] }
  | { kind: 'deployment'; items: Deployment[] }
  | { kind: 'pod'; items: Pod[] }
  | { kind: 'node'; items: Node[] }
  | { kind: 'secret'; items: Secret[] }
  | { kind: 'config'; items: Config[] }
  | { kind: 'volume'; items: Volume[] }
  | { kind: 'route'; items: Route[] }
  | { kind: 'endpoint'; items: Endpoint[] }
  | { kind: 'cluster'; items: Cluster[] }
  | { kind: 'job'; items: Job[] }
  | { kind: 'task'; items: Task[] };

export interface TableData {
  head: string[];
  rows: string[][];
}

const dash = (s: string | number | undefined | null) => (s === undefined || s === null || s === '' ? '-' : String(s));
const list = (xs: readonly string[] | undefined) => (xs && xs.length ? xs.join(',') : '-');

const QUOTA_DIMENSIONS = ['cpu', 'ram', 'storage', 'pods', 'services', 'volumes'] as const;

/** "used/limit" of one quota dimension ("used" alone where the namespace sets no limit), in cores and bytes. */
export function usedOfLimit(n: Namespace, d: (typeof QUOTA_DIMENSIONS)[number]): string {
  const used = n.status?.resources?.used?.[d];
  const limit = n.spec.resources?.limits?.[d];
  const show = (v: number) => (d === 'cpu' ? formatCpu(v) : d === 'ram' || d === 'storage' ? formatBytes(v) : String(v));
  const lim = limit === undefined ? undefined : d === 'cpu' ? parseCpu(limit) : d === 'ram' || d === 'storage' ? parseRam(limit) : Number(limit);
  return `${used === undefined ? '-' : show(used)}${lim === undefined ? '' : `/${show(lim)}`}`;
}

/** The images of a pod template's containers. */
const images = (t: { containers: readonly { image: { name: string } }[] } | undefined) => list(t?.containers.map((c) => c.image.name));

/** `-o wide`: the columns of the table, then these (per kind; none for kinds whose table says it all). */
function wideColumns(l: Listing): TableData | undefined {
  switch (l.kind) {
    case 'service':
      return {
        head: ['VIP', 'IMAGES', 'SELECTOR'],
        rows: l.items.map((s) => [dash(s.status?.network?.ip), images(s.spec.template), labelList(s.spec.selector)]),
      };
    case 'deployment':
      return { head: ['IMAGES', 'MESSAGE'], rows: l.items.map((d) => [images(d.spec.template), dash(d.status?.message)]) };
    case 'pod':
      return {
        head: ['READY', 'HOST_IP', 'IMAGES', 'MESSAGE'],
        rows: l.items.map((p) => {
          const cs = p.status?.containers ?? [];
          return [`${cs.filter((c) => c.ready).length}/${p.spec.template?.containers.length ?? cs.length}`, dash(p.status?.network?.host_ip), images(p.spec.template), dash(p.status?.message)];
        }),
      };
    case 'node':
      return {
        head: ['VERSION', 'OS', 'ARCH', 'SUBNET', 'LABELS'],
        rows: l.items.map((n) => [dash(n.status?.version), dash(n.status?.os), dash(n.status?.arch), dash(n.spec.network?.subnet), labelList(n.meta.labels)]),
      };
    case 'volume':
      return { head: ['MESSAGE'], rows: l.items.map((v) => [dash(v.status?.message)]) };
    case 'route':
      return { head: ['TLS', 'MESSAGE'], rows: l.items.map((r) => [r.spec.tls ? r.spec.tls.secret : '-', dash(r.status?.message)]) };
    default:
      return undefined;
  }
}

/** "k=v,k2=v2" of a label map or a selector's labels (its node, when it names one, as node=NAME). */
function labelList(m: Record<string, unknown> | undefined): string {
  if (!m) return '-';
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'string') pairs.push(`${k}=${v}`);
    else if (v && typeof v === 'object') for (const [k2, v2] of Object.entries(v)) if (typeof v2 === 'string') pairs.push(`${k2}=${v2}`);
  }
  return list(pairs);
}

/** The table of `lb get`; `wide` appends the kind's extra columns. */
export function tableOf(l: Listing, now: number = Date.now(), wide = false): TableData {
  const base = baseTable(l, now);
  const extra = wide ? wideColumns(l) : undefined;
  if (!extra) return base;
  return { head: [...base.head, ...extra.head], rows: base.rows.map((r, i) => [...r, ...extra.rows[i]]) };
}

/** `-o name`: KIND/NAME per object (a deployment: deployment/SERVICE/vN, as `lb inspect` takes it). */
export function namesOf(l: Listing): string[] {
  switch (l.kind) {
    case 'deployment':
      return l.items.map((d) => `deployment/${d.meta.service}/${d.meta.name}`);
    default:
      return (l.items as readonly { meta: { name: string } }[]).map((o) => `${l.kind}/${o.meta.name}`);
  }
}

function baseTable(l: Listing, now: number): TableData {
  const age = (iso: string | undefined) => formatAge(iso, now);
  switch (l.kind) {
    case 'namespace':
      return {
        head: ['NAME', 'STATE', 'POLICY', ...QUOTA_DIMENSIONS.map((d) => d.toUpperCase()), 'AGE'],
        rows: l.items.map((n) => [n.meta.name, dash(n.status?.state), n.spec?.policy ?? 'baseline', ...QUOTA_DIMENSIONS.map((d) => usedOfLimit(n, d)), age(n.meta.created)]),
      };
    case 'service':
      return {
        head: ['NAME', 'STATE', 'REPLICAS', 'DEPLOYMENT', 'PORTS', 'AGE'],
        rows: l.items.map((s) => [
          s.meta.name,
          dash(s.status?.state),
          `${s.status?.replicas?.ready ?? 0}/${s.status?.replicas?.desired ?? s.spec.replicas}`,
          dash(s.status?.deployment),
          list(s.status?.network?.ports ?? s.spec.network?.ports),
          age(s.meta.created),
        ]),
      };
    case 'deployment':
      return {
        head: ['SERVICE', 'NAME', 'STATE', 'READY'],
        rows: l.items.map((d) => [
          d.meta.service,
          d.meta.name,
          dash(d.status?.state),
          `${d.status?.replicas?.ready ?? 0}/${d.status?.replicas?.desired ?? d.spec.replicas}`,
        ]),
      };
    case 'pod':
      return {
        head: ['NAME', 'SERVICE', 'DEPLOYMENT', 'NODE', 'STATE', 'IP', 'RESTARTS', 'AGE'],
        rows: l.items.map((p) => [
          p.meta.name,
          dash(p.meta.service),
          dash(p.meta.deployment),
          dash(p.meta.node),
          dash(p.status?.state),
          dash(p.status?.network?.pod_ip),
          String((p.status?.containers ?? []).reduce((n, c) => n + (c.restarts ?? 0), 0)),
          age(p.meta.created),
        ]),
      };
    case 'node':
      return {
        head: ['NAME', 'ADDRESS', 'STATE', 'PODS', 'CPU', 'RAM', 'AGE'],
        rows: l.items.map((n) => {
          const cap = n.status?.capacity;
          const alloc = n.status?.allocated;
          return [
            n.meta.name,
            dash(n.status?.addresses?.[0]),
            dash(n.status?.state),
            `${alloc?.pods ?? 0}/${cap?.pods ?? '-'}`,
            `${formatCpu(alloc?.cpu ?? 0)}/${formatCpu(cap?.cpu)}`,
            `${formatBytes(alloc?.ram ?? 0)}/${formatBytes(cap?.ram)}`,
            age(n.meta.created),
          ];
        }),
      };
    case 'secret':
      return {
        head: ['NAME', 'TYPE', 'KEYS', 'AGE'],
        rows: l.items.map((s) => [s.meta.name, dash(s.spec.type), list(Object.keys(s.spec.data ?? {})), age(s.meta.created)]),
      };
    case 'config':
      return {
        head: ['NAME', 'KEYS', 'AGE'],
        rows: l.items.map((c) => [c.meta.name, list(Object.keys(c.spec.data ?? {})), age(c.meta.created)]),
      };
    case 'volume':
      return {
        head: ['NAME', 'STATE', 'CAPACITY', 'NODE', 'AGE'],
        rows: l.items.map((v) => [v.meta.name, dash(v.status?.state), dash(v.spec.capacity?.storage), dash(v.status?.node), age(v.meta.created)]),
      };
    case 'route':
      return {
        head: ['NAME', 'DOMAIN', 'PORT', 'RULES', 'STATE', 'AGE'],
        rows: l.items.map((r) => [
          r.meta.name,
          dash(r.spec.domain),
          dash(r.spec.port),
          list(r.spec.rules.map((x) => `${x.path}→${x.service}:${x.port}`)),
          dash(r.status?.state),
          age(r.meta.created),
        ]),
      };
    case 'endpoint':
      return {
        head: ['NAME', 'IP', 'PORTS', 'UPSTREAMS'],
        rows: l.items.map((e) => [e.meta.name, dash(e.spec.ip), list(e.spec.ports), list(e.spec.upstreams.map((u) => u.ip || u.pod))]),
      };
    case 'cluster':
      return {
        head: ['NAME', 'VERSION', 'NODES', 'PODS', 'CPU', 'RAM'],
        rows: l.items.map((c) => [
          c.meta.name,
          c.meta.version,
          `${c.status.nodes.online}/${c.status.nodes.total}`,
          `${c.status.allocated.pods}/${c.status.capacity.pods}`,
          `${formatCpu(c.status.allocated.cpu)}/${formatCpu(c.status.capacity.cpu)}`,
          `${formatBytes(c.status.allocated.ram)}/${formatBytes(c.status.capacity.ram)}`,
        ]),
      };
    case 'job':
      return {
        head: ['NAME', 'STATE', 'CONCURRENCY', 'RETRIES', 'TRIGGERS', 'AGE'],
        rows: l.items.map((j) => [
          j.meta.name,
          dash(j.status?.state),
          `${j.spec.concurrency?.limit ?? 1} (${j.spec.concurrency?.strategy ?? 'queue'})`,
          String(j.spec.task.retries ?? 0),
          list([...(j.spec.provider?.cron ? [`cron ${j.spec.provider.cron.schedule}`] : []), ...(j.spec.provider?.http ? ['http'] : [])]),
          age(j.meta.created),
        ]),
      };
    case 'task':
      return {
        head: ['NAME', 'JOB', 'STATE', 'ATTEMPT', 'EXIT', 'NODE', 'AGE', 'MESSAGE'],
        rows: l.items.map((t) => [
          t.meta.name,
          t.meta.job,
          t.status.state,
          String(t.status.attempt),
          list(t.status.containers.filter((c) => c.exit_code !== undefined).map((c) => String(c.exit_code))),
          dash(t.status.node),
          age(t.meta.created),
          dash(t.status.message),
        ]),
      };
  }
}
