// The kernel's side of a driver that runs in a child process (isolation: process). RemoteDriverHost
// supervises the child: it starts it, forwards calls and streams, and when the child dies it fails the
// calls in flight (UNAVAILABLE, retryable), restarts it with back-off and tells the kernel, which
// re-syncs the driver from the desired state (the driver re-attaches to what it managed). Calls made
// while it restarts wait for it. Each kind gets a proxy that implements the SDK interface, so the
// rest of the platform cannot tell a remote driver from an in-process one.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DRIVER_KINDS, LbError, type DriverBase, type DriverInstances, type DriverKind, type ProbeResult } from '@lastbackend/sdk';
import type { Logger } from '../logger';
import { encodeArgs, fromWireError, isStreamMethod, STREAM_WINDOW, type ChildMessage, type HostInit, type HostReady } from './protocol';

/** The compiled child entry; under ts-jest this file runs from src/, the entry from dist/. */
function hostEntry(): string {
  const here = join(__dirname, 'driver-host-main.js');
  return existsSync(here) ? here : join(__dirname.replace(/([/\\])src([/\\])/, '$1dist$2'), 'driver-host-main.js');
}

const MAX_BACKOFF_MS = 10_000;

/** Node's heap-sizing options (lb.js's SERVER_NODE_OPTIONS): a driver's process is as long-lived as the server's. */
const HEAP_OPTION = /^--(max-semi-space-size|max-old-space-size|heap-growing-percent)=/;

/** The options of `execArgv` a driver's process is started with: the heap sizing only (never --inspect, --cpu-prof…). */
const driverNodeOptions = (execArgv: readonly string[]): string[] => execArgv.filter((a) => HEAP_OPTION.test(a));

/**
 * What cannot cross the IPC channel: execStream hands over live streams, and pull progress is a callback. The
 * proxy leaves those methods out and declares the features false, so callers see a runtime without them (and
 * a spec or call needing them is refused, never half-done).
 */
const NOT_OVER_IPC = { methods: ['execStream'], features: ['execStream', 'pullProgress'] };

const overIpc = (features: Record<string, boolean> | undefined): Record<string, boolean> | undefined =>
  features && Object.fromEntries(Object.entries(features).map(([k, v]) => [k, NOT_OVER_IPC.features.includes(k) ? false : v]));

/** An options object without its functions (callbacks cannot be cloned to the child). */
function withoutCallbacks(arg: unknown): unknown {
  if (!arg || typeof arg !== 'object' || Array.isArray(arg) || Object.getPrototypeOf(arg) !== Object.prototype) return arg;
  if (!Object.values(arg).some((v) => typeof v === 'function')) return arg;
  return Object.fromEntries(Object.entries(arg).filter(([, v]) => typeof v !== 'function'));
}
/** How long a call waits for a restarting driver before it fails. */
const WAIT_READY_MS = 30_000;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  item?(v: unknown): void;
  end?(): void;
}

export interface RemoteDriverOptions {
  init: Omit<HostInit, 't'>;
  log: Logger;
  /** Called after a crashed child was restarted and is ready again. */
  onRestart?: (kinds: DriverKind[]) => void;
  /**
   * A command the child is started through, e.g. ['nsenter', '--net=/run/netns/h1'] to run a network
   * driver in another network namespace (Node has no setns); the IPC channel is inherited through it.
   */
  wrapper?: string[];
}

export class RemoteDriverHost {
  private child?: ChildProcess;
  private ready?: HostReady;
  private readyWaiters: { ok(): void; fail(e: Error): void }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  private failure?: Error;
  private startedAt = 0;
  private backoff = 250;
  private users = 0;
  restarts = 0;

  private constructor(private readonly opts: RemoteDriverOptions) {}

