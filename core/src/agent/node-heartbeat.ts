// Node status to the API, every `heartbeat` seconds: capacity, addresses, driver states (with what the
// table guard left out) and the capability plugins running on the node (its discovery DNS: serving, or why not). One heartbeat at a time: a tick while one is in flight is skipped, so a slow server
// gets one report at a time and no back-to-back ones; a stopping agent waits for the one in flight.
import type { DriverState, LbClient, PluginState } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { LatestWins } from '../util/serial';
import { nodeReport } from './node-info';
import type { TableGuard } from './table-guard';

/** Seconds cut off before an agent fences itself when its config says nothing (controller.node_not_ready_after's default). */
export const DEFAULT_FENCE_AFTER = 20;

export interface HeartbeatOptions {
  node: string;
  labels: Record<string, string>;
  maxPods: number;
  version: string;
  /** Seconds between heartbeats. */
  heartbeat: number;
  endpoint?: string;
  dataDir: string;
  address?: string;
  /** Self-fencing after this many seconds cut off (reported, so the server waits for it). */
  fenceAfter?: number;
}

export class NodeHeartbeat {
  private readonly sender: LatestWins<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: LbClient,
    private readonly driverStates: () => Promise<DriverState[]>,
    private readonly pluginStates: () => PluginState[],
    private readonly guard: TableGuard,
    private readonly opts: HeartbeatOptions,
    private readonly log: Logger,
    private readonly stopping: AbortSignal,
  ) {
    this.sender = new LatestWins(
      () => this.send(),
      (e) => {
        if (!this.stopping.aborted) this.log.warn(`heartbeat failed: ${e.message}`);
      },
    );
  }

  /** The first heartbeat (awaited: the node is known before its pods are synced), then one per period. */
  async start(): Promise<void> {
    await this.sender.request();
    this.timer = setInterval(() => this.beat(), this.opts.heartbeat * 1000);
  }

  /** A heartbeat unless one is still in flight. */
  beat(): void {
    if (!this.sender.busy) void this.sender.request();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sender.stop();
  }

  /** When the server last took a heartbeat (ms since the epoch): how long the agent has been cut off. */
  lastOk = Date.now();

  private async send(): Promise<void> {
    const drivers = this.guard.annotate(await this.driverStates());
    const o = this.opts;
    const plugins = this.pluginStates();
    await this.client.reportNode(o.node, nodeReport({ labels: o.labels, maxPods: o.maxPods, version: o.version, drivers, plugins, endpoint: o.endpoint, dataDir: o.dataDir, address: o.address, fenceAfter: o.fenceAfter ?? DEFAULT_FENCE_AFTER }));
    this.lastOk = Date.now();
  }
}
