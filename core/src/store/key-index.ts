// Which keys exist in a group (a kind and a namespace: `pod/ns/`), kept in memory once read, so that a
// read of a key that is not there (every create checks that its name is free) and a scan of a prefix
// that holds nothing (a new service's pods and deployments) are answered without a LevelDB round trip.
// Under load each round trip costs an event-loop turn, and the store's transactions run one at a time:
// a read that waited for the disk to say "nothing" held every later transaction back.
// A group's keys are loaded by one keys-only scan; commits that land while it is under way are recorded
// and applied on top when it ends (a commit's key is on disk, so its last op says whether it exists
// whatever the scan saw). After that each commit updates it, right after its batch is on disk.

import { lowerBound } from '../util/lower-bound';

/** A group is not indexed when it holds more keys than this (memory). */
const MAX_KEYS_PER_GROUP = 100_000;
const MAX_GROUPS = 256;

/** A key written by a commit: present after it (put) or not (del). */
export interface KeyChange {
  key: string;
  present: boolean;
}

/** Where a key's second '/' is, -1 when it has fewer. */
function secondSlash(key: string): number {
  const first = key.indexOf('/');
  return first < 0 ? -1 : key.indexOf('/', first + 1);
}

/**
 * The group a key (or a scan's prefix) is indexed under: up to its second '/' (`pod/ns/name` →
 * `pod/ns/`, `deployment/ns/svc/v1` → `deployment/ns/`), else up to its last (`node/n1` → `node/`).
 */
export function groupOf(key: string): string {
  const second = secondSlash(key);
  return key.slice(0, (second < 0 ? key.lastIndexOf('/') : second) + 1);
}

/** Whether every key under a scan's prefix is in one group (the prefix reaches its second '/'): emptyUnder can answer. */
export const withinOneGroup = (prefix: string): boolean => secondSlash(prefix) >= 0;

export class KeyIndex {
  /** Each loaded group's keys, sorted. */
  private readonly groups = new Map<string, string[]>();
  /** Loads under way: the commits that landed since each began. */
  private readonly loading = new Map<string, KeyChange[]>();

  /** True only when the key is known not to exist; false when it does or nothing is known. */
  absent(key: string): boolean {
    const keys = this.groups.get(groupOf(key));
    return keys !== undefined && keys[lowerBound(keys, key)] !== key;
  }

  /** True only when no key under the prefix is known to exist; false when one does or nothing is known. */
  emptyUnder(prefix: string): boolean {
    if (!withinOneGroup(prefix)) return false;
    const keys = this.groups.get(groupOf(prefix));
    return keys !== undefined && !(keys[lowerBound(keys, prefix)]?.startsWith(prefix) ?? false);
  }

  /**
   * Starts loading the group that holds key (or prefix) unless it is known or being loaded; scan reads
   * the keys under the group from disk.
   */
  load(keyOrPrefix: string, scan: (group: string) => Promise<string[]>): void {
    const group = groupOf(keyOrPrefix);
    if (!group || this.groups.has(group) || this.loading.has(group)) return;
    const changes: KeyChange[] = [];
    this.loading.set(group, changes);
    scan(group).then(
      (found) => {
        this.loading.delete(group);
        if (found.length > MAX_KEYS_PER_GROUP) return;
        // A group of one segment (`node/`) holds no deeper keys: those are their own groups.
        const set = new Set(found.filter((k) => groupOf(k) === group));
        for (const c of changes) (c.present ? set.add(c.key) : set.delete(c.key));
        if (this.groups.size >= MAX_GROUPS) this.groups.delete(this.groups.keys().next().value as string);
        this.groups.set(group, [...set].sort());
      },
      () => this.loading.delete(group),
    );
  }

  /** Called right after a commit's batch is on disk, before anyone can read again. */
  changed(changes: readonly KeyChange[]): void {
    for (const c of changes) {
      const group = groupOf(c.key);
      this.loading.get(group)?.push(c);
      const keys = this.groups.get(group);
      if (!keys) continue;
      const i = lowerBound(keys, c.key);
      const there = keys[i] === c.key;
      if (c.present && !there) keys.splice(i, 0, c.key);
      else if (!c.present && there) keys.splice(i, 1);
      if (keys.length > MAX_KEYS_PER_GROUP) this.groups.delete(group);
    }
  }
}
