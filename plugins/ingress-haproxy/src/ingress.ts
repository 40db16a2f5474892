// HaproxyIngress: routes in, a running haproxy out.
//
// Files under workDir (0700):
//   haproxy.cfg      the live config (replaced atomically by rename, only after `haproxy -c` accepted it)
//   master.sock      haproxy's master CLI (reload, show proc)
//   haproxy.pid      the master's pid
//   gen-<n>/certs/   the PEMs (cert + key) of generation n, referenced by `ssl crt` of that config
//   check-<n>-<i>/   scratch candidates while looking for a route haproxy refuses (removed afterwards)
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LbError, type DriverLogger } from '@lastbackend/sdk';
import { checkConfig, HaproxyProcess } from './haproxy';
import { renderConfig, validateRoutes, type AcceptedRoute, type IngressRoute, type RejectedRoute } from './render';

export interface IngressOptions {
  /** Config, certs, master socket and pid live here (created 0700). */
  workDir: string;
  http: { host: string; port: number };
  https?: { host: string; port: number };
  /** Binary, default 'haproxy' from PATH. */
  haproxy?: string;
  logger?: DriverLogger;
}

export interface ApplyResult {
  applied: string[];
  rejected: RejectedRoute[];
}

const CHECK_CONCURRENCY = 4;

