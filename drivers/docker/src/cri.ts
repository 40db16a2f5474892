import {
  LbError,
  validateSecurity,
  type ContainerEvent,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerStats,
  type ContainerStatus,
  type CriCapabilities,
  type CriFeatures,
  type ExecResult,
  type ExecSession,
  type ExecStreamOptions,
  type LogLine,
  type LogOptions,
  type RuntimeNetwork,
  type DriverInfo,
  type DriverLogger,
  hostsFile,
  resolvConf,
} from '@lastbackend/sdk';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DockerClient } from './client';
import type { Readable } from 'node:stream';
import { EngineDriver } from './engine';
import { defaultBridge } from './default-network';
import { messageOf, statusOf, toLbError } from './errors';
import { startExecSession } from './exec-stream';
import { FrameDecoder, LogLineAssembler, OutputCollector } from './logs';
import {
  createOptions,
  type EtcFiles,
  labelFilters,
  statsFromDocker,
  statusFromInspect,
  statusFromList,
  toContainerEvent,
  type DockerEventMessage,
  type DockerStats,
} from './mapping';
import { asReadable, chunksOf, dialStream, LineSplitter } from './stream';

/** How long exec waits for the engine to record the exit code after the output ended. */
const EXEC_EXIT_GRACE_MS = 5000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** ContainerRuntime on the Docker engine. */
/** How often the /etc files of containers gone from the engine are looked for, and how old they must be. */
const ETC_SWEEP_MS = 5 * 60_000;
const ETC_SWEEP_SPARE_MS = 60_000;

export class DockerRuntime extends EngineDriver implements ContainerRuntime {
  private sweeper?: NodeJS.Timeout;
  readonly capabilities: CriCapabilities = { exec: true, logsFollow: true, events: true, networkNone: true };
  readonly features: CriFeatures = { security: true, seccomp: true, pidsLimit: true, execStream: true, stats: true };

  constructor(
    client: DockerClient,
    about: DriverInfo,
    logger: DriverLogger,
    onDispose: () => void,
    /** Where the containers' /etc files go (mapping.ts EtcFiles): only with an engine on this machine, which can mount them. */
    private readonly etcDir?: string,
  ) {
    super(client, about, logger, onDispose);
    // A container removed outside lb (`docker rm`) leaves its /etc files behind: swept now and then.
    if (etcDir) this.sweeper = setInterval(() => void this.sweepEtc().catch((e: unknown) => this.logger.warn('docker: sweeping /etc files failed', { error: messageOf(e) })), ETC_SWEEP_MS).unref();
  }

  async create(spec: ContainerSpec): Promise<ContainerStatus> {
    validateSecurity(spec);
    // No inspect first: the caller has just looked (pod-sync), and a container of the name already there
    // answers 409, which returns it below: one engine round trip less on every deploy.
    const etc = this.etcDir && spec.network.mode !== 'default' ? await this.writeEtc(this.etcDir, spec) : undefined;
    const options = createOptions(spec, etc);
    let id: string;
    try {
      id = (await this.client.api.createContainer(options)).id;
    } catch (e) {
      if (statusOf(e) === 409) {
        // One of the name exists (made before, or concurrently): that one is the answer.
        const raced = await this.inspect(spec.name);
        if (raced) return raced;
      }
      const err = toLbError(e, `create container ${spec.name}`);
      if (err.code === 'NOT_FOUND' && /image/i.test(err.message)) {
        throw new LbError('NOT_FOUND', err.message, { fix: `pull ${spec.image} first (the image service does)` });
      }
      throw err;
    }
    this.logger.debug('docker: container created', { id, name: spec.name });
    // What an inspect would say of a container just created (no times, address or pid before it starts),
    // from what was sent: no second round trip to the engine.
    return { id, name: spec.name, image: options.Image ?? spec.image, labels: { ...(options.Labels ?? {}) }, state: 'created' };
  }

