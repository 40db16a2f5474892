// The writes a level store accepted and has not yet written: the latest per key, as JSON (undefined: a
// delete), with the batch group that will write it. A transaction's list reads the ones under its prefix
// on top of the disk; in a burst the overlay holds thousands of keys and a controller pass lists a
// thousand prefixes, so those reads go through the keys sorted once per change of the overlay (a
// controller pass runs as one transaction, with no accept in between) instead of a scan of every key.
import { lowerBound } from '../util/lower-bound';

export interface OverlayWrite<G> {
  json: string | undefined;
  group: G;
}

export class Overlay<G> {
  private readonly writes = new Map<string, OverlayWrite<G>>();
  /** The keys, sorted; dropped at any change and made again by the next prefix read. */
  private sorted: string[] | undefined;

  get size(): number {
    return this.writes.size;
  }

  get(key: string): OverlayWrite<G> | undefined {
    return this.writes.get(key);
  }

  set(key: string, json: string | undefined, group: G): void {
    if (!this.writes.has(key)) this.sorted = undefined;
    this.writes.set(key, { json, group });
  }

  /** Drops the writes a group wrote (the latest write of a key a later group wrote again stays). */
  written(group: G): void {
    for (const [k, w] of this.writes) if (w.group === group) this.writes.delete(k);
    this.sorted = undefined;
  }

  clear(): void {
    this.writes.clear();
    this.sorted = undefined;
  }

  /** The keys under prefix with their JSON, in key order. */
  under(prefix: string): [string, string | undefined][] {
    if (!this.writes.size) return [];
    const keys = (this.sorted ??= [...this.writes.keys()].sort());
    const out: [string, string | undefined][] = [];
    for (let i = lowerBound(keys, prefix); i < keys.length && keys[i]!.startsWith(prefix); i++) out.push([keys[i]!, this.writes.get(keys[i]!)!.json]);
    return out;
  }
}
