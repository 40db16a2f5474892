// Brings one pod's containers to what its spec says and tells what they are: create missing ones,
// start created ones, apply the restart policy to exited ones, run probes. Running containers that
// match their spec are adopted as they are, which is what makes an agent restart harmless.
import {
  LABEL_SPEC_HASH,
  ciiFeatures,
  criFeatures,
  type ContainerManifest,
  type ContainerSpec,
  type ContainerRuntime,
  type ContainerStatus,
  type ImageService,
  type NetworkDriver,
  type ProxyDriver,
  type StorageDriver,
  type Mount,
  type KernelHooks,
  type Pod,
  type PodContainerStatus,
  type PodStatus,
  type PullProgress,
} from '@lastbackend/sdk';
import { existsSync } from 'node:fs';
import type { Logger } from '../kernel/logger';
import { containerRestarts } from '../metrics/metrics';
import { assertNonRoot, checkSpec, containerName, containerSecurity, containerSpec, withSpecHash } from './container-spec';
import type { AgentEvent, EmitEvent } from './event-reporter';
import { ProbeState } from './probes';
import { PullTally, pullMessage, type PullTotals } from './pull-progress';
import { deployTrace } from '../util/deploy-trace';
import { Slots } from '../util/slots';
import { Throttle } from '../util/throttle';

/** A pull that failed: reported as PullFailed, not as a container failure too. */
class PullError extends Error {}

export interface PodDrivers {
  cri: ContainerRuntime;
  cii: ImageService;
  /** Programs the service VIP table on this node. */
  cpi?: ProxyDriver;
  /** Volumes, and secrets/configs as files. */
  csi?: StorageDriver;
  /** With a CNI driver, pods get their network from it instead of the runtime's default one. */
  cni?: NetworkDriver;
}

interface ContainerRuntimeState {
  restarts: number;
  /** No restart before this time (crash-loop back-off), ms since epoch. */
  backoffUntil: number;
  readiness?: ProbeState;
  liveness?: ProbeState;
  error?: string;
  pulling?: boolean;
  /** Bytes pulled so far, while pulling, when the image service reports progress. */
  pull?: PullTotals;
  /** It exited and waits for its next restart (crash-loop back-off). */
  backingOff?: boolean;
}

/** At most one status report a second per pod while its images are pulled (the last always goes). */
export const INTERIM_REPORT_MS = 1000;

const MAX_BACKOFF_MS = 60_000;
/**
 * How long a container's create and start may hold one of the node's start slots: an engine that never answers
 * must not hold back the node's other starts (the start itself goes on).
 */
const START_SLOT_HOLD_MS = 60_000;
const RESTARTS = containerRestarts.labels();

/** Crash-loop back-off after `restarts` restarts: 1 s, 2 s, 4 s … up to a minute. */
const backoffMs = (restarts: number): number => Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(restarts - 1, 6));

/** Runtimes already named in the log for running containers without some of the defaults. */
const warned = new WeakSet<object>();

/** Says once per runtime which defaults it cannot honour: never a silent gap (restricted pods are refused outright). */
function warnWithoutDefaults(cri: ContainerRuntime, features: ReturnType<typeof criFeatures>, log: Logger): void {
  const missing = (['security', 'seccomp', 'pidsLimit'] as const).filter((f) => !features[f]);
  if (!missing.length || warned.has(cri)) return;
  warned.add(cri);
  log.warn(
    `the container runtime "${cri.info().name}" cannot honour ${missing.join(', ')}: containers of baseline and privileged namespaces run without those defaults, and pods of restricted namespaces are refused`,
  );
}

export class PodRunner {
  private readonly containers = new Map<string, ContainerRuntimeState>();
  private vetoed?: string;
  /** Address the CNI driver gave the pod. */
  private podIp = '';
  private created = false;
  /** The state of the last status, so Ready is reported when the pod becomes ready, once. */
  private lastState: PodStatus['state'];
  /** Killing is reported once, however often the destroy runs again. */
  private stopping = false;
  /** What the sync in flight has observed so far (the interim status shows it). */
  private observing: (ContainerStatus | null)[] = [];
  /** Status reports during a sync (a pull's progress), throttled; the sync's own result supersedes them. */
  private readonly interimReports?: Throttle<PodStatus>;
  pod: Pod;

