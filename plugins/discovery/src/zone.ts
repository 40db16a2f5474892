import { isIPv4 } from 'node:net';
import type { Answer, Question, SoaAnswer, SrvData } from 'dns-packet';

/** A service as the discovery DNS publishes it. */
export interface DiscoveryService {
  namespace: string;
  name: string;
  /** Virtual IP; without one the service name exists but has no A record (NODATA). */
  ip?: string;
  ports: { name?: string; port: number; protocol: 'tcp' | 'udp' }[];
}

/** A pod (endpoint) of a service: `<pod>.<service>.<namespace>.<suffix>`. */
export interface DiscoveryPod {
  namespace: string;
  service: string;
  name: string;
  ip: string;
}

export interface DiscoveryRecords {
  services: DiscoveryService[];
  pods: DiscoveryPod[];
}

export interface ZoneOptions {
  /** Zone apex, e.g. 'lb.local'. */
  suffix: string;
  /** TTL of every record and of negative answers (SOA minimum). */
  ttl: number;
  /** SOA serial; the server bumps it on every setRecords. */
  serial?: number;
}

export type ZoneRcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';

/** What the zone says about one question; the server wraps it into a response packet. */
export interface ZoneAnswer {
  rcode: ZoneRcode;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

interface Node {
  a: string[];
  srv: SrvData[];
}

const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Lower-cases a DNS name and strips the trailing dot(s). */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

function validLabel(label: string): boolean {
  return LABEL.test(label);
}

/**
 * An immutable snapshot of the discovery zone, built from services and pods. Pure: no I/O.
 * `resolve` returns `null` for names outside the suffix (the server forwards those).
 */
export class Zone {
  readonly suffix: string;
  readonly ttl: number;
  readonly serial: number;
  /** Entries that were skipped because a name or address was invalid. */
  readonly warnings: string[] = [];
  private readonly nodes = new Map<string, Node>();
  /** Every name that exists in the zone, including empty non-terminals and the apex. */
  private readonly names = new Set<string>();

  constructor(records: DiscoveryRecords, opts: ZoneOptions) {
    this.suffix = normalizeName(opts.suffix);
    if (!this.suffix || !this.suffix.split('.').every(validLabel)) throw new Error(`invalid DNS suffix '${opts.suffix}'`);
    this.ttl = Math.max(0, Math.floor(opts.ttl));
    this.serial = (opts.serial ?? 1) >>> 0;
    this.names.add(this.suffix);

    const services = new Map<string, DiscoveryService>();
    for (const svc of records.services ?? []) {
      const ns = normalizeName(String(svc?.namespace ?? ''));
      const name = normalizeName(String(svc?.name ?? ''));
      if (!validLabel(ns) || !validLabel(name)) {
        this.warnings.push(`service '${svc?.namespace}/${svc?.name}': invalid DNS label`);
        continue;
      }
      const fqdn = `${name}.${ns}.${this.suffix}`;
      services.set(fqdn, svc);
      this.addName(fqdn);
      const node = this.node(fqdn);
      if (svc.ip !== undefined && svc.ip !== '') {
        if (isIPv4(svc.ip)) node.a = [svc.ip];
        else this.warnings.push(`service '${ns}/${name}': VIP '${svc.ip}' is not an IPv4 address`);
      }
      for (const p of svc.ports ?? []) {
        const proto = String(p?.protocol ?? '').toLowerCase();
        const port = Number(p?.port);
        if ((proto !== 'tcp' && proto !== 'udp') || !Number.isInteger(port) || port < 1 || port > 65535) {
          this.warnings.push(`service '${ns}/${name}': invalid port ${JSON.stringify(p)}`);
          continue;
        }
        const portLabel = p.name ? normalizeName(p.name) : String(port);
        if (!validLabel(portLabel)) {
          this.warnings.push(`service '${ns}/${name}': invalid port name '${p.name}'`);
          continue;
        }
        const srvName = `_${portLabel}._${proto}.${fqdn}`;
        this.addName(srvName);
        const srv = this.node(srvName).srv;
        if (!srv.some((s) => s.port === port)) srv.push({ priority: 0, weight: 10, port, target: fqdn });
      }
    }

    for (const pod of records.pods ?? []) {
      const ns = normalizeName(String(pod?.namespace ?? ''));
      const svc = normalizeName(String(pod?.service ?? ''));
      const name = normalizeName(String(pod?.name ?? ''));
      if (!validLabel(ns) || !validLabel(svc) || !validLabel(name)) {
        this.warnings.push(`pod '${pod?.namespace}/${pod?.service}/${pod?.name}': invalid DNS label`);
        continue;
      }
      if (!isIPv4(String(pod.ip))) {
        this.warnings.push(`pod '${ns}/${svc}/${name}': '${pod.ip}' is not an IPv4 address`);
        continue;
      }
      const fqdn = `${name}.${svc}.${ns}.${this.suffix}`;
      this.addName(fqdn);
      const node = this.node(fqdn);
      if (!node.a.includes(pod.ip)) node.a.push(pod.ip);
    }
  }

