// Thin typed wrappers over the `netlink` package (rtnetlink). A socket acts in the network namespace of
// the process that opened it. Every call speaks plain values (names, indexes, dotted IPv4 strings, MAC
// buffers); the netlink structures stay in this file.
import { AttrStream, createRtNetlink, FlagsNew, ifla, rt, type RtNetlinkSocket, type StreamData } from 'netlink';
import { LbError } from '@lastbackend/sdk';
import { ipv4 } from '@lastbackend/sdk';
import { formatMac } from './mac';

const { ipBytes, ipFromBytes } = ipv4;

const AF_INET = 2;
const AF_BRIDGE = 7;
const RT_TABLE_MAIN = 254;
const RTNH_F_ONLINK = 4;
/** VETH_INFO_PEER: the peer's ifinfomsg followed by its link attributes. */
const VETH_INFO_PEER = 1;
/** Requests never hang: the kernel answers netlink at once, so a timeout only catches a lost socket. */
const TIMEOUT_MS = 10_000;

const CREATE_EXCL = { flags: FlagsNew.CREATE | FlagsNew.EXCL, timeout: TIMEOUT_MS };
const CREATE_REPLACE = { flags: FlagsNew.CREATE | FlagsNew.REPLACE, timeout: TIMEOUT_MS };
const PLAIN = { timeout: TIMEOUT_MS };

/** The errno name of a rejected netlink request ("EEXIST"), or undefined for other errors. */
export function errnoOf(e: unknown): string | undefined {
  const m = /Request rejected: (\w+)/.exec(e instanceof Error ? e.message : String(e));
  return m?.[1];
}

/** Serialises attribute stream data into one buffer (for attributes the package types as raw Buffers). */
function toBuffer(data: StreamData): Buffer {
  const out = new AttrStream();
  out.emit(data);
  return Buffer.concat(out.bufs);
}

export interface VxlanParams {
  vni: number;
  port: number;
  /** Underlay source address of the tunnel. */
  local: string;
  learning: boolean;
}

export interface LinkInfo {
  index: number;
  name: string;
  up: boolean;
  mtu: number;
  mac: string;
  /** ifindex of the bridge (or other master) the link is enslaved to. */
  master?: number;
  /** IFLA_INFO_KIND: "bridge", "veth", "vxlan", … (undefined for physical devices and lo). */
  kind?: string;
  vxlan?: VxlanParams;
}

export interface Ipv4Address {
  index: number;
  ip: string;
  prefix: number;
}

export interface Ipv4Route {
  dst: string;
  prefix: number;
  gateway?: string;
  oif?: number;
  onlink: boolean;
}

export interface Neighbour {
  index: number;
  ip: string;
  mac: string;
  permanent: boolean;
}

export interface FdbEntry {
  index: number;
  mac: string;
  dst?: string;
  self: boolean;
  permanent: boolean;
}

function toLinkInfo(msg: rt.LinkMessage): LinkInfo {
  const { data, attrs } = msg;
  const info: LinkInfo = {
    index: data.index ?? 0,
    name: attrs.ifname ?? '',
    up: Boolean(data.flags?.up),
    mtu: attrs.mtu ?? 0,
    mac: attrs.address ? formatMac(attrs.address) : '',
  };
  if (attrs.master) info.master = attrs.master;
  if (attrs.linkinfo) {
    const li = ifla.parseInfo(attrs.linkinfo);
    if (li.kind) info.kind = li.kind;
    if (li.kind === 'vxlan' && li.data) {
      const v = ifla.parseVxlan(li.data);
      info.vxlan = {
        vni: v.id ?? 0,
        port: v.port ? v.port.readUInt16BE(0) : 0,
        local: v.local && v.local.length === 4 ? ipFromBytes(v.local) : '',
        learning: Boolean(v.learning),
      };
    }
  }
  return info;
}

export class Netlink {
  private constructor(private readonly sock: RtNetlinkSocket) {}

  /** Opens an rtnetlink socket in the caller's network namespace. */
  static open(): Netlink {
    return new Netlink(createRtNetlink());
  }

  close(): void {
    this.sock.socket.close();
  }

  // ------------------------------------------------------------------ links

  async listLinks(): Promise<LinkInfo[]> {
    return (await this.sock.getLinks({}, {}, PLAIN)).map(toLinkInfo);
  }

  /** null when no link has that name. */
  async getLink(name: string): Promise<LinkInfo | null> {
    try {
      const [msg] = await this.sock.getLink({}, { ifname: name }, PLAIN);
      return msg ? toLinkInfo(msg) : null;
    } catch (e) {
      if (errnoOf(e) === 'ENODEV') return null;
      throw e;
    }
  }

  async mustGetLink(name: string): Promise<LinkInfo> {
    const link = await this.getLink(name);
    if (!link) throw new LbError('INTERNAL', `link ${name} does not exist`);
    return link;
  }

