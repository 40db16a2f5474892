// The interface VIPs are bound to (so the host accepts packets for them), over rtnetlink: a dummy link
// the driver owns, or `lo` when the kernel has no dummy link type.
import { AttrStream, createRtNetlink, FlagsNew, ifla, type RtNetlinkSocket } from 'netlink';
import { ipv4 } from '@lastbackend/sdk';
import { errnoOf } from './ipvs';

const AF_INET = 2;
const TIMEOUT_MS = 10_000;
const PLAIN = { timeout: TIMEOUT_MS };

export interface VipInterface {
  index: number;
  name: string;
  /** True for `lo` (or any link the driver did not create): only addresses the driver added are removed. */
  shared: boolean;
}

export class Links {
  private constructor(private readonly sock: RtNetlinkSocket) {}

  static open(): Links {
    return new Links(createRtNetlink());
  }

  close(): void {
    this.sock.socket.close();
  }

  async linkIndex(name: string): Promise<number | undefined> {
    try {
      const [msg] = await this.sock.getLink({}, { ifname: name }, PLAIN);
      return msg?.data.index;
    } catch (e) {
      if (errnoOf(e) === 'ENODEV') return undefined;
      throw e;
    }
  }

  private async linkKind(name: string): Promise<string | undefined> {
    const [msg] = await this.sock.getLink({}, { ifname: name }, PLAIN);
    return msg?.attrs.linkinfo ? ifla.parseInfo(msg.attrs.linkinfo).kind : undefined;
  }

  /**
   * The dummy link `name` (created, and set up, when missing); `lo` when the kernel has no dummy link
   * type or name is "lo".
   */
  async ensureVipInterface(name: string): Promise<VipInterface> {
    if (name !== 'lo') {
      let index = await this.linkIndex(name);
      if (index === undefined) {
        const info = new AttrStream();
        info.emit(ifla.formatInfo({ kind: 'dummy' }));
        try {
          await this.sock.newLink({}, { ifname: name, linkinfo: Buffer.concat(info.bufs) }, { flags: FlagsNew.CREATE | FlagsNew.EXCL, timeout: TIMEOUT_MS });
        } catch (e) {
          const errno = errnoOf(e);
          // "Unknown device type" (no dummy driver) is EOPNOTSUPP, which Node names ENOTSUP (same errno 95
          // on Linux): fall back to lo.
          if (errno !== 'EEXIST' && errno !== 'EOPNOTSUPP' && errno !== 'ENOTSUP') throw e;
        }
        index = await this.linkIndex(name);
      }
      if (index !== undefined) {
        // A dummy link is the driver's own; any other link of that name is someone else's and left as it is.
        const shared = (await this.linkKind(name)) !== 'dummy';
        if (!shared) await this.sock.setLink({ index, flags: { up: true }, change: { up: true } }, {}, PLAIN);
        return { index, name, shared };
      }
    }
    const lo = await this.linkIndex('lo');
    if (lo === undefined) throw new Error('no loopback interface');
    return { index: lo, name: 'lo', shared: true };
  }

  /** Deletes the dummy link (idempotent). */
  async deleteLink(name: string): Promise<void> {
    const index = await this.linkIndex(name);
    if (index === undefined) return;
    try {
      await this.sock.delLink({ index }, {}, PLAIN);
    } catch (e) {
      if (errnoOf(e) !== 'ENODEV') throw e;
    }
  }

  async addresses(index: number): Promise<{ ip: string; prefix: number }[]> {
    const msgs = await this.sock.getAddresses({ family: AF_INET }, {}, PLAIN);
    return msgs
      .filter((m) => m.data.family === AF_INET && m.data.index === index && (m.attrs.local ?? m.attrs.address))
      .map((m) => ({ ip: ipv4.ipFromBytes((m.attrs.local ?? m.attrs.address) as Buffer), prefix: m.data.prefixlen ?? 32 }));
  }

  async addAddress(index: number, ip: string): Promise<void> {
    const a = ipv4.ipBytes(ip);
    await this.sock.newAddress({ family: AF_INET, prefixlen: 32, index }, { local: a, address: a }, { flags: FlagsNew.CREATE | FlagsNew.REPLACE, timeout: TIMEOUT_MS });
  }

  async delAddress(index: number, ip: string): Promise<void> {
    const a = ipv4.ipBytes(ip);
    try {
      await this.sock.delAddress({ family: AF_INET, prefixlen: 32, index }, { local: a, address: a }, PLAIN);
    } catch (e) {
      if (errnoOf(e) !== 'EADDRNOTAVAIL') throw e;
    }
  }
}
