// The audit trail in the data dir: NDJSON appended to <dir>/audit.log, rotated by size to audit.log.1 …
// audit.log.N (N = max_files; older ones are removed), and files older than max_age removed, so the
// trail stays bounded. Records are written in batches by one writer at a time; a read takes its files
// in that writer's turn (open descriptors and their sizes), so it sees every record appended before it,
// and a follower is subscribed in that same turn: nothing is missed or sent twice.
import { EventEmitter } from 'node:events';
import { createReadStream, type Stats } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BatchQueue, matches, RecordQueue, type AuditFilter, type AuditRecord, type AuditTrail } from './trail';

export interface FileTrailOptions {
  /** Bytes of audit.log before it is rotated. */
  maxBytes: number;
  /** Rotated files kept. */
  maxFiles: number;
  /** Seconds a record is kept: files whose last write is older are removed. */
  maxAge: number;
  /** How long a record may wait in memory before it is written (ms). */
  flushMs?: number;
  warn?: (msg: string) => void;
}

const CURRENT = 'audit.log';

export class FileTrail implements AuditTrail {
  private readonly queue: BatchQueue<AuditRecord>;
  private pruner?: NodeJS.Timeout;
  private size = 0;
  private readonly written = new EventEmitter();
  private readonly followers = new Set<RecordQueue>();

  constructor(
    private readonly dir: string,
    private readonly opts: FileTrailOptions,
  ) {
    this.written.setMaxListeners(0);
    this.queue = new BatchQueue((batch) => this.write(batch), opts.flushMs ?? 100);
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.size = (await statOf(this.file(0)))?.size ?? 0;
    await this.prune();
    this.pruner = setInterval(() => void this.queue.exclusive(() => this.prune()).catch(() => undefined), 3600_000);
    this.pruner.unref();
  }

  /** audit.log (0) or audit.log.i */
  private file(i: number): string {
    return join(this.dir, i === 0 ? CURRENT : `${CURRENT}.${i}`);
  }

  append(r: AuditRecord): void {
    this.queue.push(r);
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** Appends a batch (a batch that cannot be written is said and dropped: the disk is the trail). */
  private async write(batch: AuditRecord[]): Promise<void> {
    const text = batch.map((r) => JSON.stringify(r) + '\n').join('');
    const bytes = Buffer.byteLength(text);
    try {
      if (this.size > 0 && this.size + bytes > this.opts.maxBytes) await this.rotate();
      const fh = await open(this.file(0), 'a', 0o600);
      try {
        await fh.appendFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      this.size += bytes;
    } catch (e) {
      this.opts.warn?.(`audit: ${batch.length} record(s) could not be written to ${this.file(0)}: ${(e as Error).message}`);
      return;
    }
    for (const r of batch) this.written.emit('record', r);
  }

  /** audit.log → audit.log.1 → … → audit.log.N; the oldest beyond N is removed. */
  private async rotate(): Promise<void> {
    await rm(this.file(this.opts.maxFiles), { force: true });
    for (let i = this.opts.maxFiles - 1; i >= 0; i--) {
      if (await statOf(this.file(i))) await rename(this.file(i), this.file(i + 1));
    }
    this.size = 0;
    await this.prune();
  }

  /** Removes files whose newest record is older than max_age, and files beyond max_files. */
  private async prune(): Promise<void> {
    const oldest = Date.now() - this.opts.maxAge * 1000;
    for (let i = 0; i <= this.opts.maxFiles + 1; i++) {
      const st = await statOf(this.file(i));
      if (!st) continue;
      if (i > this.opts.maxFiles || st.mtimeMs < oldest) {
        await rm(this.file(i), { force: true });
        if (i === 0) this.size = 0;
      }
    }
  }

  async *records(filter: AuditFilter, opts: { follow?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<AuditRecord> {
    const queue = new RecordQueue(opts.signal);
    this.followers.add(queue);
    const push = (r: AuditRecord) => matches(r, filter) && queue.push(r);
    // In the writer's turn: what is queued is written, the files are opened, the follower subscribed.
    const files = await this.queue.exclusive(async () => {
      await this.queue.writeQueued();
      const opened: { fh: FileHandle; size: number }[] = [];
      for (let i = this.opts.maxFiles; i >= 0; i--) {
        const fh = await open(this.file(i), 'r').catch(() => undefined);
        if (!fh) continue;
        const st = await fh.stat();
        // A file last written before `since` holds nothing newer.
        if (filter.since !== undefined && st.mtimeMs < filter.since) await fh.close();
        else opened.push({ fh, size: st.size });
      }
      if (opts.follow) this.written.on('record', push);
      return opened;
    });
    try {
      for (let i = 0; i < files.length; i++) {
        const { fh, size } = files[i];
        if (size > 0) {
          const lines = createInterface({ input: createReadStream('', { fd: fh, start: 0, end: size - 1, autoClose: false }), crlfDelay: Infinity });
          for await (const line of lines) {
            if (opts.signal?.aborted) return;
            const r = parseRecord(line);
            if (r && matches(r, filter)) yield r;
          }
        }
        await fh.close();
        files[i] = { fh, size: -1 };
      }
      if (opts.follow) yield* queue.drain();
    } finally {
      this.written.off('record', push);
      this.followers.delete(queue);
      queue.stop();
      for (const f of files) if (f.size >= 0) await f.fh.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.pruner) clearInterval(this.pruner);
    await this.queue.close();
    for (const q of this.followers) q.stop();
  }
}

function parseRecord(line: string): AuditRecord | undefined {
  if (!line.trim()) return undefined;
  try {
    return JSON.parse(line) as AuditRecord;
  } catch {
    return undefined; // a line cut short by a crash
  }
}

async function statOf(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}