  /**
   * Removes the /etc files of containers the engine no longer has. A directory changed in the last minute
   * is kept: its container may be being created (the files are written just before it).
   */
  async sweepEtc(): Promise<string[]> {
    if (!this.etcDir) return [];
    const names = await readdir(this.etcDir).catch(() => [] as string[]);
    if (!names.length) return [];
    const live = new Set((await this.list({ all: true })).map((c) => c.name));
    const removed: string[] = [];
    for (const name of names) {
      if (live.has(name)) continue;
      const dir = join(this.etcDir, name);
      const changed = (await stat(dir).catch(() => undefined))?.mtimeMs;
      if (changed === undefined || Date.now() - changed < ETC_SWEEP_SPARE_MS) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(name);
    }
    if (removed.length) this.logger.info('docker: removed the /etc files of containers gone from the engine', { containers: removed.length });
    return removed;
  }

  override async dispose(): Promise<void> {
    clearInterval(this.sweeper);
    await super.dispose();
  }

  /** The container's resolv.conf and hosts, each replaced whole (a running container of the name keeps its own). */
  private async writeEtc(etcDir: string, spec: ContainerSpec): Promise<EtcFiles> {
    const dir = join(etcDir, spec.name);
    await mkdir(dir, { recursive: true });
    const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    const files: EtcFiles = { resolvConf: join(dir, 'resolv.conf'), hosts: join(dir, 'hosts') };
    const put = async (path: string, text: string) => {
      await writeFile(`${path}.new`, text);
      await rename(`${path}.new`, path);
    };
    await Promise.all([put(files.resolvConf, resolvConf(spec.dns, hostResolv)), put(files.hosts, hostsFile())]);
    return files;
  }

  async start(id: string): Promise<void> {
    try {
      await this.client.api.getContainer(id).start();
    } catch (e) {
      if (statusOf(e) === 304) return; // already running
      throw toLbError(e, `start container ${id}`);
    }
  }

  async stop(id: string, timeoutSeconds?: number): Promise<void> {
    try {
      // No client timeout here: a stop legitimately takes up to the container's stop timeout.
      await this.client.stream.getContainer(id).stop(timeoutSeconds === undefined ? {} : { t: timeoutSeconds });
    } catch (e) {
      const status = statusOf(e);
      if (status === 304 || status === 404) return; // already stopped, or gone
      throw toLbError(e, `stop container ${id}`);
    }
  }

  async remove(id: string): Promise<void> {
    const name = this.etcDir ? (await this.inspect(id))?.name : undefined;
    try {
      await this.client.stream.getContainer(id).remove({ force: true });
    } catch (e) {
      const status = statusOf(e);
      if (status === 409 && /already in progress/i.test(messageOf(e))) return;
      if (status !== 404) throw toLbError(e, `remove container ${id}`);
    }
    if (this.etcDir && name) await rm(join(this.etcDir, name), { recursive: true, force: true });
  }

  async inspect(id: string): Promise<ContainerStatus | null> {
    try {
      return statusFromInspect(await this.client.api.getContainer(id).inspect());
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw toLbError(e, `inspect container ${id}`);
    }
  }

  async list(filter: { labels?: Record<string, string>; all?: boolean } = {}): Promise<ContainerStatus[]> {
    try {
      const items = await this.client.api.listContainers({
        all: filter.all ?? false,
        filters: { label: labelFilters(filter.labels) },
      });
      return items.map(statusFromList);
    } catch (e) {
      throw toLbError(e, 'list containers');
    }
  }

  async *logs(id: string, options: LogOptions = {}): AsyncGenerator<LogLine> {
    const { follow = false, tail, since, signal } = options;
    if (signal?.aborted) return;
    let tty: boolean;
    try {
      tty = (await this.client.api.getContainer(id).inspect()).Config.Tty;
    } catch (e) {
      throw toLbError(e, `logs of container ${id}`);
    }
    let stream: Readable;
    try {
      stream = await dialStream(this.client.stream, {
        path: `/containers/${encodeURIComponent(id)}/logs?`,
        method: 'GET',
        options: {
          follow,
          stdout: true,
          stderr: true,
          timestamps: true,
          tail: tail === undefined ? 'all' : String(Math.max(0, Math.floor(tail))),
          ...(since === undefined ? {} : { since }),
        },
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
      });
    } catch (e) {
      throw toLbError(e, `logs of container ${id}`);
    }
    const decoder = new FrameDecoder(tty);
    const lines = new LogLineAssembler();
    try {
      for await (const chunk of chunksOf(stream, signal)) {
        for (const frame of decoder.push(chunk)) yield* lines.pushFrame(frame, decoder.isRaw);
      }
    } catch (e) {
      throw toLbError(e, `logs of container ${id}`);
    }
    if (signal?.aborted) return;
    for (const frame of decoder.end()) yield* lines.pushFrame(frame, decoder.isRaw);
    yield* lines.end();
  }