export class HaproxyIngress {
  private readonly dir: string;
  private readonly bin: string;
  private readonly cfgFile: string;
  private readonly sock: string;
  private readonly pidFile: string;
  private proc?: HaproxyProcess;
  private gen = 0;
  private liveGen = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: IngressOptions) {
    this.dir = path.resolve(opts.workDir);
    this.bin = opts.haproxy ?? 'haproxy';
    this.cfgFile = path.join(this.dir, 'haproxy.cfg');
    this.sock = path.join(this.dir, 'master.sock');
    this.pidFile = path.join(this.dir, 'haproxy.pid');
  }

  /** Serialise start/apply/stop: one config change at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  start(): Promise<void> {
    return this.serial(async () => {
      if (this.proc?.running) throw new LbError('FAILED_PRECONDITION', 'ingress already started');
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      await fs.chmod(this.dir, 0o700);
      await fs.rm(this.sock, { force: true });
      // Leftovers of a previous run: generations and scratch candidates.
      for (const e of await fs.readdir(this.dir)) {
        if (/^(gen|check)-\d+/.test(e)) await fs.rm(path.join(this.dir, e), { recursive: true, force: true });
      }
      this.gen = 1;
      const genDir = await this.writeGeneration(this.gen, []);
      const text = this.render([], path.join(genDir, 'certs'));
      const file = path.join(genDir, 'haproxy.cfg');
      await fs.writeFile(file, text, { mode: 0o600 });
      const check = await checkConfig(this.bin, file);
      if (!check.ok) throw new LbError('INTERNAL', `initial haproxy config refused: ${check.errors}`);
      await this.replaceLive(text);
      this.liveGen = this.gen;
      const proc = new HaproxyProcess({ bin: this.bin, config: this.cfgFile, masterSocket: this.sock, logger: this.opts.logger });
      await proc.start();
      this.proc = proc;
      this.opts.logger?.info('haproxy ingress started', { pid: proc.pid, http: this.opts.http, https: this.opts.https });
    });
  }

  apply(routes: IngressRoute[]): Promise<ApplyResult> {
    return this.serial(() => this.doApply(routes));
  }

  stop(): Promise<void> {
    return this.serial(async () => {
      await this.proc?.stop();
      this.proc = undefined;
      await fs.rm(this.sock, { force: true });
      await fs.rm(this.pidFile, { force: true });
      this.opts.logger?.info('haproxy ingress stopped');
    });
  }

  private render(routes: AcceptedRoute[], certDir: string): string {
    return renderConfig(routes, { http: this.opts.http, https: this.opts.https, certDir, pidFile: this.pidFile });
  }

  /** A directory holding `certs/` with one PEM per TLS route. */
  private async writeGeneration(n: number, routes: AcceptedRoute[], name = `gen-${n}`): Promise<string> {
    const dir = path.join(this.dir, name);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(path.join(dir, 'certs'), { recursive: true, mode: 0o700 });
    for (const r of routes) {
      if (r.pem && r.pemFile) await fs.writeFile(path.join(dir, 'certs', r.pemFile), r.pem, { mode: 0o600 });
    }
    return dir;
  }

  /** Check a candidate made of `routes` in a scratch directory. */
  private async checkSubset(routes: AcceptedRoute[], name: string): Promise<{ ok: boolean; errors: string }> {
    const dir = await this.writeGeneration(0, routes, name);
    try {
      const file = path.join(dir, 'haproxy.cfg');
      await fs.writeFile(file, this.render(routes, path.join(dir, 'certs')), { mode: 0o600 });
      const res = await checkConfig(this.bin, file);
      return { ok: res.ok, errors: res.errors.split(dir).join('<candidate>') };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  private async replaceLive(text: string): Promise<void> {
    const tmp = `${this.cfgFile}.tmp`;
    await fs.writeFile(tmp, text, { mode: 0o600 });
    await fs.rename(tmp, this.cfgFile);
  }

  private async doApply(routes: IngressRoute[]): Promise<ApplyResult> {
    const proc = this.proc;
    if (!proc?.running) throw new LbError('FAILED_PRECONDITION', 'ingress is not started', { fix: 'call start() first' });
    const log = this.opts.logger;
    const { accepted: valid, rejected } = validateRoutes(routes, { https: !!this.opts.https });
    let accepted = valid;
    const n = ++this.gen;

    // Whole candidate first; on refusal, check each route alone to find the ones haproxy refuses, then the rest.
    let genDir = await this.writeGeneration(n, accepted);
    let text = this.render(accepted, path.join(genDir, 'certs'));
    let res = await this.checkCandidate(genDir, text);
    if (!res.ok) {
      log?.warn('haproxy refused the candidate config; looking for the culprit routes', { errors: res.errors });
      const alone: { ok: boolean; errors: string }[] = new Array(accepted.length);
      let next = 0;
      const worker = async () => {
        while (next < accepted.length) {
          const i = next++;
          alone[i] = await this.checkSubset([accepted[i]], `check-${n}-${i}`);
        }
      };
      await Promise.all(Array.from({ length: CHECK_CONCURRENCY }, worker));
      const bad = accepted.filter((_, i) => !alone[i].ok);
      for (const [i, r] of accepted.entries()) {
        if (!alone[i].ok) rejected.push({ route: r.key, reason: `haproxy refused it: ${alone[i].errors}` });
      }
      if (bad.length === 0) {
        await fs.rm(genDir, { recursive: true, force: true });
        throw new LbError('INVALID_ARGUMENT', `haproxy refused the configuration (the running one is kept): ${res.errors}`);
      }
      accepted = accepted.filter((_, i) => alone[i].ok);
      genDir = await this.writeGeneration(n, accepted);
      text = this.render(accepted, path.join(genDir, 'certs'));
      res = await this.checkCandidate(genDir, text);
      if (!res.ok) {
        await fs.rm(genDir, { recursive: true, force: true });
        throw new LbError('INVALID_ARGUMENT', `haproxy refused the configuration (the running one is kept): ${res.errors}`);
      }
    }

    const previous = await fs.readFile(this.cfgFile, 'utf8');
    await this.replaceLive(text);
    try {
      await proc.reload();
    } catch (e) {
      // Put the previous config back so the next reload (or restart) does not pick up the refused one.
      await this.replaceLive(previous);
      await fs.rm(genDir, { recursive: true, force: true });
      throw e;
    }
    const prev = this.liveGen;
    this.liveGen = n;
    // Workers hold the certificates in memory; older generations are no longer referenced by the live config.
    for (const e of await fs.readdir(this.dir)) {
      const m = /^gen-(\d+)$/.exec(e);
      if (m && Number(m[1]) !== n) await fs.rm(path.join(this.dir, e), { recursive: true, force: true });
    }
    log?.info('ingress config applied', { generation: n, previous: prev, routes: accepted.length, rejected: rejected.length });
    return { applied: accepted.map((r) => r.key), rejected };
  }

  private async checkCandidate(genDir: string, text: string): Promise<{ ok: boolean; errors: string }> {
    const file = path.join(genDir, 'haproxy.cfg');
    await fs.writeFile(file, text, { mode: 0o600 });
    const res = await checkConfig(this.bin, file);
    return { ok: res.ok, errors: res.errors.split(genDir).join('<candidate>') };
  }
}
