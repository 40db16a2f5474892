// Start order (spec.depends_on): the cycle check the API runs when services are written, and the gate the
// controller puts on a rollout. Pure functions of the services (and jobs' tasks) given: the API passes the
// namespace's services as they would be after the write, the controller the dependencies as stored.
import { TASK_FINISHED, type Dependency, type Service, type Task } from '@lastbackend/sdk';

/** What a service says of its dependencies: its name and spec.depends_on. */
export interface DependencyNode {
  name: string;
  depends_on?: readonly Dependency[];
}

/** The services a service depends on (a job depends on nothing, so it closes no cycle). */
const serviceDeps = (ds: readonly Dependency[] | undefined): string[] => (ds ?? []).flatMap((d) => ('service' in d ? [d.service] : []));

/**
 * A dependency cycle through `from`, as the names along it ending where it started (["web", "api", "web"]),
 * or undefined when none passes through it. A dependency on a service not in `nodes` ends the path (it waits),
 * as does one on a job (a job waits for nothing).
 */
export function findCycle(nodes: readonly DependencyNode[], from: string): string[] | undefined {
  const edges = new Map(nodes.map((n) => [n.name, serviceDeps(n.depends_on)]));
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

/** What the gate reads of a job depended on: its tasks (any order). */
export interface JobTasks {
  tasks: readonly Pick<Task, 'meta' | 'status'>[];
}

/**
 * The latest finished task of a job (by its finish time, then its creation): the one a dependency on the job
 * looks at. A task that runs again (a retry) is not finished until its last attempt is.
 */
export function latestFinishedTask<T extends Pick<Task, 'meta' | 'status'>>(tasks: readonly T[]): T | undefined {
  const order = (x: T) => `${x.status.finished ?? ''}\u0000${x.meta.created}\u0000${x.meta.name}`;
  let latest: T | undefined;
  for (const t of tasks) if (TASK_FINISHED.has(t.status.state) && (!latest || order(t) > order(latest))) latest = t;
  return latest;
}

/** A job others may start after: its latest finished task succeeded (a rerun that runs now does not undo it). */
export const isCompletedJob = (j: JobTasks): boolean => latestFinishedTask(j.tasks)?.status.state === 'succeeded';

export interface DependencyWait {
  /** The services not ready, in the order the service names them. */
  services: string[];
  /** The jobs not completed, in the order the service names them. */
  jobs: string[];
  /** "waiting for service db to be ready", for the rollout, the service's message and the event. */
  message: string;
}

const listed = (kind: string, names: readonly string[]) =>
  names.length === 1 ? `${kind} ${names[0]}` : `${kind}s ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/**
 * What a new version of a service waits for before its pods are made: the services that are not ready and
 * the jobs whose latest finished task did not succeed (`lookup`/`lookupJob` answer undefined for one that
 * does not exist yet), or undefined when it may start.
 */
export function dependencyWait(
  dependsOn: readonly Dependency[] | undefined,
  lookup: (service: string) => Pick<Service, 'spec' | 'status'> | undefined,
  lookupJob: (job: string) => JobTasks | undefined = () => undefined,
): DependencyWait | undefined {
  const missing: string[] = [];
  const services: string[] = [];
  const jobs: string[] = [];
  const notes: string[] = [];
  for (const d of dependsOn ?? []) {
    if ('job' in d) {
      const j = lookupJob(d.job);
      if (!j) missing.push(d.job);
      if (j && isCompletedJob(j)) continue;
      jobs.push(d.job);
      const last = j && latestFinishedTask(j.tasks);
      if (last) notes.push(`the latest task of ${d.job}, ${last.meta.name}, ${last.status.state}`);
      continue;
    }
    const s = lookup(d.service);
    if (!s) missing.push(d.service);
    if (!s || !isReadyService(s)) services.push(d.service);
  }
  if (!services.length && !jobs.length) return undefined;
  const what = [...(services.length ? [`${listed('service', services)} to be ready`] : []), ...(jobs.length ? [`${listed('job', jobs)} to complete`] : [])];
  if (missing.length) notes.unshift(`${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist yet`);
  return { services, jobs, message: `waiting for ${what.join(' and ')}${notes.length ? ` (${notes.join('; ')})` : ''}` };
}
