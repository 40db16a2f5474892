// Logs of a service: every pod's containers, from the agents of their nodes, merged in time order.
import { LbError, type LogEntry } from '@lastbackend/sdk';
import type { ClusterState } from '../cluster/cluster';
import { mergeByTime } from '../util/merge';
import type { NodeGateway } from './node-gateway';

export interface LogQuery {
  follow?: boolean;
  tail?: number;
  since?: number;
  pod?: string;
  signal?: AbortSignal;
}

export class LogService {
  constructor(
    private readonly cluster: ClusterState,
    private readonly gateway: NodeGateway,
  ) {}

  /** Checks the request first (so errors become 4xx before streaming), then returns the lines. */
  async serviceLogs(ns: string, svc: string, q: LogQuery): Promise<AsyncGenerator<LogEntry>> {
    const pods = (await this.cluster.pods(ns, { service: svc })).filter((p) => p.meta.node && !p.spec.destroy && (!q.pod || p.meta.name === q.pod));
    if (q.pod && !pods.length) throw new LbError('NOT_FOUND', `pod "${q.pod}" of service "${svc}" not found`);
    const agents = await Promise.all(pods.map((p) => this.gateway.agent(p.meta.node)));
    const sources = pods.map((p, i) => {
      const it = agents[i].logs(ns, p.meta.name, q);
      return { next: () => it.next().catch((): IteratorResult<LogEntry> => ({ done: true, value: undefined })), map: (l: LogEntry) => l };
    });
    const merged = mergeByTime(sources, !!q.follow);
    if (q.follow || q.tail === undefined) return merged;
    return lastN(merged, q.tail);
  }
}

async function* lastN<T>(it: AsyncIterable<T>, n: number): AsyncGenerator<T> {
  const all: T[] = [];
  for await (const x of it) all.push(x);
  yield* all.slice(Math.max(0, all.length - n));
}