  /** Starts the child and waits until the driver is loaded and created there; rejects with its load error. */
  static async start(opts: RemoteDriverOptions): Promise<{ host: RemoteDriverHost; ready: HostReady }> {
    const host = new RemoteDriverHost(opts);
    try {
      return { host, ready: await host.spawn() };
    } catch (e) {
      host.disposed = true; // a driver that never loaded is not restarted
      throw e;
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): Promise<HostReady> {
    const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
    const [cmd, ...pre] = this.opts.wrapper ?? [];
    const execArgv = driverNodeOptions(process.execArgv);
    const child = cmd
      ? spawn(cmd, [...pre, process.execPath, ...execArgv, hostEntry()], { serialization: 'advanced', stdio })
      : fork(hostEntry(), [], { serialization: 'advanced', stdio, execArgv });
    this.child = child;
    this.startedAt = Date.now();
    return new Promise<HostReady>((resolve, reject) => {
      let settled = false;
      child.on('message', (m: ChildMessage) => {
        if (m.t === 'ready' || m.t === 'failed') {
          if (settled) return;
          settled = true;
          if (m.t === 'failed') {
            child.kill('SIGKILL');
            reject(fromWireError(m.error));
            return;
          }
          this.ready = m;
          this.failure = undefined;
          for (const w of this.readyWaiters.splice(0)) w.ok();
          resolve(m);
          return;
        }
        this.onMessage(m);
      });
      child.on('exit', (code, signal) => {
        const why = `driver ${this.opts.init.package} (pid ${child.pid}) exited with ${signal ?? `code ${code}`}`;
        if (!settled) {
          settled = true;
          reject(new LbError('DRIVER_INVALID', `${why} while loading`));
        }
        if (this.child === child) this.onExit(why);
      });
      child.send({ t: 'init', ...this.opts.init });
    });
  }

  private onMessage(m: ChildMessage): void {
    if (!('id' in m)) return;
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.t) {
      case 'result':
        this.pending.delete(m.id);
        p.resolve(m.value);
        break;
      case 'error':
        this.pending.delete(m.id);
        p.reject(fromWireError(m.error));
        break;
      case 'item':
        p.item?.(m.value);
        break;
      case 'end':
        this.pending.delete(m.id);
        p.end?.();
        break;
    }
  }

