// The service table on this node: VIPs through the CPI driver, names through discovery, from the table the
// server pushes whole on every change. Tables are applied one at a time, the newest last; a failed apply is
// tried again on the next resync.
import type { ProxyDriver, ServiceTable, VirtualService } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { LatestWins } from '../util/serial';
import type { NodeDns } from './node-dns';
import type { TableGuard } from './table-guard';

export class ServiceTableSync {
  /** The last table pushed (less its bad entries), for retries and for a CPI driver swapped in. */
  private last?: ServiceTable;
  private failed = false;
  private readonly apply: LatestWins<VirtualService[]>;

  constructor(
    private readonly cpi: () => ProxyDriver | undefined,
    private readonly guard: TableGuard,
    private readonly dns: NodeDns,
    private readonly log: Logger,
  ) {
    this.apply = new LatestWins(
      (services) => this.applyTable(services),
      (e) => {
        this.failed = true;
        this.log.error(`service table (tried again on the next resync): ${e.message}`);
      },
    );
  }

  /** A table pushed by the server. Resolves when it (or a newer one) has been applied or has failed. */
  onTable(pushed: ServiceTable): Promise<void> {
    const table = this.guard.serviceTable(pushed);
    this.last = table;
    this.dns.setRecords(table.dns);
    return this.request(table.services);
  }

  /** The last table again, if applying it failed (a newer table arriving meanwhile is applied after it). */
  retryIfFailed(): void {
    if (!this.failed || !this.last) return;
    this.failed = false;
    void this.request(this.last.services);
  }

  /** A CPI driver swapped in gets the whole table before it takes over. */
  async handOver(cpi: ProxyDriver): Promise<void> {
    await cpi.setTable(this.last?.services ?? []);
  }

  /** Waits for the apply in flight; none starts afterwards. */
  stop(): Promise<void> {
    return this.apply.stop();
  }

  private request(services: VirtualService[]): Promise<void> {
    if (!this.cpi()) return Promise.resolve();
    return this.apply.request(services);
  }

  private async applyTable(services: VirtualService[]): Promise<void> {
    const cpi = this.cpi();
    if (!cpi) return;
    await cpi.setTable(services);
    this.failed = false;
  }
}
