// The CNI implementation: a node bridge for local pods, a VXLAN device for the overlay, everything over
// rtnetlink in the agent's own network namespace (pod interfaces are finished inside the pod by pod-interface.ts).
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  LbError,
  describeSkipped,
  type DriverInfo,
  type FieldError,
  type DriverLogger,
  type NetworkDriver,
  type NodeNetwork,
  type PodNetworkRef,
  type ProbeResult,
  ipv4,
} from '@lastbackend/sdk';
import type { VxlanDriverConfig } from './config';
import { bridgeMac, formatMac, podMac, vtepMac } from './mac';
import { allowBridgeForwarding, masqueradePods } from './forwarding';
import { allocate, IpamStore, readJson, release, withSubnet, writeJsonAtomic } from './ipam';
import { errnoOf, Netlink, parseMac, type LinkInfo } from './netlink';
import { configurePodInterface, type PodInterface } from './pod-interface';

const { contains, formatCidr, formatIp, gateway, parseCidr, parseIp } = ipv4;
type Cidr = ipv4.Cidr;

/** VXLAN over IPv4 adds 50 bytes (outer IP 20 + UDP 8 + VXLAN 8 + inner Ethernet 14). */
const VXLAN_OVERHEAD = 50;
const POD_IFNAME = 'eth0';
const CAP_NET_ADMIN = 12;

/** What setupNode was last given; attach after a restart needs it before setupNode is called again. */
interface NodeState {
  subnet: string;
  address: string;
  mtu: number;
}

interface RemotesState {
  remotes: NodeNetwork[];
}

/** Host-side veth name of a pod: "lbv" + 10 hex of sha256(namespace/pod) (13 characters). */
export function hostVethName(key: string): string {
  return 'lbv' + createHash('sha256').update(key).digest('hex').slice(0, 10);
}

export const podKey = (ref: Pick<PodNetworkRef, 'namespace' | 'pod'>): string => `${ref.namespace}/${ref.pod}`;

/** The overlay entries of one remote node: its VTEP address (subnet .0) and MAC, its underlay address. */
export interface RemoteEntry {
  subnet: Cidr;
  vtep: string;
  mac: Buffer;
  address: string;
}

export function remoteEntry(r: NodeNetwork): RemoteEntry {
  const subnet = parseCidr(r.subnet);
  parseIp(r.address);
  return { subnet, vtep: formatIp(subnet.network), mac: vtepMac(subnet), address: r.address };
}

/**
 * The overlay entries of the remote nodes, by subnet, with every bad entry left out and named (an
 * address or subnet that does not parse, a subnet overlapping this node's, a repeated subnet): the
 * map comes from what every node reports, and one bad node must not cut this one off from the rest.
 * This node's own subnet is not an entry.
 */
export function desiredRemotes(list: readonly NodeNetwork[], own: Cidr): { desired: Map<string, RemoteEntry>; skipped: FieldError[] } {
  const desired = new Map<string, RemoteEntry>();
  const skipped: FieldError[] = [];
  list.forEach((r, i) => {
    let e: RemoteEntry;
    try {
      e = remoteEntry(r);
    } catch (err) {
      skipped.push({ field: `remotes.${i}`, reason: (err as Error).message });
      return;
    }
    if (e.subnet.network === own.network) return;
    if (contains(own, e.subnet.network) || contains(e.subnet, own.network)) {
      skipped.push({ field: `remotes.${i}.subnet`, reason: `remote subnet ${r.subnet} overlaps this node's subnet ${formatCidr(own)}` });
      return;
    }
    const key = formatCidr(e.subnet);
    if (desired.has(key)) {
      skipped.push({ field: `remotes.${i}.subnet`, reason: `subnet ${key} is listed twice` });
      return;
    }
    desired.set(key, e);
  });
  return { desired, skipped };
}

export class VxlanNetwork implements NetworkDriver {
  private nl: Netlink | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly attaching = new Set<Promise<unknown>>();
  private readonly ipam: IpamStore;
  private readonly nodeFile: string;
  private readonly remotesFile: string;
  /** Remote nodes the last setRemotes left out, for probe(): the node's driver state shows them. */
  private skipped: FieldError[] = [];

  constructor(
    private readonly config: VxlanDriverConfig,
    private readonly logger: DriverLogger,
    stateDir: string,
    /** Identity from the package (DriverContext.info). */
    private readonly about: DriverInfo,
  ) {
    this.ipam = new IpamStore(join(stateDir, 'ipam.json'));
    this.nodeFile = join(stateDir, 'node.json');
    this.remotesFile = join(stateDir, 'remotes.json');
  }

  info(): DriverInfo {
    return this.about;
  }