  private event(type: AgentEvent['type'], reason: string, message: string): void {
    this.emit({ component: 'agent', object: { kind: 'Pod', namespace: this.pod.meta.namespace, name: this.pod.meta.name }, type, reason, message });
  }

  constructor(
    pod: Pod,
    private readonly node: string,
    private readonly hostIp: string,
    private readonly drivers: () => PodDrivers,
    private readonly hooks: KernelHooks,
    private readonly log: Logger,
    private readonly resolver: (ns: string) => ContainerSpec['dns'] = () => undefined,
    private readonly refs: (kind: 'secret' | 'config', ns: string, name: string) => Promise<Record<string, string>> = async (kind, _ns, name) => {
      throw new Error(`${kind} "${name}": this agent cannot read secrets or configs`);
    },
    /** The pids limit every container gets (node.pids_limit). */
    private readonly pidsLimit?: number,
    /** Where the pod's events go (Pulling, Created, Started, Ready, BackOff, …). */
    private readonly emit: EmitEvent = () => undefined,
    /** Where the status goes while a sync is still running (pulling, with the bytes so far). */
    interim?: (status: PodStatus) => void,
    /** The node's container create-and-start slots, shared by its pods. */
    private readonly starts: Slots = new Slots(Number.MAX_SAFE_INTEGER),
  ) {
    this.pod = pod;
    if (interim) this.interimReports = new Throttle(INTERIM_REPORT_MS, interim);
    this.lastState = pod.status.state;
    // Restart counters continue from what was reported before (an agent restart never lowers them).
    for (const c of pod.status.containers) this.state(c.name).restarts = c.restarts;
  }

  private state(name: string): ContainerRuntimeState {
    let s = this.containers.get(name);
    if (!s) this.containers.set(name, (s = { restarts: 0, backoffUntil: 0 }));
    return s;
  }

  /** Converges the containers and returns the pod's status. */
  async sync(): Promise<PodStatus> {
    try {
      return await this.converge();
    } finally {
      this.interimReports?.cancel();
    }
  }

  /** The status as far as the sync in flight got, to the interim reports. */
  private reportInterim(): void {
    this.interimReports?.push(this.status(this.observing));
  }

  private async converge(): Promise<PodStatus> {
    if (this.vetoed) return this.status([]);
    if (!this.created) {
      const veto = await this.hooks.beforePodCreate.promise(this.pod);
      if (veto) {
        this.vetoed = veto;
        this.event('warning', 'Failed', `vetoed: ${veto}`);
        this.log.warn(`pod ${this.pod.meta.namespace}/${this.pod.meta.name} vetoed: ${veto}`);
        return this.status([]);
      }
    }
    const observed: (ContainerStatus | null)[] = (this.observing = []);
    let first: ContainerStatus | null = null;
    for (const [i, c] of this.pod.spec.template.containers.entries()) {
      const st = this.state(c.name);
      let cur: ContainerStatus | null = null;
      try {
        const network =
          i > 0 && first ? ({ mode: 'container', container: first.id } as const) : this.drivers().cni ? ({ mode: 'none' } as const) : ({ mode: 'default' } as const);
        cur = await this.ensure(c, st, network);
        st.error = undefined;
      } catch (e) {
        st.error = (e as Error).message;
        if (!(e instanceof PullError)) this.event('warning', 'Failed', `container ${c.name}: ${st.error}`);
        this.log.warn(`pod ${this.pod.meta.namespace}/${this.pod.meta.name} container ${c.name}: ${st.error}`);
      }
      if (i === 0) first = cur;
      observed.push(cur);
    }
    if ((await this.attachNetwork(first)) === 'exited' && first) {
      // Seen running a moment ago, gone now: its status is the exit, never a ready pod. The runtime notices
      // a moment after the process is gone; its record carries the exit code, so it is worth a short wait.
      const now = await this.exitOf(first.id);
      observed[0] = now ?? { ...first, state: 'exited' };
    }
    if (!this.created && observed.every(Boolean)) {
      this.created = true;
      void this.hooks.podCreated.promise(this.pod).catch(() => undefined);
    }
    const status = this.status(observed);
    if (status.state === 'ready' && this.lastState !== 'ready') this.event('normal', 'Ready', 'every container is running and ready');
    this.lastState = status.state;
    return status;
  }

