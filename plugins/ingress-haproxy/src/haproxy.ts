// The haproxy process: config check, master-worker start, reload and stop through the master CLI socket.
//
// haproxy runs as `haproxy -W -S <workDir>/master.sock -f <workDir>/haproxy.cfg` in the foreground: the master
// is our child process; it forks the worker. A reload is `reload` on the master CLI: the master re-executes
// itself, re-reads the (already checked) config and forks a new worker, which takes the listening sockets
// over from the previous worker through the master's socketpair (haproxy's `-x sockpair@…`, automatic in
// master-worker mode), so no connection attempt is refused; the previous worker finishes its in-flight
// requests and exits (bounded by `hard-stop-after`).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { LbError, type DriverLogger } from '@lastbackend/sdk';

/** Lines haproxy prints on every reload: not worth a warning. */
const ROUTINE = /stopped \(cumulated conns|Former worker \(\d+\) exited with code 0|Proxy .* started|Loading success/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CheckResult {
  ok: boolean;
  /** haproxy's ALERT lines (or whole output) when not ok. */
  errors: string;
}

/** `haproxy -c -f file`: parses the config and loads its certificates, without binding anything. */
export function checkConfig(bin: string, file: string): Promise<CheckResult> {
  return new Promise((resolve) => {
    execFile(bin, ['-c', '-f', file], { timeout: 30000 }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, errors: '' });
      const text = `${stdout}\n${stderr}`;
      const alerts = text
        .split('\n')
        .filter((l) => /\[ALERT\]/.test(l))
        .map((l) => l.replace(/^\[ALERT\]\s*\(\d+\)\s*:\s*/, '').trim())
        .filter((l) => l !== '' && !/Error\(s\) found in configuration file|Fatal errors found in configuration/.test(l));
      const e = err as NodeJS.ErrnoException;
      resolve({ ok: false, errors: alerts.join('; ') || text.trim() || e.message });
    });
  });
}

/** One command on the master CLI (non-interactive: the master answers and closes). */
export function masterCommand(sock: string, cmd: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(sock);
    let out = '';
    const t = setTimeout(() => c.destroy(new Error(`master CLI: no answer to ${cmd} within ${timeoutMs} ms`)), timeoutMs);
    c.setEncoding('utf8');
    c.on('connect', () => c.end(`${cmd}\n`));
    c.on('data', (d: string) => (out += d));
    c.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    c.on('close', (hadError) => {
      clearTimeout(t);
      if (!hadError) resolve(out);
    });
  });
}

export interface ProcInfo {
  masterPid: number;
  reloads: number;
  failed: number;
  workers: { pid: number; reloads: number }[];
}

/** Parse `show proc` of haproxy 2.6. */
export function parseShowProc(text: string): ProcInfo | undefined {
  const m = /^(\d+)\s+master\s+(\d+)(?:\s+\[failed:\s*(\d+)\])?/m.exec(text);
  if (!m) return undefined;
  const workers: ProcInfo['workers'] = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      section = line.trim();
      continue;
    }
    const w = /^(\d+)\s+worker\s+(\d+)/.exec(line);
    if (w && section === '# workers') workers.push({ pid: Number(w[1]), reloads: Number(w[2]) });
  }
  return { masterPid: Number(m[1]), reloads: Number(m[2]), failed: Number(m[3] ?? 0), workers };
}

export interface HaproxyProcessOptions {
  bin: string;
  config: string;
  masterSocket: string;
  logger?: DriverLogger;
}

export class HaproxyProcess {
  private child?: ChildProcess;
  private exited?: { code: number | null; signal: NodeJS.Signals | null };
  private exitWaiters: (() => void)[] = [];
  private stopping = false;

  constructor(private readonly o: HaproxyProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && !this.exited;
  }