  async exec(id: string, command: string[], options: { timeoutSeconds?: number } = {}): Promise<ExecResult> {
    const what = `exec in container ${id}`;
    const container = this.client.stream.getContainer(id);
    let exec;
    try {
      exec = await container.exec({ Cmd: command, AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false });
    } catch (e) {
      throw toLbError(e, what);
    }
    const timeout = new AbortController();
    const timer =
      options.timeoutSeconds === undefined ? undefined : setTimeout(() => timeout.abort(), options.timeoutSeconds * 1000);
    try {
      const output = new OutputCollector();
      try {
        const stream = asReadable(await exec.start({ hijack: true, stdin: false }));
        for await (const chunk of chunksOf(stream, timeout.signal)) output.push(chunk);
      } catch (e) {
        throw toLbError(e, what);
      }
      if (timeout.signal.aborted) {
        throw new LbError('TIMEOUT', `${what}: ${command.join(' ')} did not finish within ${options.timeoutSeconds}s`);
      }
      // The output ends when the process exits; the engine records the exit code a moment later.
      const deadline = Date.now() + EXEC_EXIT_GRACE_MS;
      for (;;) {
        const info = await exec.inspect().catch((e: unknown) => {
          throw toLbError(e, what);
        });
        if (!info.Running && info.ExitCode !== null) return { exitCode: info.ExitCode, ...output.result() };
        if (Date.now() > deadline) throw new LbError('INTERNAL', `${what}: the engine did not report an exit code`);
        await sleep(20);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  execStream(id: string, command: string[], options?: ExecStreamOptions): Promise<ExecSession> {
    return startExecSession(this.client, id, command, options);
  }

  async stats(id: string): Promise<ContainerStats> {
    const what = `stats of container ${id}`;
    const status = await this.inspect(id);
    if (!status) throw new LbError('NOT_FOUND', `${what}: no such container`);
    if (status.state !== 'running') throw new LbError('FAILED_PRECONDITION', `${what}: it is ${status.state}, not running`);
    try {
      // one-shot: the engine answers at once instead of waiting a second for a second sample (so no cpu_percent).
      const raw = (await this.client.api.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false })) as DockerStats;
      return statsFromDocker(raw);
    } catch (e) {
      throw toLbError(e, what);
    }
  }

  /** Docker's bridge network, where containers go without a CNI driver (from IPAM: known without carrier). */
  defaultNetwork(): Promise<RuntimeNetwork | undefined> {
    return defaultBridge(this.client.api);
  }

  async wait(id: string): Promise<number> {
    try {
      const res = (await this.client.stream.getContainer(id).wait()) as { StatusCode: number };
      return res.StatusCode;
    } catch (e) {
      throw toLbError(e, `wait for container ${id}`);
    }
  }

  events(filter: { labels?: Record<string, string> }, signal: AbortSignal): AsyncIterable<ContainerEvent> {
    // Events from the moment of this call on, even if the subscription reaches the engine a little later.
    const since = Math.floor(Date.now()) / 1000;
    return this.eventStream(filter, signal, since);
  }

  private async *eventStream(
    filter: { labels?: Record<string, string> },
    signal: AbortSignal,
    since: number,
  ): AsyncGenerator<ContainerEvent> {
    if (signal.aborted) return;
    let stream: Readable;
    try {
      stream = asReadable(
        await this.client.stream.getEvents({
          since, // fractional seconds: the engine takes "seconds.fraction"
          filters: { type: ['container'], label: labelFilters(filter.labels) },
        }),
      );
    } catch (e) {
      throw toLbError(e, 'container events');
    }
    const splitter = new LineSplitter();
    try {
      for await (const chunk of chunksOf(stream, signal)) {
        for (const line of splitter.push(chunk)) {
          const text = line.toString('utf8').trim();
          if (!text) continue;
          let message: DockerEventMessage;
          try {
            message = JSON.parse(text) as DockerEventMessage;
          } catch {
            this.logger.warn('docker: unparsable event', { text });
            continue;
          }
          const event = toContainerEvent(message);
          if (event) yield event;
        }
      }
    } catch (e) {
      throw toLbError(e, 'container events');
    }
  }
}