  private onExit(why: string): void {
    this.ready = undefined;
    this.child = undefined;
    const err = new LbError('UNAVAILABLE', `${why}${this.disposed ? '' : '; it is being restarted'}`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    if (this.disposed) return;
    this.failure = err;
    this.opts.log.error(`${why}; restarting it`);
    // A child that lived a while gets a quick restart; one that keeps dying backs off.
    if (Date.now() - this.startedAt > 60_000) this.backoff = 250;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    setTimeout(() => void this.restart(), delay).unref();
  }

  private async restart(): Promise<void> {
    if (this.disposed) return;
    try {
      const ready = await this.spawn();
      this.restarts++;
      this.opts.log.info(`driver ${ready.name}@${ready.version} restarted (pid ${this.child?.pid}, restart ${this.restarts})`);
      this.opts.onRestart?.(Object.keys(ready.kinds) as DriverKind[]);
    } catch (e) {
      // spawn's exit handler schedules the next try when the child died; a load failure does not exit by itself.
      this.failure = e as Error;
      this.opts.log.error(`restarting driver ${this.opts.init.package} failed: ${(e as Error).message}`);
    }
  }

  private whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.disposed) return Promise.reject(new LbError('UNAVAILABLE', `driver ${this.opts.init.package} was disposed`));
    return new Promise((ok, fail) => {
      const waiter = { ok: () => (clearTimeout(timer), ok()), fail };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        fail(new LbError('UNAVAILABLE', `driver ${this.opts.init.package} is not back after ${WAIT_READY_MS / 1000}s: ${this.failure?.message ?? 'restarting'}`));
      }, WAIT_READY_MS);
      this.readyWaiters.push(waiter);
    });
  }

  private send(kind: DriverKind, method: string, args: unknown[], p: Pending): number {
    const id = this.nextId++;
    const { args: wire, signals } = encodeArgs(args);
    this.pending.set(id, p);
    for (const s of signals) {
      if (s.aborted) queueMicrotask(() => this.cancel(id));
      else s.addEventListener('abort', () => this.cancel(id), { once: true });
    }
    if (this.child?.connected) this.child.send({ t: 'call', id, kind, method, args: wire });
    else queueMicrotask(() => this.onMessage({ t: 'error', id, error: { name: 'LbError', code: 'UNAVAILABLE', message: `driver ${this.opts.init.package} is restarting` } }));
    return id;
  }

  private cancel(id: number): void {
    if (this.pending.has(id) && this.child?.connected) this.child.send({ t: 'cancel', id });
  }

  private grant(id: number, n: number): void {
    if (this.pending.has(id) && this.child?.connected) this.child.send({ t: 'more', id, n });
  }

  async call(kind: DriverKind, method: string, args: unknown[]): Promise<unknown> {
    await this.whenReady();
    return new Promise((resolve, reject) => this.send(kind, method, args, { resolve, reject }));
  }

  /** A stream call: items are buffered until the consumer takes them; breaking out cancels it. */
  stream(kind: DriverKind, method: string, args: unknown[]): AsyncIterable<unknown> {
    const host = this;
    return {
      async *[Symbol.asyncIterator]() {
        await host.whenReady();
        const queue: unknown[] = [];
        let done = false;
        let error: Error | undefined;
        let wake: (() => void) | undefined;
        const notify = () => {
          wake?.();
          wake = undefined;
        };
        const id = host.send(kind, method, args, {
          resolve: () => undefined,
          reject: (e) => ((error = e), notify()),
          item: (v) => (queue.push(v), notify()),
          end: () => ((done = true), notify()),
        });
        // Items taken since the last grant; the child may run a window ahead of the consumer.
        let taken = 0;
        try {
          for (;;) {
            if (queue.length) {
              yield queue.shift();
              if (++taken >= STREAM_WINDOW / 2) {
                host.grant(id, taken);
                taken = 0;
              }
              continue;
            }
            if (error) throw error;
            if (done) return;
            await new Promise<void>((r) => (wake = r));
          }
        } finally {
          if (!done && !error) host.cancel(id);
        }
      },
    };
  }

  /** The proxies, one per kind the driver created; each implements the SDK interface for its kind. */
  proxies(): DriverInstances {
    const out: DriverInstances = {};
    for (const kind of DRIVER_KINDS) {
      if (!this.ready?.kinds[kind]) continue;
      this.users++;
      (out as Record<DriverKind, DriverBase>)[kind] = this.proxy(kind);
    }
    return out;
  }

  private proxy(kind: DriverKind): DriverBase {
    const host = this;
    const desc = () => host.ready?.kinds[kind];
    const first = desc()!;
    let released = false;
    const target: Record<string, unknown> = {};
    for (const m of first.methods) {
      if (m === 'info' || m === 'probe' || m === 'dispose' || NOT_OVER_IPC.methods.includes(m)) continue;
      target[m] = isStreamMethod(kind, m)
        ? (...args: unknown[]) => host.stream(kind, m, args.map(withoutCallbacks))
        : (...args: unknown[]) => host.call(kind, m, args.map(withoutCallbacks));
    }
    const base: DriverBase = {
      info: () => (desc() ?? first).info,
      probe: async (): Promise<ProbeResult> => {
        if (!host.ready) return { state: host.disposed ? 'error' : 'initialising', message: host.failure?.message ?? 'starting' };
        return (await host.call(kind, 'probe', []).catch((e: Error) => ({ state: 'error', message: e.message }))) as ProbeResult;
      },
      dispose: async () => {
        if (released) return;
        released = true;
        if (--host.users <= 0) await host.dispose();
      },
    };
    Object.assign(target, base);
    if (first.capabilities) Object.defineProperty(target, 'capabilities', { get: () => (desc() ?? first).capabilities, enumerable: true });
    if (first.features) Object.defineProperty(target, 'features', { get: () => overIpc((desc() ?? first).features), enumerable: true });
    return target as unknown as DriverBase;
  }

  /** Asks the child to dispose its driver and exit; kills it when it does not within 5 s. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.readyWaiters.splice(0)) w.fail(new LbError('UNAVAILABLE', `driver ${this.opts.init.package} was disposed`));
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => (clearTimeout(timer), resolve()));
      if (child.connected) child.send({ t: 'dispose' });
      else child.kill('SIGTERM');
    });
  }
}