  async probe(): Promise<ProbeResult> {
    let nl: Netlink;
    try {
      nl = this.socket();
      await nl.listLinks();
    } catch (e) {
      return { state: 'error', message: `cannot use rtnetlink: ${(e as Error).message}` };
    }
    try {
      const status = await readFile('/proc/self/status', 'utf8');
      const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1];
      if (capEff && (BigInt('0x' + capEff) & (1n << BigInt(CAP_NET_ADMIN))) === 0n) {
        return { state: 'error', message: 'the agent lacks CAP_NET_ADMIN: it cannot create links (run it as root or grant the capability)' };
      }
      const existing = await nl.getLink(this.config.vxlan);
      if (existing?.kind === 'vxlan') return this.skipped.length ? { state: 'ready', message: `overlay: ${describeSkipped(this.skipped, 'remote node')}` } : { state: 'ready' };
      // Creating a throw-away VXLAN device is the one reliable test that the kernel has VXLAN (built in or loadable).
      const name = 'lbprobe' + randomBytes(3).toString('hex');
      try {
        const link = await nl.createVxlan(name, { vni: 16_000_000 + randomBytes(2).readUInt16BE(0), port: 40_000 + randomBytes(1)[0]!, local: '127.0.0.1', learning: false });
        await nl.deleteLink(link.index);
      } catch (e) {
        const code = errnoOf(e);
        if (code === 'EOPNOTSUPP') return { state: 'error', message: 'the kernel has no VXLAN support (CONFIG_VXLAN / vxlan module)' };
        if (code === 'EPERM') return { state: 'error', message: 'creating links is not permitted (CAP_NET_ADMIN missing)' };
        return { state: 'error', message: `cannot create a VXLAN device: ${(e as Error).message}` };
      }
      return { state: 'ready' };
    } catch (e) {
      return { state: 'error', message: (e as Error).message };
    }
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.attaching);
    await this.queue.catch(() => undefined);
    this.nl?.close();
    this.nl = null;
  }

  setupNode(node: NodeNetwork): Promise<void> {
    return this.serial(() => this.doSetupNode(node));
  }

  setRemotes(remotes: NodeNetwork[]): Promise<void> {
    return this.serial(() => this.doSetRemotes(remotes));
  }

  /**
   * The host side (address, veth pair, bridge port) is made one pod at a time; the pod's own namespace is
   * configured outside the queue, so that pods starting together wait for each other only in netlink.
   * The host end goes up last: a recorded pod whose host end is down was never finished (a crash or a
   * failure in between), and the next attach makes it again.
   */
  attach(pod: PodNetworkRef): Promise<{ ip: string }> {
    // dispose() waits for these too: their last steps run outside the queue.
    const run = this.attachPod(pod);
    this.attaching.add(run);
    void run.finally(() => this.attaching.delete(run)).catch(() => undefined);
    return run;
  }

  private async attachPod(pod: PodNetworkRef): Promise<{ ip: string }> {
    const made = await this.serial(() => this.attachHostSide(pod));
    if (!made.finish) return { ip: made.ip };
    try {
      await configurePodInterface(pod.netns, made.finish.iface);
      await this.serial(() => this.socket().setLinkUp(made.finish!.hostIndex));
    } catch (e) {
      await this.serial(() => this.undoAttach(podKey(pod), made.finish!.fresh));
      throw e;
    }
    this.logger.debug('pod attached', { pod: podKey(pod), ip: made.ip, veth: hostVethName(podKey(pod)) });
    return { ip: made.ip };
  }

  detach(pod: PodNetworkRef): Promise<void> {
    return this.serial(() => this.doDetach(pod));
  }

  // ------------------------------------------------------------------ internals

  private socket(): Netlink {
    this.nl ??= Netlink.open();
    return this.nl;
  }

  /** One operation at a time: IPAM and link state are read-modify-write. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async loadNode(): Promise<NodeState> {
    const node = await readJson<NodeState | null>(this.nodeFile, () => null);
    if (!node) throw new LbError('FAILED_PRECONDITION', 'the node network is not set up', { fix: 'call setupNode first' });
    return node;
  }

  private async underlayMtu(nl: Netlink, address: string): Promise<number> {
    const addr = (await nl.listAddresses()).find((a) => a.ip === address);
    if (!addr) {
      throw new LbError('FAILED_PRECONDITION', `the underlay address ${address} is not configured on any interface of this node`, {
        fix: 'pass the node address other nodes reach it at',
      });
    }
    const link = (await nl.listLinks()).find((l) => l.index === addr.index);
    return (link?.mtu || 1500) - VXLAN_OVERHEAD;
  }

  private async doSetupNode(node: NodeNetwork): Promise<void> {
    const subnet = parseCidr(node.subnet);
    if (subnet.prefix > 30) throw new LbError('INVALID_ARGUMENT', `node subnet ${node.subnet} is too small: at least a /30 is needed`);
    parseIp(node.address);
    const nl = this.socket();
    const mtu = this.config.mtu ?? (await this.underlayMtu(nl, node.address));
    await writeFile('/proc/sys/net/ipv4/ip_forward', '1\n');

    // Bridge: lb0 with the gateway address.
    const brMac = bridgeMac(subnet);
    const bridge = await this.ensureLink(nl, this.config.bridge, 'bridge', () => nl.createBridge(this.config.bridge, { mtu, mac: brMac }));
    if (bridge.mac !== formatMac(brMac)) await nl.setMac(bridge.index, brMac);
    await this.ensureOnlyAddress(nl, bridge, formatIp(gateway(subnet)), subnet.prefix);
    if (!bridge.up) await nl.setLinkUp(bridge.index);
    await allowBridgeForwarding(this.config.bridge, this.logger);
    await masqueradePods(this.config.bridge, this.config.vxlan, formatCidr(subnet), this.logger);

    // VXLAN: the VTEP, with the subnet's network address /32 and the MAC derived from it.
    const want = { vni: this.config.vni, port: this.config.port, local: node.address, learning: false };
    const mac = vtepMac(subnet);
    let vx = await this.ensureLink(nl, this.config.vxlan, 'vxlan', () => nl.createVxlan(this.config.vxlan, { ...want, mac, mtu }));
    const v = vx.vxlan;
    if (!v || v.vni !== want.vni || v.port !== want.port || v.local !== want.local || v.learning) {
      this.logger.info('recreating the VXLAN device with new parameters', { device: this.config.vxlan, was: v, now: want });
      await nl.deleteLink(vx.index);
      vx = await nl.createVxlan(this.config.vxlan, { ...want, mac, mtu });
    }
    if (vx.mac !== formatMac(mac)) await nl.setMac(vx.index, mac);
    if (vx.mtu !== mtu) await nl.setMtu(vx.index, mtu);
    await this.ensureOnlyAddress(nl, vx, formatIp(subnet.network), 32);
    if (!vx.up) await nl.setLinkUp(vx.index);

    // IPAM follows the subnet; addresses outside a new subnet are forgotten.
    const { state, dropped } = withSubnet(await this.ipam.load(), formatCidr(subnet));
    if (dropped.length) this.logger.warn('node subnet changed: pod addresses outside it were released', { subnet: node.subnet, pods: dropped });
    await this.ipam.save(state);
    await writeJsonAtomic(this.nodeFile, { subnet: formatCidr(subnet), address: node.address, mtu } satisfies NodeState);

    // A recreated VXLAN device lost its neighbours, FDB and routes: put the known remotes back.
    const { remotes } = await readJson<RemotesState>(this.remotesFile, () => ({ remotes: [] }));
    if (remotes.length) await this.doSetRemotes(remotes);
  }

  /** The link of that name and kind, created when missing; a link of another kind is not ours to touch. */
  private async ensureLink(nl: Netlink, name: string, kind: string, create: () => Promise<LinkInfo>): Promise<LinkInfo> {
    const link = await nl.getLink(name);
    if (!link) return create();
    if (link.kind !== kind) {
      throw new LbError('FAILED_PRECONDITION', `interface ${name} exists and is a ${link.kind ?? 'physical'} device, not a ${kind}`, {
        fix: `remove it or configure another name for the driver`,
      });
    }
    return link;
  }

  private async ensureOnlyAddress(nl: Netlink, link: LinkInfo, ip: string, prefix: number): Promise<void> {
    for (const a of await nl.listAddresses(link.index)) {
      if (a.ip !== ip || a.prefix !== prefix) await nl.delAddress(link.index, a.ip, a.prefix);
    }
    await nl.setAddress(link.index, ip, prefix);
  }

  private async doSetRemotes(list: NodeNetwork[]): Promise<void> {
    const node = await this.loadNode();
    const own = parseCidr(node.subnet);
    const nl = this.socket();
    const vx = await nl.getLink(this.config.vxlan);
    if (!vx || vx.kind !== 'vxlan') {
      throw new LbError('FAILED_PRECONDITION', `the VXLAN device ${this.config.vxlan} does not exist`, { fix: 'call setupNode first' });
    }

    // Desired entries, keyed by subnet; this node's own subnet is not one, bad entries are left out.
    const { desired, skipped } = desiredRemotes(list, own);
    if (skipped.length) this.logger.warn(`overlay: ${describeSkipped(skipped, 'remote node')}`, { skipped });
    this.skipped = skipped;

    for (const e of desired.values()) {
      await nl.addNeighbour(vx.index, e.vtep, e.mac);
      await nl.setFdb(vx.index, e.mac, e.address);
      await nl.replaceRoute({ dst: formatIp(e.subnet.network), prefix: e.subnet.prefix, gateway: e.vtep, oif: vx.index, onlink: true });
    }

    // Remove what the state file remembers and what the kernel still has on the device but is not wanted.
    const { remotes: previous } = await readJson<RemotesState>(this.remotesFile, () => ({ remotes: [] }));
    for (const r of previous) {
      const e = remoteEntry(r);
      const now = desired.get(formatCidr(e.subnet));
      if (now && now.address === e.address) continue;
      if (!now) {
        await nl.deleteRoute({ dst: formatIp(e.subnet.network), prefix: e.subnet.prefix, oif: vx.index });
        await nl.delNeighbour(vx.index, e.vtep);
      }
      await nl.delFdb(vx.index, e.mac, e.address);
    }
    const wantRoutes = new Set([...desired.keys()]);
    for (const route of await nl.listRoutes(vx.index)) {
      if (!wantRoutes.has(`${route.dst}/${route.prefix}`)) await nl.deleteRoute({ dst: route.dst, prefix: route.prefix, oif: vx.index });
    }
    const wantNeigh = new Set([...desired.values()].map((e) => e.vtep));
    for (const n of await nl.listNeighbours(vx.index)) {
      if (n.permanent && !wantNeigh.has(n.ip)) await nl.delNeighbour(vx.index, n.ip);
    }
    const wantFdb = new Set([...desired.values()].map((e) => `${formatMac(e.mac)}@${e.address}`));
    for (const f of await nl.listFdb(vx.index)) {
      if (f.self && f.dst && !wantFdb.has(`${f.mac}@${f.dst}`)) await nl.delFdb(vx.index, parseMac(f.mac), f.dst);
    }

    const remotes = [...desired.values()].map((e) => ({ subnet: formatCidr(e.subnet), address: e.address }));
    await writeJsonAtomic(this.remotesFile, { remotes } satisfies RemotesState);
  }

  /** The host side of an attach; `finish` says what is left to do when the pod was not attached yet. */
  private async attachHostSide(ref: PodNetworkRef): Promise<{ ip: string; finish?: { iface: PodInterface; hostIndex: number; fresh: boolean } }> {
    const key = podKey(ref);
    if (!ref.namespace || !ref.pod) throw new LbError('INVALID_ARGUMENT', 'attach needs a namespace and a pod name');
    const node = await this.loadNode();
    const subnet = parseCidr(node.subnet);
    const nl = this.socket();
    const bridge = await nl.getLink(this.config.bridge);
    if (!bridge) throw new LbError('FAILED_PRECONDITION', `the bridge ${this.config.bridge} does not exist`, { fix: 'call setupNode first' });

    let state = await this.ipam.load();
    if (state.subnet !== node.subnet) state = withSubnet(state, node.subnet).state;
    const hostName = hostVethName(key);
    const recorded = state.pods[key];
    const host = await nl.getLink(hostName);
    if (host && recorded && host.up) {
      // Already attached: the peer lives in the pod. Make sure the host end is plugged in.
      if (host.master !== bridge.index) await nl.setMaster(host.index, bridge.index);
      return { ip: recorded };
    }
    if (host) await nl.deleteLink(host.index); // unfinished, or a veth without an address record: start over

    let fd;
    try {
      fd = await open(ref.netns, 'r');
    } catch {
      throw new LbError('INVALID_ARGUMENT', `network namespace ${ref.netns} of pod ${key} does not exist`);
    }
    const alloc = allocate(state, key);
    try {
      await this.ipam.save(alloc.state);
      const made = await nl.createVeth(hostName, { name: POD_IFNAME, mac: podMac(alloc.ip), netnsFd: fd.fd }, { mtu: node.mtu });
      await nl.setMaster(made.index, bridge.index);
      const iface = { ifname: POD_IFNAME, ip: alloc.ip, prefix: subnet.prefix, gateway: formatIp(gateway(subnet)) };
      return { ip: alloc.ip, finish: { iface, hostIndex: made.index, fresh: alloc.fresh } };
    } catch (e) {
      await this.undoAttach(key, alloc.fresh);
      throw e;
    } finally {
      await fd.close();
    }
  }

  /** Takes back what a failed attach made: the veth pair (both ends go together) and a fresh address. */
  private async undoAttach(key: string, fresh: boolean): Promise<void> {
    const nl = this.socket();
    const host = await nl.getLink(hostVethName(key));
    if (host) await nl.deleteLink(host.index);
    if (fresh) await this.ipam.save(release(await this.ipam.load(), key));
  }

  private async doDetach(ref: PodNetworkRef): Promise<void> {
    const key = podKey(ref);
    const nl = this.socket();
    const host = await nl.getLink(hostVethName(key));
    if (host) await nl.deleteLink(host.index);
    const state = await this.ipam.load();
    if (key in state.pods) {
      await this.ipam.save(release(state, key));
      this.logger.debug('pod detached', { pod: key, ip: state.pods[key] });
    }
  }
}
