// The CRI: a container is a record, and "running" it runs its command in the emulated shell (shell.ts) on
// the event loop. There are no processes, namespaces, addresses or host resources behind it: containers
// have no ip and no pid (so no CNI can attach them), mounts and limits are recorded but not applied, and
// everything is gone when the process that holds the driver exits.
import { randomBytes } from 'node:crypto';
import {
  LbError,
  boundedCollector,
  featuresNeeded,
  invalid,
  notFound,
  type ContainerEvent,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ContainerStatus,
  type CriCapabilities,
  type CriFeatures,
  type DriverInfo,
  type DriverLogger,
  type ExecResult,
  type LogLine,
  type LogOptions,
  type ProbeResult,
} from '@lastbackend/sdk';
import type { ImageStore } from './images';
import { Notifier } from './notifier';
import { Killed, run, type Host, type Stream } from './shell';

/** Exit code of a container or exec ended by stop or remove: the emulated commands never trap signals. */
const KILLED = 137;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

interface Container {
  readonly id: string;
  readonly spec: ContainerSpec;
  readonly imageId: string;
  readonly argv: string[];
  state: ContainerState;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  readonly files: Set<string>;
  /** The kept lines, and how many were ever written (followers count from there). */
  readonly logs: LogLine[];
  written: number;
  readonly partial: Record<Stream, string>;
  readonly changed: Notifier;
  /** The container whose loopback this one shares (its own id unless network mode is "container"). */
  netns: string;
  proc?: { abort: AbortController; done: Promise<void> };
}

const matches = (labels: Record<string, string>, want: Record<string, string> = {}) => Object.entries(want).every(([k, v]) => labels[k] === v);

export class MemoryRuntime implements ContainerRuntime {
  readonly capabilities: CriCapabilities = { exec: true, logsFollow: true, events: true, networkNone: false };
  /** No process to confine, stream or measure: every spec that needs one of these is refused. */
  readonly features: CriFeatures = { security: false, seccomp: false, pidsLimit: false, execStream: false, stats: false };
  private readonly byId = new Map<string, Container>();
  private readonly byName = new Map<string, Container>();
  /** Ports served per network namespace (owner container id), with the name of the serving container. */
  private readonly listeners = new Map<string, Map<number, string>>();
  private readonly subscribers = new Set<(ev: ContainerEvent) => void>();

  constructor(
    private readonly images: ImageStore,
    private readonly logLines: number,
    private readonly logger: DriverLogger,
    /** Identity from the package (DriverContext.info). */
    private readonly about: DriverInfo,
  ) {}

  info(): DriverInfo {
    return this.about;
  }

  async probe(): Promise<ProbeResult> {
    return { state: 'ready' };
  }

  /** Leaves the containers as they are: they live as long as this instance (and this process) does. */
  async dispose(): Promise<void> {}

  /** Whether any container was created from the image. */
  usesImage(imageId: string): boolean {
    for (const c of this.byId.values()) if (c.imageId === imageId) return true;
    return false;
  }

  async create(spec: ContainerSpec): Promise<ContainerStatus> {
    if (typeof spec?.name !== 'string' || !NAME.test(spec.name)) throw invalid([{ field: 'name', reason: 'must match [a-zA-Z0-9][a-zA-Z0-9_.-]*' }], 'invalid container spec');
    const existing = this.byName.get(spec.name);
    if (existing) return this.status(existing);
    const image = this.images.get(spec.image);
    if (!image) throw new LbError('NOT_FOUND', `image ${spec.image} is not present`, { fix: 'pull it first (CII pull)' });
    if (spec.network.mode === 'container' && !this.find(spec.network.container)) throw notFound(`container ${spec.network.container} (network mode "container")`);
    // No namespace and no pid for a CNI driver to plumb: say so rather than run it on no network at all.
    if (spec.network.mode === 'none')
      throw new LbError('FAILED_PRECONDITION', 'network mode "none" is not supported by the in-memory runtime (capabilities.networkNone is false)', { fix: 'run it without a CNI driver' });
    // Nothing to confine: say so rather than "run" it as if it were confined.
    const needed = featuresNeeded(spec).filter((f) => !this.features[f]);
    if (needed.length)
      throw new LbError('FAILED_PRECONDITION', `${needed.join(', ')} not supported by the in-memory runtime (features.${needed[0]} is false)`, {
        fix: 'remove those security options from the spec, or use a runtime that supports them',
      });
    const argv = [...(spec.command ?? image.command), ...(spec.args ?? [])];
    if (!argv.length) throw invalid([{ field: 'command', reason: 'no command given and the image has none' }], 'invalid container spec');
    const id = randomBytes(32).toString('hex');
    const c: Container = {
      id,
      spec: structuredClone(spec),
      imageId: image.info.id,
      argv,
      state: 'created',
      files: new Set(),
      logs: [],
      written: 0,
      partial: { stdout: '', stderr: '' },
      changed: new Notifier(),
      netns: id,
    };
    this.byId.set(id, c);
    this.byName.set(spec.name, c);
    this.emit(c, 'create');
    return this.status(c);
  }

