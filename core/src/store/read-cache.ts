// What the level store last read, as the JSON text it decodes from, so a read of an unchanged key or
// prefix skips LevelDB (a thread-pool round trip each) and hands back a fresh object parsed from it.
// Only the store's own commits change its data (one process owns the data dir), and each commit hands
// the cache the texts it wrote, right after its batch is on disk: the keys are kept as written and the
// kept scans brought up to date (gaining, losing or replacing the key), so a pass that reads back what
// the last one wrote needs no disk read either. A read that was under way during a commit that touched
// what it read may have seen the old value: it is not kept (generation, and the keys of the last
// commits; a commit that touched other keys does not matter, so reads are still kept while writes
// elsewhere go on all the time).

import { lowerBound } from '../util/lower-bound';

/**
 * Keys (single reads) and prefixes (scans) kept at most; the oldest go first. Keys: room for the working
 * set of 10,000 pods with their services and deployments (at 10,000 keys, pods were dropped before their
 * next report and each report read the disk); a kept text is mostly the same string a kept scan holds.
 */
const MAX_KEYS = 50_000;
const MAX_PREFIXES = 4_096;
/** A scan larger than this is not kept (its text would pin a lot of memory). */
const MAX_SCAN_ENTRIES = 2_000;
/** Commits whose keys are remembered: a read that began before the oldest of them is not kept. */
const RECENT_COMMITS = 256;

export interface Scan {
  /** In key order, as LevelDB iterates them. */
  keys: string[];
  /** The values' JSON texts, one per key. */
  texts: string[];
}

/** A commit's write of one key: its new text, undefined for a delete. */
export interface KeyWrite {
  key: string;
  text: string | undefined;
}

export class ReadCache {
  private readonly keys = new Map<string, string | undefined>();
  private readonly scans = new Map<string, Scan>();
  /** Bumped by every commit: a read that began before it may not be kept. */
  generation = 0;
  /** The keys of the last commits, oldest first. */
  private readonly recent: { generation: number; keys: string[] }[] = [];

  get(key: string): { text: string | undefined } | undefined {
    return this.keys.has(key) ? { text: this.keys.get(key) } : undefined;
  }

  /** Whether a commit since generation `since` touched a key that test picks (or it is too long ago to tell). */
  private touchedSince(since: number, test: (key: string) => boolean): boolean {
    if (since === this.generation) return false;
    const oldest = this.recent[0];
    if (!oldest || oldest.generation > since + 1) return true;
    for (const c of this.recent) if (c.generation > since && c.keys.some(test)) return true;
    return false;
  }

  keep(key: string, text: string | undefined, since: number): void {
    if (!this.touchedSince(since, (k) => k === key)) this.put(key, text);
  }

  private put(key: string, text: string | undefined): void {
    if (!this.keys.has(key) && this.keys.size >= MAX_KEYS) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(key, text);
  }

  scan(prefix: string): Scan | undefined {
    return this.scans.get(prefix);
  }

  keepScan(prefix: string, keys: string[], texts: string[], since: number): void {
    if (keys.length > MAX_SCAN_ENTRIES || this.touchedSince(since, (k) => k.startsWith(prefix))) return;
    if (this.scans.size >= MAX_PREFIXES) this.scans.delete(this.scans.keys().next().value as string);
    this.scans.set(prefix, { keys, texts });
  }

  /** Called right after a commit's batch is on disk, before anyone can read again, with its writes in order. */
  changed(writes: readonly KeyWrite[]): void {
    this.recent.push({ generation: ++this.generation, keys: writes.map((w) => w.key) });
    if (this.recent.length > RECENT_COMMITS) this.recent.shift();
    for (const { key, text } of writes) {
      // Taken in even when not read yet: what was just written is what the next pass reads (a pod's
      // status report reads the pod the controller wrote, a service pass the service it wrote).
      this.put(key, text);
      // The scans that hold the key are those whose prefix is a prefix of it: one lookup per length, not
      // one test per kept scan (a commit of 640 pods against thousands of scans was millions of tests).
      if (this.scans.size) for (let n = 0; n <= key.length; n++) this.update(key.slice(0, n), key, text);
    }
  }

  private update(prefix: string, key: string, text: string | undefined): void {
    const scan = this.scans.get(prefix);
    if (!scan) return;
    const i = lowerBound(scan.keys, key);
    const present = scan.keys[i] === key;
    if (text === undefined) {
      if (present) {
        scan.keys.splice(i, 1);
        scan.texts.splice(i, 1);
      }
    } else if (present) scan.texts[i] = text;
    else if (scan.keys.length >= MAX_SCAN_ENTRIES) this.scans.delete(prefix);
    else {
      scan.keys.splice(i, 0, key);
      scan.texts.splice(i, 0, text);
    }
  }
}
