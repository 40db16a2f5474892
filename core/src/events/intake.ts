// A node's events (POST /cluster/node/{node}/events): its agent's about its own pods, its kernel's
// about itself. A node may not speak for another node, nor about a pod bound elsewhere: otherwise it
// could put words in any namespace's events. The server names the component (agent/NODE, kernel/NODE)
// and stamps the time; a batch with one foreign event is refused whole (403 naming each).
import { LbError, NodeEvents, parseOrThrow, type FieldError } from '@lastbackend/sdk';
import type { EventInput } from './fold';

export interface PodPlacement {
  /** The service of a pod bound to `node` (or lately), else undefined. */
  serviceOfPodOn(node: string, ns: string, pod: string): Promise<string | undefined>;
}

/** How far back a node's clock is believed: an event older than this, or from the future, gets the server's time. */
const TRUSTED_PAST_MS = 10 * 60_000;

function when(time: string | undefined): { at?: number } {
  const t = time === undefined ? NaN : Date.parse(time);
  const now = Date.now();
  return Number.isFinite(t) && t <= now && t >= now - TRUSTED_PAST_MS ? { at: t } : {};
}

export async function nodeEvents(node: string, body: unknown, pods: PodPlacement): Promise<EventInput[]> {
  const { events } = parseOrThrow(NodeEvents, body, 'invalid events');
  const bad: FieldError[] = [];
  const out: EventInput[] = [];
  const services = new Map<string, string | undefined>();
  for (const [i, e] of events.entries()) {
    const o = e.object;
    const base = { type: e.type, reason: e.reason, message: e.message, count: e.count, component: `${e.component}/${node}`, ...when(e.time) };
    if (o.kind === 'Node') {
      if (o.name !== node || o.namespace !== undefined) bad.push({ field: `events.${i}.object`, reason: `node "${node}" may only report about itself, not node "${o.name}"` });
      else out.push({ ...base, object: { kind: 'Node', name: node } });
      continue;
    }
    if (o.namespace === undefined) {
      bad.push({ field: `events.${i}.object.namespace`, reason: "a pod's event names its namespace" });
      continue;
    }
    const key = `${o.namespace}/${o.name}`;
    if (!services.has(key)) services.set(key, await pods.serviceOfPodOn(node, o.namespace, o.name));
    const service = services.get(key);
    if (service === undefined) bad.push({ field: `events.${i}.object`, reason: `pod "${o.name}" of namespace "${o.namespace}" is not bound to node "${node}"` });
    else out.push({ ...base, object: { kind: 'Pod', namespace: o.namespace, name: o.name, service } });
  }
  if (bad.length) {
    const shown = bad.slice(0, 3).map((f) => `${f.field}: ${f.reason}`).join('; ');
    throw new LbError('FORBIDDEN', `${shown}${bad.length > 3 ? ` (+${bad.length - 3} more)` : ''}`, { fields: bad });
  }
  return out;
}