  async start(ref: string): Promise<void> {
    const c = this.find(ref);
    if (!c) throw notFound(`container ${ref}`);
    if (c.state === 'running') return;
    c.netns = c.id;
    if (c.spec.network.mode === 'container') {
      const owner = this.find(c.spec.network.container);
      if (owner?.state !== 'running')
        throw new LbError('FAILED_PRECONDITION', `cannot join the network of container ${c.spec.network.container}: it is not running`);
      c.netns = owner.id;
    }
    const abort = new AbortController();
    Object.assign(c, { state: 'running', startedAt: new Date().toISOString(), finishedAt: undefined, exitCode: undefined });
    const done = run(c.argv, this.host(c), { signal: abort.signal, write: (s, t) => this.write(c, s, t) })
      .catch((e: unknown) => {
        if (e instanceof Killed) return KILLED;
        this.write(c, 'stderr', `${String(e)}\n`);
        return 126;
      })
      .then((code) => this.exited(c, code));
    c.proc = { abort, done };
    this.emit(c, 'start');
    c.changed.notify();
  }

  async stop(ref: string): Promise<void> {
    const c = this.find(ref);
    if (!c?.proc) return;
    const { abort, done } = c.proc;
    abort.abort();
    await done;
    this.emit(c, 'stop');
  }

  async remove(ref: string): Promise<void> {
    const c = this.find(ref);
    if (!c) return;
    await this.stop(c.id);
    if (this.byId.get(c.id) !== c) return; // a concurrent remove finished first
    this.byId.delete(c.id);
    this.byName.delete(c.spec.name);
    this.listeners.delete(c.id);
    this.emit(c, 'destroy');
    c.changed.notify();
  }

  async inspect(ref: string): Promise<ContainerStatus | null> {
    const c = this.find(ref);
    return c ? this.status(c) : null;
  }

  async list(filter: { labels?: Record<string, string>; all?: boolean } = {}): Promise<ContainerStatus[]> {
    const out: ContainerStatus[] = [];
    for (const c of this.byId.values()) if ((filter.all || c.state === 'running') && matches(c.spec.labels, filter.labels)) out.push(this.status(c));
    return out;
  }

  async *logs(ref: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    const c = this.find(ref);
    if (!c) throw notFound(`container ${ref}`);
    const since = options.since === undefined ? undefined : options.since * 1000;
    const kept = c.logs.filter((l) => since === undefined || Date.parse(l.time) >= since);
    for (const l of options.tail === undefined ? kept : kept.slice(Math.max(0, kept.length - options.tail))) yield l;
    if (!options.follow) return;
    let seen = c.written;
    while (!options.signal?.aborted) {
      // Lines written since the last look (some may have been dropped from the kept window meanwhile).
      const fresh = c.logs.slice(Math.max(0, c.logs.length - (c.written - seen)));
      seen = c.written;
      for (const l of fresh) yield l;
      if (c.state !== 'running' || this.byId.get(c.id) !== c) return; // like a runtime's follow: ends with the container
      await c.changed.wait(options.signal);
    }
  }