  private async newLink(name: string, kind: string, data: StreamData | undefined, extra: ifla.LinkAttrs): Promise<LinkInfo> {
    const linkinfo = toBuffer(ifla.formatInfo({ kind, ...(data ? { data: toBuffer(data) } : {}) }));
    await this.sock.newLink({}, { ifname: name, linkinfo, ...extra }, CREATE_EXCL);
    return this.mustGetLink(name);
  }

  createBridge(name: string, opts: { mtu?: number; mac?: Buffer } = {}): Promise<LinkInfo> {
    return this.newLink(name, 'bridge', undefined, { ...(opts.mtu ? { mtu: opts.mtu } : {}), ...(opts.mac ? { address: opts.mac } : {}) });
  }

  /** Creates a veth pair in this namespace; returns the first end. */
  /**
   * A veth pair. The peer may be made straight in another network namespace (`peer.netnsFd`, an open
   * /proc/PID/ns/net), under its final name and MAC: one request, and the peer never shows in this one.
   */
  createVeth(name: string, peer: { name: string; mac?: Buffer; netnsFd?: number }, opts: { mtu?: number } = {}): Promise<LinkInfo> {
    const mtu = opts.mtu ? { mtu: opts.mtu } : {};
    const attrs = { ifname: peer.name, ...mtu, ...(peer.mac ? { address: peer.mac } : {}), ...(peer.netnsFd !== undefined ? { netNsFd: peer.netnsFd } : {}) };
    const peerMsg = Buffer.concat([rt.formatLink({}), toBuffer(ifla.formatLinkAttrs(attrs))]);
    const data = (out: AttrStream) => out.push(VETH_INFO_PEER, peerMsg);
    return this.newLink(name, 'veth', data, mtu);
  }

  createVxlan(name: string, p: VxlanParams & { mac?: Buffer; mtu?: number }): Promise<LinkInfo> {
    const port = Buffer.alloc(2);
    port.writeUInt16BE(p.port, 0);
    const data = ifla.formatVxlan({ id: p.vni, local: ipBytes(p.local), port, learning: p.learning ? 1 : 0 });
    return this.newLink(name, 'vxlan', data, { ...(p.mac ? { address: p.mac } : {}), ...(p.mtu ? { mtu: p.mtu } : {}) });
  }

  /** Idempotent: deleting a missing link is fine. */
  async deleteLink(index: number): Promise<void> {
    try {
      await this.sock.delLink({ index }, {}, PLAIN);
    } catch (e) {
      if (errnoOf(e) !== 'ENODEV') throw e;
    }
  }

  async setLinkUp(index: number, up = true): Promise<void> {
    await this.sock.setLink({ index, flags: up ? { up: true } : {}, change: { up: true } }, {}, PLAIN);
  }

  async setMaster(index: number, master: number): Promise<void> {
    await this.sock.setLink({ index }, { master }, PLAIN);
  }

  async setMtu(index: number, mtu: number): Promise<void> {
    await this.sock.setLink({ index }, { mtu }, PLAIN);
  }

  async setMac(index: number, mac: Buffer): Promise<void> {
    await this.sock.setLink({ index }, { address: mac }, PLAIN);
  }

  // ------------------------------------------------------------------ addresses

  async listAddresses(index?: number): Promise<Ipv4Address[]> {
    const msgs = await this.sock.getAddresses({ family: AF_INET }, {}, PLAIN);
    return msgs
      .filter((m) => m.data.family === AF_INET && (index === undefined || m.data.index === index))
      .map((m) => ({
        index: m.data.index ?? 0,
        ip: ipFromBytes((m.attrs.local ?? m.attrs.address) as Buffer),
        prefix: m.data.prefixlen ?? 32,
      }));
  }

  /** Adds ip/prefix to the link; replacing an identical address is fine. */
  async setAddress(index: number, ip: string, prefix: number): Promise<void> {
    const a = ipBytes(ip);
    await this.sock.newAddress({ family: AF_INET, prefixlen: prefix, index }, { local: a, address: a }, CREATE_REPLACE);
  }

  async delAddress(index: number, ip: string, prefix: number): Promise<void> {
    const a = ipBytes(ip);
    try {
      await this.sock.delAddress({ family: AF_INET, prefixlen: prefix, index }, { local: a, address: a }, PLAIN);
    } catch (e) {
      if (errnoOf(e) !== 'EADDRNOTAVAIL') throw e;
    }
  }

  // ------------------------------------------------------------------ routes (IPv4, main table)

  async listRoutes(oif?: number): Promise<Ipv4Route[]> {
    const msgs = await this.sock.getRoutes({ family: AF_INET }, {}, PLAIN);
    return msgs
      .filter((m) => (m.attrs.table ?? m.data.table) === RT_TABLE_MAIN && (m.data.type === 'UNICAST' || m.data.type === 1))
      .filter((m) => oif === undefined || m.attrs.oif === oif)
      .map((m) => ({
        dst: m.attrs.dst ? ipFromBytes(m.attrs.dst) : '0.0.0.0',
        prefix: m.data.dstLen ?? 0,
        ...(m.attrs.gateway ? { gateway: ipFromBytes(m.attrs.gateway) } : {}),
        ...(m.attrs.oif !== undefined ? { oif: m.attrs.oif } : {}),
        onlink: ((m.data.flags?.__unknown ?? 0) & RTNH_F_ONLINK) !== 0,
      }));
  }

