// ContainerRuntime on containerd: container records, snapshots and tasks over its native gRPC API.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  LbError,
  boundedCollector,
  hostsFile,
  resolvConf,
  validateSecurity,
  type ContainerEvent,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ContainerStats,
  type ContainerStatus,
  type CriCapabilities,
  type CriFeatures,
  type DriverInfo,
  type DriverLogger,
  type ExecResult,
  type LogLine,
  type LogOptions,
} from '@lastbackend/sdk';
import type { ContainerdDriverConfig } from './config';
import { ContentStore } from './content';
import { ContainerdDriver } from './engine';
import { GRPC, grpcCode, isAlreadyExists, isNotFound, messageOf, toLbError } from './errors';
import { containerEvents } from './events';
import { FifoPool, FifoReader } from './fifo';
import { jsonAny, timestampToDate, type Any, type Containerd, type Timestamp } from './grpc';
import { containerId, labelFilter } from './ids';
import { ImageStore } from './images';
import { LogCopier, readLogs } from './logs';
import { capabilitySet, processArgs, PROCESS_TYPE_URL, runtimeSpec, SPEC_TYPE_URL, wantedUser, type OciSpec } from './oci-spec';
import { parseReference, type ImageRef } from './reference';
import { cgroupStats } from './stats';
import { removeSnapshot, type SnapshotMount } from './unpack';
import { resolveUser } from './user';

/** Labels the driver keeps for itself on the container record; never shown to the platform. */
const OWN = 'containerd.lastbackend.io/';
const LABEL_NAME = `${OWN}name`;
const LABEL_STARTED = `${OWN}started-at`;
const LABEL_STOP_TIMEOUT = `${OWN}stop-timeout`;
/** The container whose network namespace this one joins (network mode "container"). */
const LABEL_NETWORK_PEER = `${OWN}network-container`;
/** Labels kept for events about containers already deleted; bounded so a long-lived driver does not grow. */
const LABEL_CACHE_MAX = 10_000;

const SIGTERM = 15;
const SIGKILL = 9;
const DEFAULT_STOP_TIMEOUT = 10;
/** How long after an exit the shim may still be copying the process's last output. */
const LOG_SETTLE_MS = 200;

interface ContainerRecord {
  id: string;
  labels: Record<string, string>;
  image: string;
  spec: Any | null;
  snapshotter: string;
  snapshot_key: string;
  created_at: Timestamp | null;
}

type TaskStatus = 'UNKNOWN' | 'CREATED' | 'RUNNING' | 'STOPPED' | 'PAUSED' | 'PAUSING';

interface TaskProcess {
  /** Tasks.List leaves container_id empty and puts the container's id in `id`. */
  container_id: string;
  id: string;
  pid: number;
  status: TaskStatus;
  exit_status: number;
  exited_at: Timestamp | null;
}

const publicLabels = (labels: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith(OWN)));

const TASK_STATES: Record<TaskStatus, ContainerState> = {
  UNKNOWN: 'unknown',
  CREATED: 'created',
  RUNNING: 'running',
  STOPPED: 'exited',
  PAUSED: 'paused',
  PAUSING: 'paused',
};

export function toStatus(c: ContainerRecord, task: TaskProcess | undefined): ContainerStatus {
  const startedAt = c.labels[LABEL_STARTED];
  let state: ContainerState = task ? TASK_STATES[task.status] : startedAt ? 'exited' : 'created';
  if (task?.status === 'CREATED' && startedAt) state = 'created';
  const status: ContainerStatus = {
    id: c.id,
    name: c.labels[LABEL_NAME] ?? c.id,
    image: c.image,
    labels: publicLabels(c.labels),
    state,
  };
  if (startedAt && state !== 'created') status.startedAt = startedAt;
  if (task && task.status === 'STOPPED') {
    status.exitCode = task.exit_status;
    const finished = timestampToDate(task.exited_at);
    if (finished) status.finishedAt = finished.toISOString();
  }
  if (task && task.pid && (task.status === 'RUNNING' || task.status === 'PAUSED' || task.status === 'PAUSING')) {
    status.pid = task.pid;
  }
  return status;
}

