// A watch's events (`?watch=true` on a list route) and where a watching client stands, so that a
// reconnect resumes exactly: every change once, none twice. The server sends SYNCED after each commit's
// changes (several changes of one commit share its revision); a connection may drop between them: the
// cursor resumes from the last revision it knows it saw whole, and skips the objects it already saw of
// the one after.

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNCED' | 'RESYNC';

export interface WatchEvent<T = unknown> {
  /**
   * ADDED, MODIFIED, DELETED: a change (DELETED carries the object as it was); SYNCED: everything up
   * to revision was sent (the current items, then each commit's changes); RESYNC: the watch starts over (its revision was too old, or it dropped before
   * SYNCED): forget what it showed, the current items follow as ADDED.
   */
  type: WatchEventType;
  revision: number;
  object?: T;
}

/** An object's identity within one list: namespace and name (a token: its id). */
export function objectKey(o: unknown): string {
  const x = (o ?? {}) as { id?: unknown; meta?: { namespace?: unknown; name?: unknown } };
  return `${String(x.meta?.namespace ?? '')}/${String(x.meta?.name ?? x.id ?? '')}`;
}

export class WatchCursor {
  /** Every change up to this revision was seen (undefined: not synced yet, a restart lists again). */
  private whole?: number;
  /** The revision of the newest changes seen, which may not all have arrived, and whose objects they were. */
  private partial?: number;
  private seen = new Set<string>();

  constructor(revision?: number) {
    this.whole = revision;
  }

  /** The revision to ask for changes after; undefined: start over with the current items. */
  get resumeFrom(): number | undefined {
    return this.whole;
  }

  /** Takes an event from the stream: false when it is a repeat to skip. */
  accept(ev: WatchEvent): boolean {
    if (ev.type === 'SYNCED') {
      this.whole = ev.revision;
      this.partial = undefined;
      this.seen.clear();
      return true;
    }
    if (ev.type === 'RESYNC') {
      this.reset();
      return true;
    }
    if (this.whole === undefined) return true; // the current items, before SYNCED
    if (ev.revision <= this.whole) return false;
    const key = objectKey(ev.object);
    if (ev.revision === this.partial) {
      if (this.seen.has(key)) return false;
      this.seen.add(key);
      return true;
    }
    // A newer revision: the one before it is whole.
    if (this.partial !== undefined) this.whole = this.partial;
    this.partial = ev.revision;
    this.seen = new Set([key]);
    return true;
  }

  reset(): void {
    this.whole = undefined;
    this.partial = undefined;
    this.seen.clear();
  }
}
