// The agent's half of the log collector: follows every container of its pods and ships the lines to
// the API. A cursor per container (the time of the last line the API acknowledged, on disk) lets a
// restarted agent resume where it stopped: lines sent twice are stored once, so nothing is lost or
// repeated.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LbError, type ContainerRuntime, type LbClient, type LogLine } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { LatestWins } from '../util/serial';
import { normalizeTime, type CollectedLine } from './log-store';

export interface FollowTarget {
  /** Container id or name. */
  id: string;
  namespace: string;
  service: string;
  pod: string;
  container: string;
}

const FLUSH_MS = 200;
const BATCH = 500;
/** JSON bytes of one shipment: under the API's 4 MiB body limit for it (a line is at most 256 KiB, 1.5 MiB escaped). */
export const LOG_SHIPMENT_BYTES = 3 * 1024 * 1024;

/**
 * End (exclusive) of the shipment that starts at `from`: at most `maxCount` items and about `maxBytes` (an item
 * over it goes alone). What piles up while the API is away then goes in requests the API takes, not in one it
 * refuses as too large every time; sizes are measured only for the shipment at hand.
 */
export function shipmentEnd<T>(items: readonly T[], from: number, bytes: (item: T) => number, maxCount = BATCH, maxBytes = LOG_SHIPMENT_BYTES): number {
  let end = from;
  let size = 0;
  while (end < items.length && end - from < maxCount) {
    size += bytes(items[end]);
    if (size > maxBytes && end > from) break;
    end++;
  }
  return end;
}

export class LogShipper {
  private readonly followers = new Map<string, AbortController>();
  private readonly cursors: Record<string, string>;
  private buffer: { id: string; line: CollectedLine }[] = [];
  private timer?: NodeJS.Timeout;
  /** The last shipment failed and a retry is due: lines that come meanwhile wait for it instead of each trying again. */
  private retrying = false;
  /** One shipment run at a time; a flush asked for during one runs once more after it, with all that is buffered then. */
  private readonly shipping = new LatestWins<void>(
    () => this.ship(),
    (e) => this.log.warn(`log shipping: ${e.message}`),
  );
  private stopped = false;

  constructor(
    private readonly client: LbClient,
    private readonly cri: () => ContainerRuntime,
    private readonly node: string,
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {
    this.cursors = this.load();
  }

  private get file(): string {
    return join(this.dataDir, 'log-cursors.json');
  }

  /** The cursors on disk; anything but an object of strings (a torn write, a bad restore) counts as unreadable. */
  private load(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    try {
      const v: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')) return v as Record<string, string>;
    } catch {
      // unreadable, as below
    }
    this.log.warn(`${this.file} is unreadable: logs are collected again from the containers' start (stored once)`);
    return {};
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.cursors), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  /** Follows exactly these running containers; followers of others stop. */
  sync(targets: FollowTarget[]): void {
    if (this.stopped) return;
    const want = new Map(targets.map((t) => [t.id, t]));
    for (const [id, ctl] of this.followers) if (!want.has(id)) (ctl.abort(), this.followers.delete(id));
    for (const t of targets) if (!this.followers.has(t.id)) this.follow(t);
  }

  /** Forgets the cursor of a container that is gone for good. */
  forget(id: string): void {
    if (id in this.cursors) {
      delete this.cursors[id];
      this.save();
    }
  }

  private follow(t: FollowTarget): void {
    const ctl = new AbortController();
    this.followers.set(t.id, ctl);
    const cursor = this.cursors[t.id];
    // Resume just before the cursor: the overlap is stored once; nothing after it is missed.
    const since = cursor ? Date.parse(cursor) / 1000 - 0.001 : undefined;
    void (async () => {
      try {
        for await (const l of this.cri().logs(t.id, { follow: true, signal: ctl.signal, ...(since !== undefined ? { since } : {}) })) this.add(t, l);
      } catch (e) {
        if (!ctl.signal.aborted) this.log.debug(`log follow ${t.pod}/${t.container} ended: ${(e as Error).message}`);
      } finally {
        // A stopped container ends its stream; the next sync follows it again if it runs.
        if (this.followers.get(t.id) === ctl) this.followers.delete(t.id);
      }
    })();
  }

  private add(t: FollowTarget, l: LogLine): void {
    this.buffer.push({ id: t.id, line: { namespace: t.namespace, service: t.service, pod: t.pod, container: t.container, node: this.node, ...l } });
    if (this.buffer.length >= BATCH && !this.retrying) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Ships what is buffered; on success moves the cursors, on failure keeps the lines for the next try. */
  flush(): Promise<void> {
    return this.shipping.request();
  }

  private async ship(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (!batch.length) return;
    let sent = 0;
    while (sent < batch.length) {
      const part = batch.slice(sent, shipmentEnd(batch, sent, (b) => Buffer.byteLength(JSON.stringify(b.line)) + 1));
      try {
        await this.client.shipLogs(this.node, part.map((b) => b.line));
      } catch (e) {
        const refused = refusedLines(e, part.length);
        if (refused.size) {
          // Lines of a pod the API no longer counts as this node's (deleted a while ago) are refused by
          // index: they can never be stored. The rest go again at once.
          this.log.warn(`log lines refused by the API, dropped (${refused.size}): ${(e as Error).message}`);
          this.buffer = part.filter((_, i) => !refused.has(i)).concat(batch.slice(sent + part.length), this.buffer);
          if (!this.stopped) this.timer ??= setTimeout(() => void this.flush(), 0);
          break;
        }
        this.buffer = batch.slice(sent).concat(this.buffer);
        this.retrying = true;
        if (!this.stopped) {
          this.log.warn(`log shipping failed (${batch.length - sent} lines kept): ${(e as Error).message}`);
          this.timer ??= setTimeout(() => void this.flush(), 1000);
        }
        break;
      }
      sent += part.length;
      if (sent === batch.length) this.retrying = false;
      for (const { id, line } of part) {
        const prev = this.cursors[id];
        if (!prev || normalizeTime(line.time) > normalizeTime(prev)) this.cursors[id] = line.time;
      }
    }
    if (sent) this.save();
  }

  async stop(): Promise<void> {
    for (const ctl of this.followers.values()) ctl.abort();
    this.followers.clear();
    // Twice: what a refusal of some lines put back goes too.
    await this.flush();
    await this.flush();
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

/** Indexes of the lines the API refused by name (FORBIDDEN naming each `lines.N…`); empty when it named none or something else. */
export function refusedLines(e: unknown, count: number): Set<number> {
  if (!(e instanceof LbError) || e.code !== 'FORBIDDEN') return new Set();
  const out = new Set<number>();
  for (const f of e.details.fields ?? []) {
    const m = /^lines\.(\d+)(\.|$)/.exec(f.field);
    if (!m || Number(m[1]) >= count) return new Set();
    out.add(Number(m[1]));
  }
  return out;
}
