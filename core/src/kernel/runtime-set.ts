// After a CRI swap to another runtime (docker → containerd), pods created before it keep running on the
// old runtime, which the kernel keeps as "retired" until it holds no containers of this node. The
// RuntimeSet is the one ContainerRuntime the platform sees meanwhile: new containers go to the active
// runtime, everything else goes to the runtime that holds the container.
import { featureUnsupported, type ContainerEvent, type ContainerRuntime, type ContainerSpec, type ContainerStats, type ContainerStatus, type DriverInfo, type ExecSession, type ExecStreamOptions, type LogLine, type LogOptions, type ProbeResult } from '@lastbackend/sdk';

export class RuntimeSet implements ContainerRuntime {
  /** Which runtime holds a container, by id and by name; filled as containers are found. */
  private readonly owners = new Map<string, ContainerRuntime>();

  constructor(
    private readonly active: ContainerRuntime,
    private readonly retired: readonly ContainerRuntime[],
    /** Aborted when the set changes, so long streams end and their consumers subscribe again. */
    private readonly generation: AbortSignal,
  ) {}

  private get all(): ContainerRuntime[] {
    return [this.active, ...this.retired];
  }

  get capabilities() {
    return this.active.capabilities;
  }

  /** New containers go to the active runtime, so its features are what a new spec may ask for. */
  get features() {
    return this.active.features;
  }

  info(): DriverInfo {
    return this.active.info();
  }

  probe(): Promise<ProbeResult> {
    return this.active.probe();
  }

  /** The set never owns the drivers; the kernel disposes them. */
  async dispose(): Promise<void> {}

  private remember(rt: ContainerRuntime, s: ContainerStatus): ContainerStatus {
    this.owners.set(s.id, rt);
    this.owners.set(s.name, rt);
    return s;
  }

  /** The runtime holding `ref` (id or name) with its status; the active one when none does. */
  private async locate(ref: string): Promise<{ rt: ContainerRuntime; status: ContainerStatus | null }> {
    const known = this.owners.get(ref);
    const order = known ? [known, ...this.all.filter((r) => r !== known)] : this.all;
    for (const rt of order) {
      const status = await rt.inspect(ref);
      if (status) return { rt, status: this.remember(rt, status) };
    }
    this.owners.delete(ref);
    return { rt: this.active, status: null };
  }

  /** Idempotent by name across runtimes: a container the old runtime holds stays there. */
  async create(spec: ContainerSpec): Promise<ContainerStatus> {
    const { status } = await this.locate(spec.name);
    if (status) return status;
    return this.remember(this.active, await this.active.create(spec));
  }

  async start(id: string): Promise<void> {
    return (await this.locate(id)).rt.start(id);
  }

  async stop(id: string, timeoutSeconds?: number): Promise<void> {
    return (await this.locate(id)).rt.stop(id, timeoutSeconds);
  }

  async remove(id: string): Promise<void> {
    const { rt } = await this.locate(id);
    await rt.remove(id);
    this.owners.delete(id);
  }

  async inspect(id: string): Promise<ContainerStatus | null> {
    return (await this.locate(id)).status;
  }

  async list(filter?: { labels?: Record<string, string>; all?: boolean }): Promise<ContainerStatus[]> {
    const lists = await Promise.all(this.all.map(async (rt) => (await rt.list(filter)).map((s) => this.remember(rt, s))));
    return lists.flat();
  }

  async *logs(id: string, options?: LogOptions): AsyncIterable<LogLine> {
    yield* (await this.locate(id)).rt.logs(id, options);
  }

  async exec(id: string, command: string[], options?: { timeoutSeconds?: number }) {
    return (await this.locate(id)).rt.exec(id, command, options);
  }

  async execStream(id: string, command: string[], options?: ExecStreamOptions): Promise<ExecSession> {
    const { rt } = await this.locate(id);
    if (!rt.features?.execStream || !rt.execStream) throw featureUnsupported(rt.info().name, 'execStream');
    return rt.execStream(id, command, options);
  }

  async stats(id: string): Promise<ContainerStats> {
    const { rt } = await this.locate(id);
    if (!rt.features?.stats || !rt.stats) throw featureUnsupported(rt.info().name, 'stats');
    return rt.stats(id);
  }

  async wait(id: string): Promise<number> {
    return (await this.locate(id)).rt.wait(id);
  }

  /** Events of every runtime that has them, merged; ends when `signal` aborts or the set changes. */
  async *events(filter: { labels?: Record<string, string> }, signal: AbortSignal): AsyncIterable<ContainerEvent> {
    const done = new AbortController(); // the consumer stopped early: end the runtimes' streams too
    const stop = AbortSignal.any([signal, this.generation, done.signal]);
    const queue: ContainerEvent[] = [];
    let wake: (() => void) | undefined;
    let failure: unknown;
    let open = 0;
    const notify = () => (wake?.(), (wake = undefined));
    for (const rt of this.all.filter((r) => r.capabilities.events)) {
      open++;
      void (async () => {
        try {
          for await (const ev of rt.events(filter, stop)) (queue.push(ev), notify());
        } catch (e) {
          if (!stop.aborted) failure ??= e;
        } finally {
          open--;
          notify();
        }
      })();
    }
    const aborted = () => notify();
    stop.addEventListener('abort', aborted);
    try {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (failure) throw failure;
        if (stop.aborted || open === 0) return;
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      stop.removeEventListener('abort', aborted);
      done.abort();
    }
  }
}