  async exec(ref: string, command: string[], options: { timeoutSeconds?: number } = {}): Promise<ExecResult> {
    const c = this.find(ref);
    if (!c) throw notFound(`container ${ref}`);
    if (c.state !== 'running' || !c.proc) throw new LbError('CONFLICT', `container ${c.spec.name} is not running`);
    const timeout = options.timeoutSeconds === undefined ? undefined : AbortSignal.timeout(options.timeoutSeconds * 1000);
    const signal = timeout ? AbortSignal.any([c.proc.abort.signal, timeout]) : c.proc.abort.signal;
    // Bounded like every runtime's exec: `while true; do echo …; done` must not fill the kernel's memory.
    const out = boundedCollector();
    let exitCode: number;
    try {
      exitCode = await run(command, this.host(c), { signal, write: (s, t) => out.push(s, t) });
    } catch (e) {
      if (!(e instanceof Killed)) throw e;
      if (timeout?.aborted) throw new LbError('TIMEOUT', `exec in ${c.spec.name}: ${command.join(' ')} did not finish within ${options.timeoutSeconds}s`);
      exitCode = KILLED;
    }
    return { exitCode, ...out.result() };
  }

  async wait(ref: string): Promise<number> {
    const c = this.find(ref);
    if (!c) throw notFound(`container ${ref}`);
    if (c.proc) await c.proc.done;
    return c.exitCode ?? 0;
  }

  async *events(filter: { labels?: Record<string, string> }, signal: AbortSignal): AsyncIterable<ContainerEvent> {
    const queue: ContainerEvent[] = [];
    const wake = new Notifier();
    const sub = (ev: ContainerEvent) => {
      if (!matches(ev.labels, filter.labels)) return;
      queue.push(ev);
      wake.notify();
    };
    this.subscribers.add(sub);
    try {
      while (!signal.aborted) {
        while (queue.length && !signal.aborted) yield queue.shift() as ContainerEvent;
        if (!signal.aborted) await wake.wait(signal);
      }
    } finally {
      this.subscribers.delete(sub);
    }
  }

  // ------------------------------------------------------------------ internals

  /** By id or name, like a runtime's own lookups (the kernel inspects by name). */
  private find(ref: string): Container | undefined {
    return this.byId.get(ref) ?? this.byName.get(ref);
  }

  private status(c: Container): ContainerStatus {
    return {
      id: c.id,
      name: c.spec.name,
      image: c.spec.image,
      labels: { ...c.spec.labels },
      state: c.state,
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.startedAt ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt ? { finishedAt: c.finishedAt } : {}),
    };
  }

  private host(c: Container): Host {
    return {
      files: c.files,
      workdir: c.spec.workdir ?? '/',
      listen: (port) => {
        let ports = this.listeners.get(c.netns);
        if (!ports) this.listeners.set(c.netns, (ports = new Map()));
        if (ports.has(port)) return 'Address already in use';
        ports.set(port, c.spec.name);
        const netns = c.netns;
        return () => this.listeners.get(netns)?.delete(port);
      },
      fetch: (port) => {
        const owner = this.listeners.get(c.netns)?.get(port);
        return owner === undefined ? undefined : `<html><body>${owner}: served by the memory runtime on :${port}</body></html>\n`;
      },
    };
  }

  /** Splits output into timestamped lines; keeps the last logLines of them. */
  private write(c: Container, stream: Stream, text: string): void {
    const parts = (c.partial[stream] + text).split('\n');
    c.partial[stream] = parts.pop() as string;
    if (!parts.length) return;
    const time = new Date().toISOString();
    for (const line of parts) c.logs.push({ stream, time, line });
    c.written += parts.length;
    if (c.logs.length > this.logLines) c.logs.splice(0, c.logs.length - this.logLines);
    c.changed.notify();
  }

  private exited(c: Container, code: number): void {
    for (const s of ['stdout', 'stderr'] as const) if (c.partial[s]) this.write(c, s, '\n');
    Object.assign(c, { state: 'exited', exitCode: code, finishedAt: new Date().toISOString(), proc: undefined });
    this.logger.debug('container exited', { name: c.spec.name, exitCode: code });
    this.emit(c, 'die');
    c.changed.notify();
  }

  private emit(c: Container, action: ContainerEvent['action']): void {
    const ev: ContainerEvent = { id: c.id, action, labels: { ...c.spec.labels }, time: Math.floor(Date.now() / 1000) };
    for (const s of this.subscribers) s(ev);
  }
}
