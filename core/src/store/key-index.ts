// Which keys exist under a prefix, kept in memory once read, so that a read of a key that is not there
// (every create checks that its name is free) is answered without a LevelDB round trip. Under load each
// round trip costs an event-loop turn, and the store's transactions run one at a time: a create that
// waited for the disk to say "absent" held every later transaction back.
// A prefix's key set is loaded by one keys-only scan; commits that land while it is under way are
// recorded and applied on top when it ends (a commit's key is on disk, so its last op says whether it
// exists whatever the scan saw). After that each commit updates it, right after its batch is on disk.

/** A prefix is not indexed when it holds more keys than this (memory). */
const MAX_KEYS_PER_PREFIX = 100_000;
const MAX_PREFIXES = 256;

/** A key written by a commit: present after it (put) or not (del). */
export interface KeyChange {
  key: string;
  present: boolean;
}

/** The prefix a key is indexed under: everything up to its last '/'. */
export const parentOf = (key: string): string => key.slice(0, key.lastIndexOf('/') + 1);

export class KeyIndex {
  private readonly sets = new Map<string, Set<string>>();
  /** Scans under way: the commits that landed since each began. */
  private readonly loading = new Map<string, KeyChange[]>();

  /** True only when the key is known not to exist; false when it does or nothing is known. */
  absent(key: string): boolean {
    const set = this.sets.get(parentOf(key));
    return set !== undefined && !set.has(key);
  }

  /** Starts loading the prefix's keys unless they are known or being loaded; scan reads them from disk. */
  load(prefix: string, scan: () => Promise<string[]>): void {
    if (this.sets.has(prefix) || this.loading.has(prefix)) return;
    const changes: KeyChange[] = [];
    this.loading.set(prefix, changes);
    scan().then(
      (keys) => {
        this.loading.delete(prefix);
        if (keys.length > MAX_KEYS_PER_PREFIX) return;
        const set = new Set(keys.filter((k) => parentOf(k) === prefix));
        for (const c of changes) (c.present ? set.add(c.key) : set.delete(c.key));
        if (this.sets.size >= MAX_PREFIXES) this.sets.delete(this.sets.keys().next().value as string);
        this.sets.set(prefix, set);
      },
      () => this.loading.delete(prefix),
    );
  }

  /** Called right after a commit's batch is on disk, before anyone can read again. */
  changed(changes: readonly KeyChange[]): void {
    for (const c of changes) {
      const prefix = parentOf(c.key);
      this.loading.get(prefix)?.push(c);
      const set = this.sets.get(prefix);
      if (!set) continue;
      if (c.present) set.add(c.key);
      else set.delete(c.key);
      if (set.size > MAX_KEYS_PER_PREFIX) this.sets.delete(prefix);
    }
  }
}