  /** `ip route replace dst/prefix [via gateway] dev oif [onlink]` in the main table. */
  async replaceRoute(r: { dst: string; prefix: number; gateway?: string; oif: number; onlink?: boolean }): Promise<void> {
    const data: rt.Route = {
      family: AF_INET,
      dstLen: r.prefix,
      table: RT_TABLE_MAIN,
      protocol: 'BOOT',
      scope: r.gateway ? 'UNIVERSE' : 'LINK',
      type: 'UNICAST',
      flags: r.onlink ? { __unknown: RTNH_F_ONLINK } : {},
    };
    const attrs: rt.RouteAttrs = { oif: r.oif, ...(r.prefix > 0 ? { dst: ipBytes(r.dst) } : {}) };
    if (r.gateway) attrs.gateway = ipBytes(r.gateway);
    await this.sock.newRoute(data, attrs, CREATE_REPLACE);
  }

  /** Idempotent. */
  async deleteRoute(r: { dst: string; prefix: number; oif?: number }): Promise<void> {
    const attrs: rt.RouteAttrs = { ...(r.prefix > 0 ? { dst: ipBytes(r.dst) } : {}), ...(r.oif ? { oif: r.oif } : {}) };
    try {
      await this.sock.delRoute({ family: AF_INET, dstLen: r.prefix, table: RT_TABLE_MAIN, scope: 'NOWHERE' }, attrs, PLAIN);
    } catch (e) {
      if (errnoOf(e) !== 'ESRCH') throw e;
    }
  }

  // ------------------------------------------------------------------ neighbours (ARP)

  async listNeighbours(index?: number): Promise<Neighbour[]> {
    const msgs = await this.sock.getNeighbors({ family: AF_INET }, {}, PLAIN);
    return msgs
      .filter((m) => m.data.family === AF_INET && m.attrs.dst && (index === undefined || m.data.ifindex === index))
      .map((m) => ({
        index: m.data.ifindex ?? 0,
        ip: ipFromBytes(m.attrs.dst!),
        mac: m.attrs.lladdr ? formatMac(m.attrs.lladdr) : '',
        permanent: Boolean(m.data.state?.permanent),
      }));
  }

  /** Permanent ARP entry ip → mac on the link (`ip neigh replace … nud permanent`). */
  async addNeighbour(index: number, ip: string, mac: Buffer): Promise<void> {
    await this.sock.newNeighbor(
      { family: AF_INET, ifindex: index, state: { permanent: true } },
      { dst: ipBytes(ip), lladdr: mac },
      CREATE_REPLACE,
    );
  }

  /** Idempotent. */
  async delNeighbour(index: number, ip: string): Promise<void> {
    try {
      await this.sock.delNeighbor({ family: AF_INET, ifindex: index }, { dst: ipBytes(ip) }, PLAIN);
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw e;
    }
  }

  // ------------------------------------------------------------------ forwarding database (AF_BRIDGE)

  async listFdb(index?: number): Promise<FdbEntry[]> {
    const msgs = await this.sock.getNeighbors({ family: AF_BRIDGE }, {}, PLAIN);
    return msgs
      .filter((m) => m.data.family === AF_BRIDGE && m.attrs.lladdr && (index === undefined || m.data.ifindex === index))
      .map((m) => ({
        index: m.data.ifindex ?? 0,
        mac: formatMac(m.attrs.lladdr!),
        ...(m.attrs.dst && m.attrs.dst.length === 4 ? { dst: ipFromBytes(m.attrs.dst) } : {}),
        self: Boolean(m.data.flags?.self),
        permanent: Boolean(m.data.state?.permanent),
      }));
  }

  /**
   * `bridge fdb replace mac dev <vxlan> dst <ip> self permanent`: frames for mac are tunnelled to ip.
   * Replace (not append) so a node whose underlay address changed ends up with exactly one destination.
   */
  async setFdb(index: number, mac: Buffer, dst: string): Promise<void> {
    await this.sock.newNeighbor(
      { family: AF_BRIDGE, ifindex: index, state: { permanent: true }, flags: { self: true } },
      { lladdr: mac, dst: ipBytes(dst) },
      CREATE_REPLACE,
    );
  }

  /** Idempotent. */
  async delFdb(index: number, mac: Buffer, dst?: string): Promise<void> {
    try {
      await this.sock.delNeighbor(
        { family: AF_BRIDGE, ifindex: index, flags: { self: true } },
        { lladdr: mac, ...(dst ? { dst: ipBytes(dst) } : {}) },
        PLAIN,
      );
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw e;
    }
  }
}

export const parseMac = (mac: string): Buffer => Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
