// containerd's event stream, decoded into the platform's container events.
import { join } from 'node:path';
import * as protobuf from 'protobufjs';
import type { ContainerEvent } from '@lastbackend/sdk';
import { GRPC, grpcCode } from './errors';
import { PROTO_DIR, timestampToDate, type Any, type Containerd, type Timestamp } from './grpc';

export interface Envelope {
  timestamp: Timestamp | null;
  namespace: string;
  topic: string;
  event: Any | null;
}

const TOPICS: Record<string, ContainerEvent['action']> = {
  '/containers/create': 'create',
  '/tasks/start': 'start',
  '/tasks/exit': 'die',
  '/tasks/oom': 'oom',
  '/containers/delete': 'destroy',
};

let root: protobuf.Root | undefined;
const eventTypes = (): protobuf.Root => {
  root ??= new protobuf.Root().loadSync([join(PROTO_DIR, 'events/task.proto'), join(PROTO_DIR, 'events/container.proto')], {
    keepCase: true,
  });
  return root;
};

interface DecodedEvent {
  container_id?: string;
  id?: string;
}

/** The container an event is about, or undefined for events the platform does not report (exec exits). */
export function containerOf(env: Envelope): string | undefined {
  if (!env.event) return undefined;
  // typeurl names events by their protobuf full name, e.g. "containerd.events.TaskExit".
  const typeName = env.event.type_url.slice(env.event.type_url.lastIndexOf('/') + 1);
  let type: protobuf.Type;
  try {
    type = eventTypes().lookupType(typeName);
  } catch {
    return undefined;
  }
  const ev = type.toObject(type.decode(env.event.value), { defaults: true }) as DecodedEvent;
  if (typeName === 'containerd.events.TaskExit') return ev.id === ev.container_id ? ev.container_id : undefined;
  if (typeName.startsWith('containerd.events.Task')) return ev.container_id || undefined;
  return ev.id || undefined;
}

/** Subscription filters: the topics above, in this namespace (each string is an alternative). */
export const subscriptionFilters = (namespace: string): string[] =>
  Object.keys(TOPICS).map((topic) => `namespace==${JSON.stringify(namespace)},topic==${JSON.stringify(topic)}`);

export const labelsMatch = (labels: Record<string, string>, want: Record<string, string> | undefined): boolean =>
  Object.entries(want ?? {}).every(([k, v]) => labels[k] === v);

/**
 * Container events until `signal` aborts. `labelsOf` finds a container's labels (cached by the caller, so a
 * destroyed container still has them).
 */
export async function* containerEvents(
  ctd: Containerd,
  labelsOf: (id: string, action: ContainerEvent['action']) => Promise<Record<string, string> | undefined>,
  filter: { labels?: Record<string, string> },
  signal: AbortSignal,
): AsyncGenerator<ContainerEvent> {
  if (signal.aborted) return;
  const call = ctd.stream<Envelope>('events', 'Subscribe', { filters: subscriptionFilters(ctd.namespace) });
  const cancel = (): void => call.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for await (const env of call) {
      const action = TOPICS[env.topic];
      const id = action ? containerOf(env) : undefined;
      if (!action || !id) continue;
      const labels = (await labelsOf(id, action)) ?? {};
      if (!labelsMatch(labels, filter.labels)) continue;
      const time = timestampToDate(env.timestamp)?.getTime() ?? Date.now();
      if (signal.aborted) return;
      yield { id, action, labels, time };
    }
  } catch (e) {
    if (signal.aborted || grpcCode(e) === GRPC.CANCELLED) return;
    throw e;
  } finally {
    signal.removeEventListener('abort', cancel);
    call.cancel();
  }
}
