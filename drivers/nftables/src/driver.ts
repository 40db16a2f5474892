// The CPI implementation: the service table lives in one nftables table owned by the driver, replaced as
// a whole (one nft transaction) on every setTable and read back from the kernel by list().
import { randomBytes } from 'node:crypto';
import { LbError, describeSkipped, type DriverInfo, type DriverLogger, type FieldError, type ProbeResult, type ProxyDriver, type VirtualService } from '@lastbackend/sdk';
import type { NftablesDriverConfig } from './config';
import { isNotFound, nft, runNft } from './nft';
import { parseTable } from './parse';
import { buildScript, renderScript, toVirtualService, type RulesetOptions } from './ruleset';

export class NftablesProxy implements ProxyDriver {
  private readonly opts: RulesetOptions;
  /** setTable calls are applied one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Entries the last setTable left out (reported by probe(), so they show in the node's driver state). */
  private skipped: FieldError[] = [];

  constructor(
    private readonly config: NftablesDriverConfig,
    private readonly logger: DriverLogger,
    /** Identity from the package (DriverContext.info). */
    private readonly about: DriverInfo,
  ) {
    this.opts = { table: config.table, family: config.family, mark: config.mark };
  }

  info(): DriverInfo {
    return this.about;
  }

  async probe(): Promise<ProbeResult> {
    try {
      const v = await runNft(this.config.nft, ['--version']);
      if (v.code !== 0) return { state: 'error', message: `${this.config.nft} --version failed: ${v.stderr.trim()}` };
      // Check mode: the kernel validates a throw-away table with the same kinds of chains and rules, and
      // nothing is applied.
      const table = `lbprobe${randomBytes(3).toString('hex')}`;
      const script = renderScript(
        [{ ip: '192.0.2.1', port: 80, protocol: 'tcp', scheduler: 'wrr', backends: [{ ip: '192.0.2.2', port: 80, weight: 2 }, { ip: '192.0.2.3', port: 80, weight: 1 }] },
         { ip: '192.0.2.1', port: 81, protocol: 'udp', scheduler: 'rr', backends: [] }],
        { ...this.opts, table },
      ).replace(`table ${this.opts.family} ${table} {}\ndelete table ${this.opts.family} ${table}\n`, '');
      const c = await runNft(this.config.nft, ['-c', '-f', '-'], script);
      if (c.code !== 0) return { state: 'error', message: `nftables cannot hold the service table: ${c.stderr.trim() || `exit ${String(c.code)}`}` };
      return this.skipped.length ? { state: 'ready', message: `service table: ${describeSkipped(this.skipped)}` } : { state: 'ready' };
    } catch (e) {
      return { state: 'error', message: e instanceof Error ? e.message : String(e) };
    }
  }

  setTable(services: VirtualService[]): Promise<void> {
    const run = this.queue.then(() => this.apply(services));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(services: VirtualService[]): Promise<void> {
    // A bad entry costs that entry only: the rest of the table is programmed, the entry is reported.
    const { services: valid, skipped, script } = buildScript(services, this.opts);
    if (skipped.length) this.logger.warn(`service table: ${describeSkipped(skipped)}`, { skipped });
    await nft(this.config.nft, ['-f', '-'], script);
    this.skipped = skipped;
    this.logger.debug('nftables service table applied', { table: this.opts.table, services: valid.length });
  }

  async list(): Promise<VirtualService[]> {
    const r = await runNft(this.config.nft, ['-j', 'list', 'table', this.opts.family, this.opts.table]);
    if (isNotFound(r)) return [];
    if (r.code !== 0) throw new LbError('UNAVAILABLE', `nft list table ${this.opts.family} ${this.opts.table} failed: ${r.stderr.trim()}`);
    let doc: unknown;
    try {
      doc = JSON.parse(r.stdout);
    } catch (e) {
      throw new LbError('INTERNAL', `nft -j printed no JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const parsed = parseTable(doc, this.opts.table, this.opts.family);
    if (parsed.unrecognised.length)
      this.logger.warn('rules in the service table this driver did not write are ignored (the next setTable replaces them)', { rules: parsed.unrecognised });
    return parsed.services.map(toVirtualService);
  }

  /** Nothing to release; the table stays so services keep working while the agent restarts. */
  async dispose(): Promise<void> {}
}