  /** True when `name` is the apex or below it. */
  contains(name: string): boolean {
    const n = normalizeName(name);
    return n === this.suffix || n.endsWith(`.${this.suffix}`);
  }

  /**
   * Answers one question. `null`: the name is outside the zone. Owner names in the answer section
   * keep the spelling of the question (0x20-safe); everything else is lower-case.
   */
  resolve(q: Question): ZoneAnswer | null {
    if (typeof q?.name !== 'string' || !this.contains(q.name)) return null;
    const qname = q.name.replace(/\.+$/, '');
    const name = normalizeName(q.name);
    const klass = String(q.class ?? 'IN').toUpperCase();
    if (klass !== 'IN' && klass !== 'ANY') return { rcode: 'REFUSED', answers: [], authorities: [], additionals: [] };

    const type = String(q.type).toUpperCase();
    if (type === 'AXFR' || type === 'IXFR') return { rcode: 'REFUSED', answers: [], authorities: [], additionals: [] };
    if (!this.names.has(name)) return { rcode: 'NXDOMAIN', answers: [], authorities: [this.soa()], additionals: [] };

    const node = this.nodes.get(name);
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    if (node && (type === 'A' || type === 'ANY')) {
      for (const ip of node.a) answers.push({ type: 'A', name: qname, class: 'IN', ttl: this.ttl, data: ip });
    }
    if (node && (type === 'SRV' || type === 'ANY')) {
      const targets = new Set<string>();
      for (const s of node.srv) {
        answers.push({ type: 'SRV', name: qname, class: 'IN', ttl: this.ttl, data: { ...s } });
        targets.add(s.target);
      }
      for (const t of targets) {
        for (const ip of this.nodes.get(t)?.a ?? []) additionals.push({ type: 'A', name: t, class: 'IN', ttl: this.ttl, data: ip });
      }
    }
    if (name === this.suffix && (type === 'SOA' || type === 'ANY')) answers.push(this.soa(qname));
    if (answers.length === 0) return { rcode: 'NOERROR', answers, authorities: [this.soa()], additionals };
    return { rcode: 'NOERROR', answers, authorities: [], additionals };
  }

  /** The zone's SOA; its minimum (= TTL) bounds negative caching. */
  soa(owner: string = this.suffix): SoaAnswer {
    return {
      type: 'SOA',
      name: owner,
      class: 'IN',
      ttl: this.ttl,
      data: {
        mname: `ns.dns.${this.suffix}`,
        rname: `hostmaster.${this.suffix}`,
        serial: this.serial,
        refresh: 60,
        retry: 10,
        expire: 3600,
        minimum: this.ttl,
      },
    };
  }

  private node(name: string): Node {
    let n = this.nodes.get(name);
    if (!n) {
      n = { a: [], srv: [] };
      this.nodes.set(name, n);
    }
    return n;
  }

  /** Adds a name and all its ancestors down to the apex, so those answer NODATA instead of NXDOMAIN. */
  private addName(name: string): void {
    let n = name;
    while (n.length > this.suffix.length && !this.names.has(n)) {
      this.names.add(n);
      n = n.slice(n.indexOf('.') + 1);
    }
  }
}
