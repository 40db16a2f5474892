// Container runtimes swapped out while they still ran this node's containers. They keep serving those
// containers (through the RuntimeSet the platform sees as the one CRI) until they hold none, and they
// survive a restart through the journal.
import { LABEL_NODE, type ContainerRuntime, type ContainerStatus, type DriverState } from '@lastbackend/sdk';
import type { DriverJournal } from './journal';
import type { Logger } from './logger';
import type { ActiveDriver } from './registry';
import { RuntimeSet } from './runtime-set';

const PRUNE_EVERY_MS = 15_000;

export interface RetiredOptions {
  node: string;
  journal: DriverJournal;
  log: Logger;
  /** Disposes a runtime that holds no containers any more (unless an active kind still uses it). */
  release(d: ActiveDriver): Promise<void>;
}

export class RetiredRuntimes {
  /** By package name: one retired runtime per package. */
  private readonly retired = new Map<string, ActiveDriver>();
  private set?: RuntimeSet;
  private generation = new AbortController();
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: RetiredOptions) {}

  get size(): number {
    return this.retired.size;
  }

  /** This node's containers (running or not) that a runtime holds; none when it cannot say. */
  containers(d: ActiveDriver): Promise<ContainerStatus[]> {
    return (d.instance as ContainerRuntime).list({ labels: { [LABEL_NODE]: this.o.node }, all: true }).catch(() => []);
  }

  async holdsContainers(d: ActiveDriver): Promise<boolean> {
    return (await this.containers(d)).length > 0;
  }

  add(d: ActiveDriver): void {
    this.retired.set(d.identity.package, d);
    this.changed();
  }

  /** The runtime of this package leaves the retired set (swapped back to: the new instance serves its containers). */
  take(pkg: string): ActiveDriver | undefined {
    const d = this.retired.get(pkg);
    if (!d) return undefined;
    this.retired.delete(pkg);
    this.changed();
    return d;
  }

  /** The one CRI the platform sees: the active runtime, plus the retired ones for the containers they hold. */
  runtime(active: ContainerRuntime): ContainerRuntime {
    if (!this.retired.size) return active;
    this.set ??= new RuntimeSet(active, [...this.retired.values()].map((r) => r.instance as ContainerRuntime), this.generation.signal);
    return this.set;
  }

  /** The active runtime changed: the set is rebuilt and event streams end so consumers see the new one. */
  activeChanged(): void {
    this.set = undefined;
    this.generation.abort();
    this.generation = new AbortController();
  }

  /** Writes the set to the journal as it is now. */
  persist(): void {
    this.changed();
  }

  /** The set changed: persist it, rebuild the runtime set, and prune while any runtime is retired. */
  private changed(): void {
    this.o.journal.recordRetired([...this.retired.values()].map((r) => ({ package: r.ref.package, config: r.ref.config, ...(r.ref.isolation ? { isolation: r.ref.isolation } : {}) })));
    this.activeChanged();
    if (this.retired.size && !this.timer) {
      this.timer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
      this.timer.unref();
    }
  }

  /** A retired runtime whose last container of this node is gone is disposed. */
  async prune(): Promise<void> {
    for (const [pkg, d] of [...this.retired]) {
      if (await this.holdsContainers(d)) continue;
      this.retired.delete(pkg);
      this.o.log.info(`retired cri driver ${pkg} runs no containers any more; disposed`);
      this.changed();
      await this.o.release(d);
    }
    if (!this.retired.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  async states(): Promise<DriverState[]> {
    return Promise.all(
      [...this.retired.values()].map(async (d): Promise<DriverState> => {
        const held = await this.containers(d);
        return {
          kind: d.kind,
          package: d.identity.package,
          version: d.identity.version,
          state: 'retired',
          message: `runs ${held.length} container(s) of pods created before the swap`,
          isolation: d.host ? 'process' : 'in-process',
        };
      }),
    );
  }

  /** Forgets them all (the kernel disposes the instances). */
  clear(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.generation.abort();
    this.retired.clear();
    this.set = undefined;
  }
}
