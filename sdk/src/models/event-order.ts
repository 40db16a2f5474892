// The order events are listed in, apart from the event schema (zod) so the CLI can sort without loading it.
import type { LbEvent } from './events';

/** Oldest first (as listed), by last_seen. */
export const byLastSeen = (a: LbEvent, b: LbEvent): number => a.last_seen.localeCompare(b.last_seen) || a.meta.name.localeCompare(b.meta.name);
