// The agent's check of the whole tables the server pushes (service table, overlay map) before a driver
// sees them. They are built from what every node reports; a bad entry (a pod address that is not an IP)
// is left out here, logged once, and shown in this node's driver state, so a driver that refuses a whole
// table for one bad entry never gets the chance. Drivers check again (they know their own limits).
import {
  checkRemotes,
  checkServiceTable,
  describeSkipped,
  type DriverState,
  type FieldError,
  type NodeNetworkInfo,
  type ServiceTable,
} from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';

export class TableGuard {
  private services: FieldError[] = [];
  private network: FieldError[] = [];

  constructor(private readonly log: Logger) {}

  /** The table less its bad service entries (discovery records are checked by discovery itself). */
  serviceTable(table: ServiceTable): ServiceTable {
    const { entries, skipped } = checkServiceTable(table.services);
    this.services = this.note(this.services, skipped, 'service table', 'entry');
    return skipped.length ? { ...table, services: entries } : table;
  }

  /** The overlay map less its bad nodes. */
  networkMap(nodes: NodeNetworkInfo[]): NodeNetworkInfo[] {
    const { entries, skipped } = checkRemotes(nodes, 'nodes');
    this.network = this.note(this.network, skipped, 'overlay map', 'node');
    return entries;
  }

  /** Driver states with what was left out added to the CPI's and the CNI's message, as the node reports them. */
  annotate(states: DriverState[]): DriverState[] {
    const add = (d: DriverState, skipped: FieldError[], what: string, unit: string): DriverState =>
      skipped.length ? { ...d, message: [d.message, `${what}: ${describeSkipped(skipped, unit)}`].filter(Boolean).join('; ') } : d;
    return states.map((d) => {
      if (d.state === 'retired') return d;
      if (d.kind === 'cpi') return add(d, this.services, 'service table', 'entry');
      if (d.kind === 'cni') return add(d, this.network, 'overlay map', 'node');
      return d;
    });
  }

  /** Logs a warning when what is left out changes (a table is pushed on every change, the same bad entry with it). */
  private note(before: FieldError[], now: FieldError[], what: string, unit: string): FieldError[] {
    if (JSON.stringify(before) !== JSON.stringify(now)) {
      if (now.length) this.log.warn(`${what}: ${describeSkipped(now, unit, 10)}`);
      else if (before.length) this.log.info(`${what}: no entries left out any more`);
    }
    return now;
  }
}