  /** The pod's address as this node reaches it (what port-forward connects to), '' while it has none. */
  async address(): Promise<string> {
    if (this.drivers().cni) return this.podIp;
    const first = this.pod.spec.template.containers[0];
    const cur = first ? await this.drivers().cri.inspect(containerName(this.pod.meta.namespace, this.pod.meta.name, first.name)) : null;
    return cur?.state === 'running' ? (cur.ip ?? '') : '';
  }

  /** The runtime's record of a container whose process is gone, once it has noticed (up to ~1 s); null if it has not. */
  private async exitOf(id: string): Promise<ContainerStatus | null> {
    for (let i = 0; i < 10; i++) {
      const now = await this.drivers().cri.inspect(id).catch(() => null);
      if (now && now.state !== 'running') return now;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  }

  /** Plumbs the pod's network namespace (that of its first container) through the CNI driver; 'exited' when its process is gone. */
  private async attachNetwork(first: ContainerStatus | null): Promise<'exited' | void> {
    const cni = this.drivers().cni;
    if (!cni || first?.state !== 'running' || !first.pid) return;
    try {
      this.podIp = (await cni.attach({ namespace: this.pod.meta.namespace, pod: this.pod.meta.name, netns: `/proc/${first.pid}/ns/net` })).ip;
      deployTrace('cni.attached', `${this.pod.meta.namespace}/${this.pod.meta.service}`);
    } catch (e) {
      // A container that exited meanwhile (a crash loop) has no namespace to plumb: its exit is the news, and
      // the next start attaches again.
      // (The runtime may not have noticed the exit yet: the process being gone is what counts. An exited
      // process not yet reaped still has /proc/PID but no namespaces: its netns is what tells.)
      if (existsSync(`/proc/${first.pid}/ns/net`)) this.state(this.pod.spec.template.containers[0].name).error = `network: ${(e as Error).message}`;
      else {
        this.log.debug(`network of ${this.pod.meta.name} not attached: its container exited meanwhile`);
        return 'exited';
      }
    }
  }

  private async ensure(c: ContainerManifest, st: ContainerRuntimeState, network: Parameters<typeof containerSpec>[3]): Promise<ContainerStatus | null> {
    const { cri } = this.drivers();
    const dns = this.resolver(this.pod.meta.namespace);
    const resolved = { env: await this.resolveEnv(c), mounts: await this.resolveMounts(c) };
    const features = criFeatures(cri);
    warnWithoutDefaults(cri, features, this.log);
    const security = containerSecurity(c, features, this.pod.spec.policy, this.pidsLimit);
    const base = { ...containerSpec(this.pod, c, this.node, network, resolved), ...(dns ? { dns } : {}), ...(security ? { security } : {}) };
    const spec = withSpecHash(await this.hooks.podSpec.promise(base, this.pod));
    checkSpec(cri, spec);
    st.backingOff = false;
    const traceKey = `${this.pod.meta.namespace}/${this.pod.meta.service}`;
    let cur = await cri.inspect(spec.name);
    deployTrace('rt.inspect', traceKey);
    if (cur && cur.labels[LABEL_SPEC_HASH] !== spec.labels[LABEL_SPEC_HASH]) {
      this.log.info(`container ${spec.name} differs from its spec: recreating`);
      await cri.remove(cur.id);
      cur = null;
    }
    // Creating and starting are the engine's work, a few containers at a time per node (node.parallel_starts):
    // more at once finish no sooner in total and keep every pod of a large deploy waiting until near the end.
    let giveBack: (() => void) | undefined;
    const slot = {
      holdMs: START_SLOT_HOLD_MS,
      onExpire: () =>
        this.log.warn(`pod ${this.pod.meta.namespace}/${this.pod.meta.name} container ${c.name}: create/start not done after ${START_SLOT_HOLD_MS / 1000} s: its start slot is given back, the start goes on`),
    };
    try {
      if (!cur) {
        // A task's container runs once per attempt: one the server saw run and that is gone now (removed while
        // this agent fenced itself, before a restart of it) is never made again here; the attempt fails and the
        // job controller makes a new pod, if retries are left.
        const reported = this.pod.meta.task ? this.pod.status.containers.find((x) => x.name === c.name) : undefined;
        if (reported && (reported.started || reported.state === 'running' || reported.state === 'exited'))
          throw new Error(`task container ${c.name} ran on this node and is gone: an attempt never runs twice`);
        await this.ensureImage(c, st);
        deployTrace('rt.image', traceKey);
        if (c.security?.run_as_non_root) assertNonRoot(c, c.image.name, (await this.drivers().cii.inspect(c.image.name))?.user);
        giveBack = await this.starts.acquire(slot);
        cur = await cri.create(spec);
        deployTrace('rt.create', traceKey);
        this.event('normal', 'Created', `created container ${c.name}`);
      }
      if (cur.state === 'created') {
        giveBack ??= await this.starts.acquire(slot);
        await cri.start(cur.id);
        giveBack();
        deployTrace('rt.start', traceKey);
        this.event('normal', 'Started', `started container ${c.name}`);
        const started = await cri.inspect(cur.id);
        deployTrace('rt.inspected', traceKey);
        return started;
      }
    } finally {
      giveBack?.();
    }
    if (cur.state === 'exited' || cur.state === 'dead') {
      if (!this.shouldRestart(c, st, cur)) return cur;
      // The wait also counts from when the container exited, with the restart counter the pod reported:
      // a restarted agent (which forgets its timers) does not restart a crash-looping container at once.
      const exited = cur.finishedAt ? Date.parse(cur.finishedAt) : NaN;
      const until = Math.max(st.backoffUntil, st.restarts > 0 && Number.isFinite(exited) ? exited + backoffMs(st.restarts) : 0);
      if (Date.now() < until) {
        this.event('warning', 'BackOff', `back-off restarting container ${c.name}: it exited with code ${cur.exitCode ?? 'unknown'}`);
        st.backingOff = true;
        return cur;
      }
      st.restarts++;
      RESTARTS.inc();
      st.backoffUntil = Date.now() + backoffMs(st.restarts);
      this.log.info(`restarting ${spec.name} (exit ${cur.exitCode}, restart ${st.restarts})`);
      try {
        await cri.start(cur.id);
      } catch (e) {
        // An engine restart can leave a container that never starts again ("task … already exists": its
        // old task outlived the daemon). A fresh container of the same spec takes its place.
        this.log.warn(`restarting ${spec.name} failed (${(e as Error).message}): replacing the container`);
        await cri.remove(cur.id);
        cur = await cri.create(spec);
        await cri.start(cur.id);
      }
      this.event('normal', 'Started', `started container ${c.name}`);
      return cri.inspect(cur.id);
    }
    return cur;
  }

  /** Env vars that come from secrets and configs. */
  private async resolveEnv(c: ContainerManifest): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const e of c.env) {
      const kind = e.secret ? 'secret' : e.config ? 'config' : undefined;
      const ref = e.secret ?? e.config;
      if (!kind || !ref) continue;
      const data = await this.refs(kind, this.pod.meta.namespace, ref.name);
      if (!(ref.key in data)) throw new Error(`env ${e.name}: ${kind} "${ref.name}" has no key "${ref.key}"`);
      env[e.name] = data[ref.key];
    }
    return env;
  }

  /**
   * Host paths for the container's volumes: CSI volumes, and secrets/configs written as files. Both are published
   * for this pod: the CSI driver pins what it checked (a path string checked now and mounted later could be
   * swapped for a symlink by another container in between) and releases it with the pod.
   */
  private async resolveMounts(c: ContainerManifest): Promise<Mount[]> {
    const mounts: Mount[] = [];
    const ns = this.pod.meta.namespace;
    const pod = { namespace: ns, pod: this.pod.meta.name };
    for (const m of c.volumes) {
      const v = this.pod.spec.template.volumes.find((x) => x.name === m.name);
      if (!v) throw new Error(`volume "${m.name}" is not declared in the pod template`);
      const csi = this.drivers().csi;
      if (!csi) throw new Error(`volume "${m.name}" needs a CSI driver (drivers.csi in the node's config)`);
      let source: string;
      if (v.volume) {
        const ref = { namespace: ns, name: v.volume.name };
        await csi.create(ref, {});
        source = await csi.path(ref, m.sub_path, pod);
      } else if (v.secret) source = await csi.putFiles({ namespace: ns, name: `secret-${v.secret.name}` }, await this.refs('secret', ns, v.secret.name), pod);
      else if (v.config) source = await csi.putFiles({ namespace: ns, name: `config-${v.config.name}` }, await this.refs('config', ns, v.config.name), pod);
      else throw new Error(`volume "${m.name}" names no volume, secret or config`);
      // Secrets and configs are files the platform owns: always read-only in the container.
      mounts.push({ source, target: m.path, readonly: m.readonly || !v.volume });
    }
    return mounts;
  }

  private shouldRestart(c: ContainerManifest, st: ContainerRuntimeState, cur: ContainerStatus): boolean {
    switch (c.restart.policy) {
      case 'always':
        return true;
      case 'on-failure':
        return cur.exitCode !== 0 && (c.restart.attempts === undefined || st.restarts < c.restart.attempts);
      case 'never':
        return false;
    }
  }

  private async ensureImage(c: ContainerManifest, st: ContainerRuntimeState): Promise<void> {
    const { cii } = this.drivers();
    const ref = c.image.name;
    if (c.image.policy !== 'always' && (await cii.inspect(ref))) return;
    if (c.image.policy === 'never') {
      const msg = `image ${ref} is not present and its policy is "never"`;
      this.event('warning', 'PullFailed', msg);
      throw new PullError(msg);
    }
    // A Secret of type auth (username, password, optional server) signs in to a private registry.
    const auth = c.image.secret ? await this.refs('secret', this.pod.meta.namespace, c.image.secret) : undefined;
    st.pulling = true;
    st.pull = undefined;
    const t = Date.now();
    this.event('normal', 'Pulling', `pulling image ${ref}`);
    this.reportInterim();
    // Progress comes from a runtime that reports it (not over IPC from an out-of-process driver).
    const tally = ciiFeatures(cii).pullProgress ? new PullTally() : undefined;
    const onProgress =
      tally &&
      ((p: PullProgress) => {
        tally.fold(p);
        const totals = tally.totals();
        if (totals.current === st.pull?.current && totals.total === st.pull.total) return;
        st.pull = totals;
        this.reportInterim();
      });
    try {
      await cii.pull(ref, auth && { username: auth.username, password: auth.password, ...(auth.server ? { server: auth.server } : {}) }, onProgress ? { onProgress } : undefined);
      this.event('normal', 'Pulled', `pulled image ${ref} in ${((Date.now() - t) / 1000).toFixed(1)}s`);
    } catch (e) {
      const msg = `pull ${ref}: ${(e as Error).message}`;
      this.event('warning', 'PullFailed', msg);
      throw new PullError(msg);
    } finally {
      st.pulling = false;
      st.pull = undefined;
    }
  }

  /** Runs due probes; restarts a container whose liveness failed. Resolves true when a verdict changed. */
  async probe(): Promise<boolean> {
    const { cri } = this.drivers();
    let changed = false;
    const now = Date.now();
    for (const c of this.pod.spec.template.containers) {
      const st = this.state(c.name);
      for (const p of [st.readiness, st.liveness]) {
        if (!p || !(await p.tick(now, cri))) continue;
        changed = true;
        if (!p.ok) this.event('warning', 'Unhealthy', `${p.kind} probe of container ${c.name} failed ${p.spec.failure_threshold} time(s) in a row`);
      }
      if (st.liveness && !st.liveness.ok) {
        const name = containerName(this.pod.meta.namespace, this.pod.meta.name, c.name);
        this.event('normal', 'Killing', `stopping container ${c.name}: its liveness probe failed (restart policy ${c.restart.policy})`);
        this.log.warn(`liveness probe of ${name} failed: stopping it (restart policy ${c.restart.policy})`);
        await cri.stop(name, this.pod.spec.template.termination);
        st.liveness = undefined;
        st.readiness = undefined;
        changed = true;
      }
    }
    return changed;
  }

  private status(observed: (ContainerStatus | null)[]): PodStatus {
    const ip = this.drivers().cni ? this.podIp : (observed[0]?.ip ?? '');
    const containers: PodContainerStatus[] = this.pod.spec.template.containers.map((c, i) => {
      const cur = observed[i];
      const st = this.state(c.name);
      if (cur?.state === 'running') this.attachProbes(c, st, cur, ip);
      const running = cur?.state === 'running';
      const ready = running && (st.readiness?.ok ?? true);
      const exited = !!cur && (cur.state === 'exited' || cur.state === 'dead');
      return {
        name: c.name,
        ...(cur ? { id: cur.id } : {}),
        image: c.image.name,
        state: st.error ? 'error' : st.pulling ? 'pulling' : cur ? containerState(cur) : 'pending',
        ready,
        restarts: st.restarts,
        ...(cur?.exitCode !== undefined && cur.state !== 'running' ? { exit_code: cur.exitCode } : {}),
        message: st.error ?? containerMessage(c, st, running && !ready, exited ? cur.exitCode : undefined),
        ...(cur?.startedAt ? { started: cur.startedAt } : {}),
        ...(exited && cur?.finishedAt ? { finished: cur.finishedAt } : {}),
        ...(!st.error && st.pulling && st.pull ? { pull: { ...st.pull } } : {}),
      };
    });
    const running = containers.length > 0 && containers.every((c) => c.state === 'running');
    const ready = running && containers.every((c) => c.ready);
    const failed = containers.find((c) => c.state === 'error' || (c.state === 'exited' && c.exit_code !== 0));
    const completed = containers.length > 0 && containers.every((c) => c.state === 'exited' && c.exit_code === 0);
    const state: PodStatus['state'] = this.vetoed
      ? 'error'
      : ready
        ? 'ready'
        : failed
          ? 'error'
          : running || completed
            ? 'not-ready'
            : 'provisioning';
    const message = this.vetoed
      ? `vetoed: ${this.vetoed}`
      : failed
        ? `${failed.name}: ${failed.message || `exited with code ${failed.exit_code}`}`
        : completed
          ? 'all containers exited'
          : containers.find((c) => c.message)?.message ?? '';
    return { state, running, message, network: { host_ip: this.hostIp, pod_ip: ip }, containers };
  }

  private attachProbes(c: ContainerManifest, st: ContainerRuntimeState, cur: ContainerStatus, ip: string): void {
    const target = { containerId: cur.id, ip, startedAt: cur.startedAt ? Date.parse(cur.startedAt) : Date.now() };
    if (c.readiness) (st.readiness ??= new ProbeState('readiness', c.readiness, target)).retarget(target);
    if (c.liveness) (st.liveness ??= new ProbeState('liveness', c.liveness, target)).retarget(target);
  }

  /** Stops and removes every container of the pod, then what was published for it (idempotent). */
  async destroy(): Promise<void> {
    const { cri, csi } = this.drivers();
    const names = this.pod.spec.template.containers.map((c) => containerName(this.pod.meta.namespace, this.pod.meta.name, c.name));
    // Sidecars first, the network owner last.
    if (!this.stopping && this.pod.spec.template.containers.length) this.event('normal', 'Killing', `stopping container${names.length === 1 ? '' : 's'} ${this.pod.spec.template.containers.map((c) => c.name).join(', ')}`);
    this.stopping = true;
    for (const name of names.reverse()) {
      await cri.stop(name, this.pod.spec.template.termination);
      await cri.remove(name);
    }
    await this.drivers().cni?.detach({ namespace: this.pod.meta.namespace, pod: this.pod.meta.name, netns: '' });
    await csi?.unpublish?.({ namespace: this.pod.meta.namespace, pod: this.pod.meta.name });
  }
}

/** Why a container that has no error is not ready: pulling (with the bytes), in back-off, or its readiness probe failing. */
function containerMessage(c: ContainerManifest, st: ContainerRuntimeState, probeFailing: boolean, exitCode: number | undefined): string {
  if (st.pulling) return pullMessage(c.image.name, st.pull);
  if (st.backingOff && exitCode !== undefined) return `back-off restarting: exited with code ${exitCode} (${st.restarts} restart${st.restarts === 1 ? '' : 's'})`;
  if (probeFailing) return `readiness probe failing${st.readiness?.lastError ? `: ${st.readiness.lastError}` : ''}`;
  return '';
}

function containerState(c: ContainerStatus): PodContainerStatus['state'] {
  switch (c.state) {
    case 'running':
    case 'created':
    case 'exited':
    case 'restarting':
      return c.state;
    case 'dead':
      return 'exited';
    default:
      return 'unknown';
  }
}