export class ContainerdRuntime extends ContainerdDriver implements ContainerRuntime {
  readonly capabilities: CriCapabilities = { exec: true, logsFollow: true, events: true, networkNone: true };
  /** Streaming exec needs a console socket for its tty and a stdin FIFO: not done yet, so refused. */
  readonly features: CriFeatures = { security: true, seccomp: true, pidsLimit: true, execStream: false, stats: true };
  private readonly images: ImageStore;
  private readonly copiers = new Map<string, LogCopier>();
  /** Labels of containers seen, so events about deleted ones can still be filtered. */
  private readonly labelCache = new Map<string, Record<string, string>>();
  /** The re-attach of log copiers after a driver restart; retried until containerd answers. */
  private recovery: Promise<boolean> | undefined;
  /** The FIFOs of tasks and execs, made ahead: a start does not wait for mkfifo processes. */
  private readonly fifos: FifoPool;

  constructor(
    ctd: Containerd,
    private readonly config: ContainerdDriverConfig,
    private readonly stateDir: string,
    about: DriverInfo,
    logger: DriverLogger,
    onDispose?: () => void,
  ) {
    super(ctd, about, logger, onDispose);
    this.images = new ImageStore(ctd, new ContentStore(ctd));
    this.fifos = new FifoPool(join(stateDir, 'fifo-pool'));
    void this.recovered();
  }

  // ------------------------------------------------------------------ files the driver keeps per container

  private dir(id: string): string {
    return join(this.stateDir, 'containers', id);
  }
  private fifo(id: string, stream: 'stdout' | 'stderr'): string {
    return join(this.dir(id), `${stream}.fifo`);
  }
  private logFile(id: string): string {
    return join(this.dir(id), 'log.jsonl');
  }

  /**
   * Re-attaches log copiers to the tasks that outlived the previous driver. Exited ones too: what they wrote while
   * no driver was reading still sits in their pipes.
   */
  private async recover(): Promise<boolean> {
    try {
      const { tasks } = await this.ctd.call<{ tasks: TaskProcess[] }>('tasks', 'List', {});
      for (const t of tasks) {
        const id = t.container_id || t.id;
        if (!this.copiers.has(id) && existsSync(this.fifo(id, 'stdout'))) this.attach(id);
      }
      return true;
    } catch (e) {
      // containerd not up yet (probe() says so): try again on the next call.
      if (grpcCode(e) !== GRPC.UNAVAILABLE) this.logger.warn('containerd: could not re-attach container logs', { error: messageOf(e) });
      return false;
    }
  }

  private async recovered(): Promise<void> {
    this.recovery ??= this.recover();
    if (!(await this.recovery)) this.recovery = undefined;
  }

  private attach(id: string): LogCopier {
    this.copiers.get(id)?.close();
    const copier = new LogCopier(this.fifo(id, 'stdout'), this.fifo(id, 'stderr'), this.logFile(id));
    this.copiers.set(id, copier);
    return copier;
  }

  private detach(id: string): void {
    this.copiers.get(id)?.close();
    this.copiers.delete(id);
  }

  protected override async release(): Promise<void> {
    await this.recovery;
    for (const id of [...this.copiers.keys()]) this.detach(id);
    await this.fifos.close();
  }

  // ------------------------------------------------------------------ containerd look-ups

