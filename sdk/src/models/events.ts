// Events: what the platform did or could not do with an object, reported by the component that did it
// (the scheduler, a node's agent or kernel, the controller). Read-only to users: there is no manifest.
// Repeats are folded into one event with a count (same object, type, reason, message and component).
import { z } from 'zod';

export const EVENT_TYPES = ['normal', 'warning'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The kinds an event can be about: namespaced (Service, Pod, Job, Task) or the cluster's (Node). */
export const EVENT_OBJECT_KINDS = ['Service', 'Pod', 'Node', 'Job', 'Task'] as const;
export type EventObjectKind = (typeof EVENT_OBJECT_KINDS)[number];

export const EventObjectSchema = z
  .object({
    kind: z.enum(EVENT_OBJECT_KINDS),
    namespace: z.string().min(1).max(63).optional().describe('absent for a Node'),
    name: z.string().min(1).max(253),
    service: z.string().optional().describe("a pod's service (so a service's events include its pods')"),
    job: z.string().optional().describe("a task's job (so a job's events include its tasks')"),
  })
  .strict();
export type EventObject = z.infer<typeof EventObjectSchema>;

export const EventSchema = z
  .object({
    kind: z.literal('Event'),
    version: z.literal('v1'),
    meta: z
      .object({
        name: z.string().describe("the object's name and a hash of what folds repeats together"),
        namespace: z.string().optional(),
        revision: z.number().describe('store revision of the last write'),
      })
      .strict(),
    object: EventObjectSchema,
    type: z.enum(EVENT_TYPES),
    reason: z.string().describe('one word, e.g. Scheduled, FailedScheduling, Pulling, BackOff, DriverSwapped'),
    message: z.string(),
    count: z.number().int().describe('how often it happened (repeats folded)'),
    first_seen: z.string().describe('RFC 3339'),
    last_seen: z.string().describe('RFC 3339'),
    component: z.string().describe('who reported it: scheduler, controller, agent/NODE, kernel/NODE'),
  })
  .strict();
/** An Event (named LbEvent: `Event` is a global of the runtime). */
export type LbEvent = z.infer<typeof EventSchema>;

/** A reason: one CamelCase word. */
export const EventReason = z.string().regex(/^[A-Z][A-Za-z]{1,63}$/, 'must be one CamelCase word (e.g. Pulling)');
const MAX_MESSAGE = 1024;

/** What a node reports: its agent's events about its own pods, and its kernel's about itself. */
export const NodeEventReport = z
  .object({
    component: z.enum(['agent', 'kernel']).describe('the server names it agent/NODE or kernel/NODE'),
    object: z
      .object({ kind: z.enum(['Pod', 'Node']), namespace: z.string().min(1).max(63).optional(), name: z.string().min(1).max(253) })
      .strict()
      .describe("one of the node's pods, or the node itself"),
    type: z.enum(EVENT_TYPES),
    reason: EventReason,
    message: z.string().max(MAX_MESSAGE),
    count: z.number().int().min(1).max(1_000_000).default(1).describe('repeats the agent folded before sending'),
    time: z.iso.datetime({ offset: true }).optional().describe('when it (last) happened; the server takes it within the last 10 minutes, else its own time'),
  })
  .strict();
export type NodeEventReport = z.input<typeof NodeEventReport>;

export const NodeEvents = z.object({ events: z.array(NodeEventReport).max(1000) }).strict();

/** ?for=KIND/NAME: service/NAME (its events and its pods'), pod/NAME, node/NAME. */
export const EVENT_FOR_RE = /^(service|svc|pod|po|node|no|job|task)\/([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)$/i;

export { byLastSeen } from './event-order';
