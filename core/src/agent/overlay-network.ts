// The overlay as this node sees it: its own bridge and tunnel, and a route to every other node's pod subnet,
// applied through the CNI driver from the map the server pushes. Maps are applied one at a time, the newest
// last; a failed apply is tried again on the next resync. Without a CNI driver there is nothing to do.
import type { NetworkDriver, NodeNetworkInfo } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { LatestWins } from '../util/serial';
import type { NodeDns } from './node-dns';
import type { TableGuard } from './table-guard';

export class OverlayNetwork {
  /** The last map pushed (less its bad nodes), for retries and for a CNI driver swapped in. */
  private last?: NodeNetworkInfo[];
  private failed = false;
  /** With a CNI driver, pods start only once this node's bridge exists. */
  private ready = false;
  private readonly apply: LatestWins<NodeNetworkInfo[]>;

  constructor(
    private readonly node: string,
    private readonly cni: () => NetworkDriver | undefined,
    private readonly guard: TableGuard,
    private readonly dns: NodeDns,
    /** Called after every successful apply: pods held back for the network may start now. */
    private readonly onReady: () => void,
    private readonly log: Logger,
  ) {
    this.apply = new LatestWins(
      (nodes) => this.applyMap(nodes),
      (e) => {
        this.failed = true;
        this.log.error(`overlay setup failed (tried again on the next resync): ${e.message}`);
      },
    );
  }

  /** Whether pods may start: there is no CNI driver, or this node's part of the overlay is set up. */
  get podsMayStart(): boolean {
    return !this.cni() || this.ready;
  }

  /** A map pushed by the server. Resolves when it (or a newer one) has been applied or has failed. */
  onMap(map: NodeNetworkInfo[]): Promise<void> {
    this.last = this.guard.networkMap(map);
    return this.request(this.last);
  }

  /** The last map again, if applying it failed (a newer map arriving meanwhile is applied after it). */
  retryIfFailed(): void {
    if (!this.failed || !this.last) return;
    this.failed = false;
    void this.request(this.last);
  }

  /** A CNI driver swapped in gets the node and its remotes before it takes over. */
  async handOver(cni: NetworkDriver): Promise<void> {
    const self = this.last?.find((n) => n.name === this.node);
    if (!self || !this.last) return;
    await cni.setupNode({ subnet: self.subnet, address: self.address });
    await cni.setRemotes(this.remotes(this.last));
  }

  /** Waits for the apply in flight; none starts afterwards. */
  stop(): Promise<void> {
    return this.apply.stop();
  }

  private request(nodes: NodeNetworkInfo[]): Promise<void> {
    if (!this.cni() || !nodes.some((n) => n.name === this.node)) return Promise.resolve();
    return this.apply.request(nodes);
  }

  private async applyMap(nodes: NodeNetworkInfo[]): Promise<void> {
    const cni = this.cni();
    const self = nodes.find((n) => n.name === this.node);
    if (!cni || !self) return;
    await cni.setupNode({ subnet: self.subnet, address: self.address });
    await this.dns.listenOnNodeSubnet(self.subnet);
    await cni.setRemotes(this.remotes(nodes));
    this.ready = true;
    this.failed = false;
    this.onReady();
  }

  private remotes(nodes: NodeNetworkInfo[]): { subnet: string; address: string }[] {
    return nodes.filter((n) => n.name !== this.node).map((n) => ({ subnet: n.subnet, address: n.address }));
  }
}
