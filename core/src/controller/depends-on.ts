// Start order (spec.depends_on): the cycle check the API runs when services are written, and the gate the
// controller puts on a rollout. Pure functions of the services given: the API passes the namespace's
// services as they would be after the write, the controller the dependencies as stored.
import type { Dependency, Service } from '@lastbackend/sdk';

/** What a service says of its dependencies: its name and spec.depends_on. */
export interface DependencyNode {
  name: string;
  depends_on?: readonly Dependency[];
}

/**
 * A dependency cycle through `from`, as the names along it ending where it started (["web", "api", "web"]),
 * or undefined when none passes through it. A dependency on a service not in `nodes` ends the path (it waits).
 */
export function findCycle(nodes: readonly DependencyNode[], from: string): string[] | undefined {
  const edges = new Map(nodes.map((n) => [n.name, (n.depends_on ?? []).map((d) => d.service)]));
  const done = new Set<string>();
  const path: string[] = [];
  // Depth first from `from`; a path that comes back to `from` is the cycle. Services already explored
  // lead back to it by no path (else that path would have been found), so each is visited once.
  const visit = (n: string): boolean => {
    path.push(n);
    for (const next of edges.get(n) ?? []) {
      if (next === from) return path.push(next), true;
      if (done.has(next) || path.includes(next)) continue;
      if (visit(next)) return true;
    }
    done.add(path.pop()!);
    return false;
  };
  return visit(from) ? path : undefined;
}

/** "cycle web → api → web", or for a service naming itself, what that is. */
export function cycleReason(cycle: readonly string[]): string {
  return cycle.length === 2 ? `service ${cycle[0]} depends on itself` : `cycle ${cycle.join(' → ')}`;
}

/**
 * A service others may start after: it serves its desired replicas. That is the state the controller calls
 * ready, or, while a newer version of it rolls out, a serving version with its replicas ready (a database
 * being updated still serves). A service being deleted is not.
 */
export function isReadyService(s: Pick<Service, 'spec' | 'status'>): boolean {
  if (s.status.state === 'destroying') return false;
  if (s.status.state === 'ready') return true;
  return !!s.status.deployment && (s.status.replicas?.ready ?? 0) >= s.spec.replicas;
}

export interface DependencyWait {
  /** The dependencies not ready, in the order the service names them. */
  services: string[];
  /** "waiting for service db to be ready", for the rollout, the service's message and the event. */
  message: string;
}

/**
 * What a new version of a service waits for before its pods are made: the dependencies that are not
 * ready (`lookup` answers undefined for one that does not exist yet), or undefined when it may start.
 */
export function dependencyWait(
  dependsOn: readonly Dependency[] | undefined,
  lookup: (service: string) => Pick<Service, 'spec' | 'status'> | undefined,
): DependencyWait | undefined {
  const missing: string[] = [];
  const services: string[] = [];
  for (const d of dependsOn ?? []) {
    const s = lookup(d.service);
    if (!s) missing.push(d.service);
    if (!s || !isReadyService(s)) services.push(d.service);
  }
  if (!services.length) return undefined;
  const named = services.length === 1 ? `service ${services[0]}` : `services ${services.slice(0, -1).join(', ')} and ${services[services.length - 1]}`;
  const absent = missing.length ? ` (${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist yet)` : '';
  return { services, message: `waiting for ${named} to be ready${absent}` };
}
