// The Prometheus metric families of this process, in two registries: the server's (API, controller,
// scheduler, store, cluster gauges) and the node agent's (driver calls and health, container restarts,
// pods by phase on the node, its containers' CPU and memory). `lb server` serves both on /metrics (its local agent runs in-process); a
// joined node's agent serves its own, which the API server relays (GET /cluster/node/{node}/metrics).
// Labels are bounded: route templates, not paths; kinds, methods, phases and outcomes; node names.
// Gauges that describe state (pods, nodes, queue depth, driver health) are read when scraped, from
// sources the running parts register (refresh), never kept up to date on the hot path.
import { Counter, Gauge, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './fast';

export const serverRegistry = new Registry();
export const agentRegistry = new Registry();

/** Short operations (API calls, store, drivers), seconds. */
const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A rollout: from a new version stored to all its replicas ready, seconds. */
const DEPLOY_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800];

// ---------------------------------------------------------------- server
export const httpRequests = new FastHistogram('lb_http_request_duration_seconds', 'API requests by method, route template and status code, with their duration', ['method', 'route', 'code'], FAST_BUCKETS, serverRegistry);
export const hotLaneCalls = new FastCounter('lb_http_hot_lane_calls_total', 'API calls answered before Express by a hot lane (kept reads, object writes), by lane', ['lane'], serverRegistry);
export const deployDuration = new FastHistogram('lb_deploy_duration_seconds', "from a service's new version stored to all its replicas ready (apply → ready)", [], DEPLOY_BUCKETS, serverRegistry);
export const schedulerPlacements = new FastCounter('lb_scheduler_placements_total', 'pods the scheduler placed on a node or found no node for', ['outcome'], serverRegistry);
export const schedulerLatency = new FastHistogram('lb_scheduler_placement_duration_seconds', 'time to choose a node for one pod', [], [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1], serverRegistry);
export const reconcileDuration = new FastHistogram('lb_reconcile_duration_seconds', "controller passes by kind of work (service, namespace, nodes) and outcome", ['kind', 'outcome'], FAST_BUCKETS, serverRegistry);
export const storeOperations = new FastHistogram('lb_store_operation_duration_seconds', 'state store operations by operation (get, entries, txn) and outcome, with their latency', ['op', 'outcome'], FAST_BUCKETS, serverRegistry);
export const reconcileQueue = new Gauge({ name: 'lb_reconcile_queue_depth', help: 'work items waiting for a controller pass (0 on a server that does not lead)', registers: [serverRegistry] });
export const podsByPhase = new Gauge({ name: 'lb_pods', help: 'pods of the cluster by phase', labelNames: ['phase'], registers: [serverRegistry] });
export const nodeCapacity = new Gauge({ name: 'lb_node_capacity', help: 'what a node offers, by resource (cpu_millicores, memory_bytes, pods)', labelNames: ['node', 'resource'], registers: [serverRegistry] });
export const nodeAllocated = new Gauge({ name: 'lb_node_allocated', help: 'what the pods placed on a node request, by resource (cpu_millicores, memory_bytes, pods)', labelNames: ['node', 'resource'], registers: [serverRegistry] });

// ---------------------------------------------------------------- node agent
export const driverCalls = new FastHistogram('lb_driver_call_duration_seconds', 'driver calls by kind, method and outcome, with their latency', ['kind', 'method', 'outcome'], FAST_BUCKETS, agentRegistry);
export const driverUp = new Gauge({ name: 'lb_driver_up', help: "1 when the active driver of a kind probes ready, else 0", labelNames: ['kind', 'package'], registers: [agentRegistry] });
export const containerRestarts = new FastCounter('lb_container_restarts_total', 'containers this node restarted (restart policy, liveness probe)', [], agentRegistry);
// Read from the runtime's stats when scraped (agent/pod-stats.ts): one series per running container.
export const containerCpuSeconds = new Counter({ name: 'lb_container_cpu_seconds_total', help: 'CPU time a running container of this node used since it started', labelNames: ['namespace', 'pod', 'container'], registers: [agentRegistry] });
export const containerMemory = new Gauge({ name: 'lb_container_memory_bytes', help: 'memory a running container of this node uses (page cache excluded where the runtime can tell)', labelNames: ['namespace', 'pod', 'container'], registers: [agentRegistry] });
export const agentPods = new Gauge({ name: 'lb_agent_pods', help: 'pods this node runs, by the phase it last reported', labelNames: ['phase'], registers: [agentRegistry] });

/** What refreshes a registry's state gauges before a scrape; registered by the parts that know. */
type Refresh = () => Promise<void> | void;
const refreshers = new Map<Registry, Set<Refresh>>([
  [serverRegistry, new Set()],
  [agentRegistry, new Set()],
]);

/** Runs before every scrape of the registry until the returned function is called. */
export function onScrape(registry: Registry, fn: Refresh): () => void {
  const set = refreshers.get(registry)!;
  set.add(fn);
  return () => void set.delete(fn);
}

async function refresh(registries: Registry[]): Promise<void> {
  await Promise.all(registries.flatMap((r) => [...refreshers.get(r)!].map((fn) => Promise.resolve().then(fn).catch(() => undefined))));
}

/** The text exposition of the registries (refreshed first), as Prometheus scrapes it. */
export async function exposition(registries: Registry[]): Promise<string> {
  await refresh(registries);
  const parts = await Promise.all(registries.map((r) => r.metrics()));
  return parts.join('\n');
}

export const CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** The server's output: its own families, and its local agent's when it runs one (an embedded `lb server`). */
export const serverExposition = (withAgent: boolean): Promise<string> => exposition(withAgent ? [serverRegistry, agentRegistry] : [serverRegistry]);
export const agentExposition = (): Promise<string> => exposition([agentRegistry]);