  private async container(id: string): Promise<ContainerRecord | undefined> {
    try {
      const { container } = await this.ctd.call<{ container: ContainerRecord }>('containers', 'Get', { id });
      this.rememberLabels(id, container.labels);
      return container;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private async mustContainer(id: string, what: string): Promise<ContainerRecord> {
    const c = await this.container(id);
    if (!c) throw new LbError('NOT_FOUND', `${what}: container ${id} not found`);
    return c;
  }

  private async task(id: string, execId = ''): Promise<TaskProcess | undefined> {
    try {
      return (await this.ctd.call<{ process: TaskProcess | null }>('tasks', 'Get', { container_id: id, exec_id: execId })).process ?? undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private async kill(id: string, signal: number, all: boolean, execId = ''): Promise<void> {
    try {
      await this.ctd.call('tasks', 'Kill', { container_id: id, exec_id: execId, signal, all });
    } catch (e) {
      // Already gone or already finished.
      if (!isNotFound(e) && grpcCode(e) !== GRPC.FAILED_PRECONDITION) throw e;
    }
  }

  /** Exit status of a process, or undefined when `timeoutMs` passed first. */
  private async waitExit(id: string, timeoutMs: number, execId = ''): Promise<number | undefined> {
    try {
      const res = await this.ctd.call<{ exit_status: number }>('tasks', 'Wait', { container_id: id, exec_id: execId }, { timeoutMs });
      return res.exit_status;
    } catch (e) {
      // The deadline travels to containerd, which may answer first with its own "context deadline exceeded".
      if (grpcCode(e) === GRPC.DEADLINE_EXCEEDED || /context deadline exceeded/.test(messageOf(e))) return undefined;
      throw e;
    }
  }

  private async deleteTask(id: string): Promise<void> {
    try {
      await this.ctd.call('tasks', 'Delete', { container_id: id });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /**
   * Moves a container's output into its log file. The shim copies the last output of an exited process a moment
   * after the exit is reported, so shortly after an exit this waits that moment out first.
   */
  private async settleLogs(id: string, task: TaskProcess | undefined): Promise<void> {
    const copier = this.copiers.get(id);
    if (!copier) return;
    const exited = task?.status === 'STOPPED';
    const exitedAt = exited ? timestampToDate(task.exited_at)?.getTime() : undefined;
    if (exitedAt !== undefined) {
      const wait = exitedAt + LOG_SETTLE_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, LOG_SETTLE_MS)));
    }
    copier.drain(exited || !task);
  }

  /** The network namespace of a running container, which another one joins. */
  private async peerNetns(peer: string, what: string): Promise<string> {
    const task = await this.task(peer);
    if (!task || task.status !== 'RUNNING') {
      throw new LbError('FAILED_PRECONDITION', `${what}: container ${peer} whose network it joins is not running`);
    }
    return `/proc/${task.pid}/ns/net`;
  }

  /**
   * Points a container that shares another's network at that container's current namespace: the peer may have
   * been restarted (new pid) since this one was created. Docker resolves `container:` at start too.
   */
  private async rejoinPeer(c: ContainerRecord, what: string): Promise<void> {
    const peer = c.labels[LABEL_NETWORK_PEER];
    if (!peer || !c.spec) return;
    const netns = await this.peerNetns(peer, what);
    const oci = JSON.parse(c.spec.value.toString('utf8')) as OciSpec;
    const ns = oci.linux.namespaces.find((n) => n.type === 'network');
    if (!ns || ns.path === netns) return;
    ns.path = netns;
    await this.ctd.call('containers', 'Update', {
      container: { id: c.id, spec: jsonAny(SPEC_TYPE_URL, oci) },
      update_mask: { paths: ['spec'] },
    });
  }

  private rememberLabels(id: string, labels: Record<string, string>): void {
    this.labelCache.delete(id);
    this.labelCache.set(id, publicLabels(labels));
    if (this.labelCache.size > LABEL_CACHE_MAX) {
      const oldest = this.labelCache.keys().next().value;
      if (oldest !== undefined) this.labelCache.delete(oldest);
    }
  }

  // ------------------------------------------------------------------ ContainerRuntime

  async create(spec: ContainerSpec): Promise<ContainerStatus> {
    const id = containerId(spec.name);
    const what = `create container ${spec.name}`;
    try {
      validateSecurity(spec);
      capabilitySet(spec.security); // refuses an unknown capability before anything is made
      const existing = await this.container(id);
      if (existing) return toStatus(existing, await this.task(id));

      let ref: ImageRef;
      try {
        ref = parseReference(spec.image);
      } catch (e) {
        throw new LbError('INVALID_ARGUMENT', `${what}: ${(e as Error).message}`);
      }
      const record = await this.images.get(ref.name);
      if (!record) throw new LbError('NOT_FOUND', `${what}: image ${spec.image} not found (pull it first)`);
      const image = await this.images.resolve(record);
      const top = image.chain[image.chain.length - 1];

      const peer = spec.network.mode === 'container' ? containerId(spec.network.container) : undefined;
      const netns = peer ? await this.peerNetns(peer, what) : undefined;

      const dir = this.dir(id);
      await mkdir(dir, { recursive: true });
      // A valid host name (container ids may hold '_'), short like Docker's: 12 hex digits from the id.
      const hostname = createHash('sha256').update(id).digest('hex').slice(0, 12);
      const etc = { resolvConf: join(dir, 'resolv.conf'), hosts: join(dir, 'hosts'), hostname: join(dir, 'hostname') };
      const hostResolv = existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf', 'utf8') : '';
      await writeFile(etc.resolvConf, resolvConf(spec.dns, hostResolv));
      await writeFile(etc.hosts, hostsFile(hostname));
      await writeFile(etc.hostname, `${hostname}\n`);
      if (!processArgs(spec, image.config).length) throw new LbError('INVALID_ARGUMENT', `${what}: no command, and the image has none`);

      const labels: Record<string, string> = { ...spec.labels, [LABEL_NAME]: spec.name };
      if (spec.stopTimeout !== undefined) labels[LABEL_STOP_TIMEOUT] = String(spec.stopTimeout);
      if (peer) labels[LABEL_NETWORK_PEER] = peer;

      // The lease keeps the fresh snapshot from the GC until the container record references it.
      const lease = `lastbackend-create-${randomBytes(8).toString('hex')}`;
      let created: ContainerRecord | undefined;
      await this.ctd.call('leases', 'Create', { id: lease, labels: { 'containerd.io/gc.expire': new Date(Date.now() + 600_000).toISOString() } });
      try {
        let mounts: SnapshotMount[];
        try {
          ({ mounts } = await this.ctd.call<{ mounts: SnapshotMount[] }>('snapshots', 'Prepare', { snapshotter: this.config.snapshotter, key: id, parent: top }, { lease }));
        } catch (e) {
          if (!isAlreadyExists(e)) throw e; // left over by a create that failed half way: reuse it
          ({ mounts } = await this.ctd.call<{ mounts: SnapshotMount[] }>('snapshots', 'Mounts', { snapshotter: this.config.snapshotter, key: id }));
        }
        try {
          // The spec's user, else the image's (root only when it names none, as Docker does); a user name is the
          // image's to define: looked up in the container's own /etc/passwd.
          const wanted = wantedUser(spec, image.config);
          const user = wanted ? await resolveUser(wanted, mounts) : undefined;
          const oci = runtimeSpec({ id, namespace: this.config.namespace, hostname, spec, image: image.config, etc, netns, user });
          ({ container: created } = await this.ctd.call<{ container: ContainerRecord }>('containers', 'Create', {
            container: {
              id,
              labels,
              image: record.name,
              runtime: { name: this.config.runtime },
              spec: jsonAny(SPEC_TYPE_URL, oci),
              snapshotter: this.config.snapshotter,
              snapshot_key: id,
            },
          }, { lease }));
        } catch (e) {
          if (!isAlreadyExists(e)) {
            await removeSnapshot(this.ctd, this.config.snapshotter, id).catch(() => undefined);
            throw e;
          }
        }
      } finally {
        await this.ctd.call('leases', 'Delete', { id: lease }).catch(() => undefined);
      }
      if (created) this.rememberLabels(id, created.labels);
      return toStatus(created ?? (await this.mustContainer(id, what)), undefined);
    } catch (e) {
      throw toLbError(e, what);
    }
  }

  async start(idOrName: string): Promise<void> {
    const id = containerId(idOrName);
    const what = `start container ${idOrName}`;
    try {
      await this.recovered();
      const c = await this.mustContainer(id, what);
      const existing = await this.task(id);
      if (existing && (existing.status === 'RUNNING' || existing.status === 'PAUSED' || existing.status === 'PAUSING')) return;
      if (existing) {
        this.copiers.get(id)?.drain(true);
        await this.deleteTask(id);
      }
      await this.rejoinPeer(c, what);
      await mkdir(this.dir(id), { recursive: true });
      await this.fifos.make(this.fifo(id, 'stdout'), this.fifo(id, 'stderr'));
      this.attach(id);
      const { mounts } = await this.ctd.call<{ mounts: SnapshotMount[] }>('snapshots', 'Mounts', {
        snapshotter: c.snapshotter,
        key: c.snapshot_key,
      });
      await this.ctd.call(
        'tasks',
        'Create',
        { container_id: id, rootfs: mounts, stdout: this.fifo(id, 'stdout'), stderr: this.fifo(id, 'stderr') },
        { timeoutMs: 60_000 },
      );
      const startedAt = new Date().toISOString();
      try {
        await this.ctd.call('tasks', 'Start', { container_id: id });
      } catch (e) {
        await this.deleteTask(id).catch(() => undefined);
        throw e;
      }
      await this.ctd.call('containers', 'Update', {
        container: { id, labels: { [LABEL_STARTED]: startedAt } },
        update_mask: { paths: [`labels.${LABEL_STARTED}`] },
      });
    } catch (e) {
      throw toLbError(e, what);
    }
  }

  async stop(idOrName: string, timeoutSeconds?: number): Promise<void> {
    const id = containerId(idOrName);
    const what = `stop container ${idOrName}`;
    try {
      const c = await this.container(id);
      if (!c) return;
      const task = await this.task(id);
      if (!task || task.status === 'STOPPED') return;
      const timeout = timeoutSeconds ?? (Number(c.labels[LABEL_STOP_TIMEOUT]) || DEFAULT_STOP_TIMEOUT);
      const exited = this.waitExit(id, Math.max(1, timeout) * 1000);
      exited.catch(() => undefined);
      await this.kill(id, SIGTERM, false);
      if ((await exited) === undefined) {
        await this.kill(id, SIGKILL, true);
        await this.waitExit(id, 30_000);
      }
      await this.settleLogs(id, await this.task(id));
    } catch (e) {
      throw toLbError(e, what);
    }
  }

  async remove(idOrName: string): Promise<void> {
    const id = containerId(idOrName);
    const what = `remove container ${idOrName}`;
    try {
      await this.recovered();
      const c = await this.container(id);
      const task = await this.task(id);
      if (task && task.status !== 'STOPPED') {
        await this.kill(id, SIGKILL, true);
        await this.waitExit(id, 30_000);
      }
      if (task) await this.deleteTask(id);
      this.detach(id);
      if (c) {
        try {
          await this.ctd.call('containers', 'Delete', { id });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        await removeSnapshot(this.ctd, c.snapshotter, c.snapshot_key);
      }
      await rm(this.dir(id), { recursive: true, force: true });
    } catch (e) {
      throw toLbError(e, what);
    }
  }

  async inspect(idOrName: string): Promise<ContainerStatus | null> {
    const id = containerId(idOrName);
    try {
      const c = await this.container(id);
      return c ? toStatus(c, await this.task(id)) : null;
    } catch (e) {
      throw toLbError(e, `inspect container ${idOrName}`);
    }
  }

  async list(filter: { labels?: Record<string, string>; all?: boolean } = {}): Promise<ContainerStatus[]> {
    try {
      const filters = filter.labels && Object.keys(filter.labels).length ? [labelFilter(filter.labels)] : [];
      const { containers } = await this.ctd.call<{ containers: ContainerRecord[] }>('containers', 'List', { filters });
      const { tasks } = await this.ctd.call<{ tasks: TaskProcess[] }>('tasks', 'List', {});
      const byId = new Map(tasks.map((t) => [t.container_id || t.id, t]));
      const out: ContainerStatus[] = [];
      for (const c of containers) {
        this.rememberLabels(c.id, c.labels);
        const status = toStatus(c, byId.get(c.id));
        if (filter.all || status.state === 'running') out.push(status);
      }
      return out;
    } catch (e) {
      throw toLbError(e, 'list containers');
    }
  }

  async *logs(idOrName: string, options: LogOptions = {}): AsyncIterable<LogLine> {
    const id = containerId(idOrName);
    const what = `logs of container ${idOrName}`;
    try {
      await this.recovered();
      await this.mustContainer(id, what);
      await this.settleLogs(id, await this.task(id));
    } catch (e) {
      throw toLbError(e, what);
    }
    const alive = async (): Promise<boolean> => (await this.container(id).catch(() => undefined)) !== undefined;
    yield* readLogs(this.logFile(id), options, alive);
  }

  async wait(idOrName: string): Promise<number> {
    const id = containerId(idOrName);
    const what = `wait for container ${idOrName}`;
    try {
      await this.mustContainer(id, what);
      if (!(await this.task(id))) throw new LbError('FAILED_PRECONDITION', `${what}: it was never started`);
      const code = (await this.waitExit(id, 0)) ?? -1;
      await this.settleLogs(id, await this.task(id));
      return code;
    } catch (e) {
      throw toLbError(e, what);
    }
  }

  /** A running container's OCI spec and task, or why there is none. */
  private async running(id: string, what: string) {
    const c = await this.mustContainer(id, what);
    const task = await this.task(id);
    if (!task || task.status !== 'RUNNING') throw new LbError('FAILED_PRECONDITION', `${what}: it is not running`);
    if (!c.spec) throw new LbError('INTERNAL', `${what}: the container has no runtime spec`);
    const oci = JSON.parse(c.spec.value.toString('utf8')) as OciSpec;
    return { oci, task };
  }

  async exec(idOrName: string, command: string[], options: { timeoutSeconds?: number } = {}): Promise<ExecResult> {
    const id = containerId(idOrName);
    const what = `exec in container ${idOrName}`;
    try {
      const { oci } = await this.running(id, what);
      return await this.runExec(id, { ...oci.process, args: command, terminal: false }, options.timeoutSeconds, what);
    } catch (e) {
      throw toLbError(e, what);
    }
  }

  async stats(idOrName: string): Promise<ContainerStats> {
    const id = containerId(idOrName);
    const what = `stats of container ${idOrName}`;
    try {
      const { oci, task } = await this.running(id, what);
      return await cgroupStats(oci.linux.cgroupsPath, task.pid);
    } catch (e) {
      throw toLbError(e, what);
    }
  }

  private async runExec(id: string, process: OciSpec['process'], timeoutSeconds: number | undefined, what: string): Promise<ExecResult> {
    const execId = `exec-${randomBytes(6).toString('hex')}`;
    const paths = { stdout: join(this.dir(id), `${execId}.out`), stderr: join(this.dir(id), `${execId}.err`) };
    await mkdir(this.dir(id), { recursive: true });
    await this.fifos.make(paths.stdout, paths.stderr);
    // Bounded: the readers keep draining the FIFOs (the process never blocks on a full pipe), the collector
    // keeps the first EXEC_OUTPUT_LIMIT bytes of each.
    const output = boundedCollector();
    const readers = [new FifoReader(paths.stdout, (b) => output.push('stdout', b)), new FifoReader(paths.stderr, (b) => output.push('stderr', b))];
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.ctd.call('tasks', 'Exec', {
        container_id: id,
        exec_id: execId,
        stdout: paths.stdout,
        stderr: paths.stderr,
        terminal: false,
        spec: jsonAny(PROCESS_TYPE_URL, process),
      });
      try {
        await this.ctd.call('tasks', 'Start', { container_id: id, exec_id: execId });
      } catch (e) {
        // The command could not be started (e.g. not found): report it as the shell would.
        if (grpcCode(e) === GRPC.UNAVAILABLE) throw e;
        return { exitCode: 126, stdout: '', stderr: `${messageOf(e)}\n` };
      }
      let timedOut = false;
      const exited = this.waitExit(id, 0, execId);
      const limit =
        timeoutSeconds === undefined
          ? undefined
          : new Promise<undefined>((resolve) => {
              timer = setTimeout(() => {
                timedOut = true;
                resolve(undefined);
              }, timeoutSeconds * 1000);
            });
      const code = await (limit ? Promise.race([exited, limit]) : exited);
      if (timedOut || code === undefined) {
        await this.kill(id, SIGKILL, false, execId);
        await exited.catch(() => undefined);
        throw new LbError('TIMEOUT', `${what}: ${process.args.join(' ')} did not finish within ${timeoutSeconds}s`);
      }
      // The shim finishes copying an exec's output only when the process is deleted (it waits up to 2 s for it).
      await this.ctd.call('tasks', 'DeleteProcess', { container_id: id, exec_id: execId }).catch(() => undefined);
      for (const r of readers) r.drain();
      return { exitCode: code, ...output.result() };
    } finally {
      clearTimeout(timer);
      for (const r of readers) r.close();
      await this.ctd.call('tasks', 'DeleteProcess', { container_id: id, exec_id: execId }).catch(() => undefined);
      await unlink(paths.stdout).catch(() => undefined);
      await unlink(paths.stderr).catch(() => undefined);
    }
  }

  events(filter: { labels?: Record<string, string> }, signal: AbortSignal): AsyncIterable<ContainerEvent> {
    const labelsOf = async (id: string, action: ContainerEvent['action']): Promise<Record<string, string> | undefined> => {
      if (action === 'destroy') {
        const labels = this.labelCache.get(id);
        this.labelCache.delete(id);
        return labels;
      }
      const cached = this.labelCache.get(id);
      if (cached) return cached;
      const c = await this.container(id).catch(() => undefined);
      return c ? publicLabels(c.labels) : undefined;
    };
    return containerEvents(this.ctd, labelsOf, filter, signal);
  }
}
