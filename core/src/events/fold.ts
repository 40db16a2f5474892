// The pure part of events: what folds repeats together (the identity, and the key it gives), how a
// repeat changes an event, and which events retention drops. The recorder (recorder.ts) applies them.
import { createHash } from 'node:crypto';
import type { EventObject, EventType, LbEvent } from '@lastbackend/sdk';
import { CLUSTER_EVENTS, keys } from '../store/keys';

/** What a component reports: one occurrence (or `count` folded ones) of something about an object. */
export interface EventInput {
  object: EventObject;
  type: EventType;
  reason: string;
  message: string;
  /** scheduler, controller, agent/NODE, kernel/NODE. */
  component: string;
  /** Occurrences folded already (an agent's batch); default 1. */
  count?: number;
  /** When it happened (ms since the epoch); default now. */
  at?: number;
}

/** Same object, type, reason, message and component: the same event, counted. */
export function identity(e: EventInput): string {
  const o = e.object;
  return JSON.stringify([o.kind, o.namespace ?? '', o.name, e.type, e.reason, e.message, e.component]);
}

/** The event's name: its object's name and a hash of its identity (so a repeat finds it by key). */
export function eventName(e: EventInput): string {
  return `${e.object.name}.${createHash('sha256').update(identity(e)).digest('hex').slice(0, 12)}`;
}

/** Where an event is stored: under its object's namespace, or the cluster's segment. */
export function eventKey(e: EventInput): string {
  return keys.event(e.object.namespace ?? CLUSTER_EVENTS, eventName(e));
}

/** A new event, or `prev` with the repeats added (count up, last_seen moved on). */
export function fold(prev: LbEvent | undefined, e: EventInput, first: number, last: number): LbEvent {
  const count = Math.max(1, e.count ?? 1);
  if (prev) {
    const seen = new Date(last).toISOString();
    return { ...prev, count: prev.count + count, last_seen: seen > prev.last_seen ? seen : prev.last_seen };
  }
  return {
    kind: 'Event',
    version: 'v1',
    meta: { name: eventName(e), ...(e.object.namespace ? { namespace: e.object.namespace } : {}), revision: 0 },
    object: e.object,
    type: e.type,
    reason: e.reason,
    message: e.message,
    count,
    first_seen: new Date(first).toISOString(),
    last_seen: new Date(last).toISOString(),
    component: e.component,
  };
}

/**
 * Which events retention drops: those last seen more than ttl seconds ago, then the oldest beyond max.
 * Takes [key, event] pairs; answers keys.
 */
export function expired(entries: readonly [string, LbEvent][], now: number, ttl: number, max: number): string[] {
  const cutoff = new Date(now - ttl * 1000).toISOString();
  const drop: string[] = [];
  const kept: [string, LbEvent][] = [];
  for (const entry of entries) {
    if (entry[1].last_seen < cutoff) drop.push(entry[0]);
    else kept.push(entry);
  }
  if (kept.length > max) {
    kept.sort(([ka, a], [kb, b]) => a.last_seen.localeCompare(b.last_seen) || ka.localeCompare(kb));
    for (const [k] of kept.slice(0, kept.length - max)) drop.push(k);
  }
  return drop;
}
