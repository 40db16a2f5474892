// Readiness and liveness probes (exec, http, tcp). Each probe keeps consecutive success/failure
// counts; its verdict flips only after success_threshold / failure_threshold checks in a row.
import { connect } from 'node:net';
import type { ContainerRuntime, ProbeSpec } from '@lastbackend/sdk';

export type ProbeKind = 'readiness' | 'liveness';

export interface ProbeTarget {
  containerId: string;
  /** Address the pod is reachable at from this host. */
  ip: string;
  /** When the container (re)started, ms since epoch. */
  startedAt: number;
}

/** Runs one check; resolves undefined on success, else why it failed. Never throws. */
export async function check(spec: ProbeSpec, target: ProbeTarget, cri: ContainerRuntime): Promise<string | undefined> {
  const timeout = spec.timeout * 1000;
  try {
    if (spec.exec) {
      const r = await withTimeout(cri.exec(target.containerId, spec.exec.command, { timeoutSeconds: spec.timeout }), timeout);
      return r.exitCode === 0 ? undefined : `${spec.exec.command.join(' ')} exited with code ${r.exitCode}`;
    }
    if (!target.ip) return 'the pod has no address yet';
    if (spec.http) {
      const url = `${spec.http.scheme}://${target.ip}:${spec.http.port}${spec.http.path}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(timeout), redirect: 'manual' });
      await res.body?.cancel();
      return res.status >= 200 && res.status < 400 ? undefined : `HTTP ${res.status} from ${url}`;
    }
    if (spec.tcp) return await tcpCheck(target.ip, spec.tcp.port, timeout);
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    return err.name === 'TimeoutError' ? `timed out after ${spec.timeout}s` : (err.cause?.code ?? err.cause?.message ?? err.message);
  }
  return 'the probe names no check';
}

function tcpCheck(host: string, port: number, timeout: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (error?: string) => {
      sock.destroy();
      resolve(error);
    };
    sock.setTimeout(timeout, () => done(`tcp ${host}:${port}: timed out`));
    sock.once('connect', () => done());
    sock.once('error', (e: NodeJS.ErrnoException) => done(`tcp ${host}:${port}: ${e.code ?? e.message}`));
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error('probe timed out')), ms)))]).finally(() => clearTimeout(t));
}

/** State of one probe of one container. */
export class ProbeState {
  private successes = 0;
  private failures = 0;
  private nextAt = 0;
  private inFlight = false;
  /** Readiness starts false; liveness starts true (a container is alive until proven otherwise). */
  ok: boolean;
  /** Why the last check failed (kept until one passes). */
  lastError?: string;

  constructor(
    readonly kind: ProbeKind,
    readonly spec: ProbeSpec,
    private target: ProbeTarget,
  ) {
    this.ok = kind === 'liveness';
  }

  retarget(target: ProbeTarget): void {
    if (target.containerId !== this.target.containerId || target.startedAt !== this.target.startedAt) {
      this.successes = this.failures = this.nextAt = 0;
      this.ok = this.kind === 'liveness';
      this.lastError = undefined;
    }
    this.target = target;
  }

  /** Runs a check if one is due; resolves true when the verdict changed. */
  async tick(now: number, cri: ContainerRuntime): Promise<boolean> {
    if (this.inFlight || now < this.target.startedAt + this.spec.initial_delay * 1000 || now < this.nextAt) return false;
    this.inFlight = true;
    this.nextAt = now + this.spec.period * 1000;
    try {
      const error = await check(this.spec, this.target, cri);
      const before = this.ok;
      this.lastError = error;
      if (error === undefined) {
        this.failures = 0;
        if (++this.successes >= this.spec.success_threshold) this.ok = true;
      } else {
        this.successes = 0;
        if (++this.failures >= this.spec.failure_threshold) this.ok = false;
      }
      return before !== this.ok;
    } finally {
      this.inFlight = false;
    }
  }
}