  /** Start the master; resolves once it has a worker (listening sockets are bound before the worker forks). */
  async start(timeoutMs = 15000): Promise<void> {
    const log = this.o.logger;
    const child = spawn(this.o.bin, ['-W', '-S', `${this.o.masterSocket},mode,600`, '-f', this.o.config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = undefined;
    this.stopping = false;
    let tail = '';
    const onOut = (d: Buffer) => {
      const text = d.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) {
        const l = line.trim();
        if (!l) continue;
        if (ROUTINE.test(l) || (this.stopping && /exited with code/.test(l))) log?.debug(`haproxy: ${l}`);
        else if (/\[ALERT\]/.test(l)) log?.error(`haproxy: ${l}`);
        else if (/\[WARNING\]/.test(l)) log?.warn(`haproxy: ${l}`);
        else log?.debug(`haproxy: ${l}`);
      }
    };
    child.stdout?.on('data', onOut);
    child.stderr?.on('data', onOut);
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (e) => reject(e));
    });
    child.once('exit', (code, signal) => {
      this.exited = { code, signal };
      if (!this.stopping) log?.error('haproxy master exited', { code, signal });
      for (const w of this.exitWaiters.splice(0)) w();
    });
    try {
      await spawned;
    } catch (e) {
      throw new LbError('UNAVAILABLE', `cannot start ${this.o.bin}: ${(e as Error).message}`, {
        fix: 'install haproxy (2.6+) or set the `haproxy` option to its path',
      });
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const exited = this.exited as { code: number | null } | undefined;
      if (exited) {
        throw new LbError('UNAVAILABLE', `haproxy exited at start (code ${exited.code}): ${tail.trim()}`);
      }
      const info = await this.showProc().catch(() => undefined);
      if (info && info.workers.length > 0) return;
      await sleep(50);
    }
    await this.stop();
    throw new LbError('TIMEOUT', `haproxy did not start within ${timeoutMs} ms: ${tail.trim()}`);
  }

  async showProc(): Promise<ProcInfo | undefined> {
    return parseShowProc(await masterCommand(this.o.masterSocket, 'show proc'));
  }

  /** Retry a master CLI command while the socket refuses (it does, briefly, while the master re-executes). */
  private async withRetry<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (this.exited) throw new LbError('UNAVAILABLE', 'haproxy master is not running');
        if (Date.now() >= deadline) throw e;
        await sleep(50);
      }
    }
  }

  /**
   * Reload through the master CLI and wait for the outcome: a new worker (success) or the master's
   * `[failed: n]` counter (the new config did not load; the previous worker keeps serving).
   */
  async reload(timeoutMs = 20000): Promise<void> {
    if (!this.running) throw new LbError('UNAVAILABLE', 'haproxy is not running');
    const before = await this.withRetry(async () => {
      const p = await this.showProc();
      if (!p) throw new Error('unparseable show proc');
      return p;
    }, timeoutMs);
    const oldPids = new Set(before.workers.map((w) => w.pid));
    await this.withRetry(() => masterCommand(this.o.masterSocket, 'reload'), timeoutMs);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new LbError('UNAVAILABLE', 'haproxy master exited during reload');
      const p = await this.showProc().catch(() => undefined);
      if (p && p.reloads > before.reloads) {
        if (p.failed > 0) throw new LbError('INTERNAL', 'haproxy could not load the new configuration; the previous one keeps serving');
        if (p.workers.some((w) => !oldPids.has(w.pid))) return;
      }
      await sleep(25);
    }
    throw new LbError('TIMEOUT', `haproxy reload did not complete within ${timeoutMs} ms`);
  }

  /** Stop the master (which stops its workers); SIGKILL after a grace period, then any worker left over. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const workers = (await this.showProc().catch(() => undefined))?.workers.map((w) => w.pid) ?? [];
    this.stopping = true;
    const exited = new Promise<void>((r) => (this.exited ? r() : this.exitWaiters.push(r)));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
    for (const pid of workers) {
      for (let i = 0; i < 40; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        if (i === 20) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        await sleep(50);
      }
    }
  }
}
