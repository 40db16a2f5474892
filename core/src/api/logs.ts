// Logs of a service (or one of its pods) from the log collector's store: history in time order,
// then, when following, every new line as it is stored.
import { LbError, type LogEntry } from '@lastbackend/sdk';
import type { ClusterState } from '../cluster/cluster';
import type { CollectedLine, LogStore } from '../logs/log-store';

export interface LogQuery {
  follow?: boolean;
  tail?: number;
  since?: number;
  pod?: string;
  signal?: AbortSignal;
}

const entry = (l: CollectedLine): LogEntry => ({ pod: l.pod, container: l.container, stream: l.stream, time: l.time, line: l.line });

export class LogService {
  constructor(
    private readonly cluster: ClusterState,
    private readonly store: LogStore,
  ) {}

  /** Checks the request first (so errors become 4xx before streaming), then returns the lines. */
  async serviceLogs(ns: string, svc: string, q: LogQuery): Promise<AsyncGenerator<LogEntry>> {
    const pods = await this.cluster.pods(ns, { service: svc });
    if (q.pod && !pods.some((p) => p.meta.name === q.pod)) {
      // a pod that is gone may still have logs
      const any = await this.store.query({ namespace: ns, service: svc, pod: q.pod, tail: 1 });
      if (!any.length) throw new LbError('NOT_FOUND', `pod "${q.pod}" of service "${svc}" not found`);
    }
    return this.lines(ns, svc, q);
  }

  private async *lines(ns: string, svc: string, q: LogQuery): AsyncGenerator<LogEntry> {
    const match = (l: CollectedLine) => l.namespace === ns && l.service === svc && (!q.pod || l.pod === q.pod);
    // Subscribe before reading the history, so a line stored in between is not missed (nor sent twice).
    const queue: CollectedLine[] = [];
    let wake: (() => void) | undefined;
    const unwatch = q.follow
      ? this.store.watch((l) => {
          if (!match(l)) return;
          queue.push(l);
          wake?.();
        })
      : () => undefined;
    try {
      const history = await this.store.query({ namespace: ns, service: svc, pod: q.pod, since: q.since, tail: q.tail });
      const sent = new Set(history.map((l) => `${l.pod}/${l.container}/${l.time}/${l.line}`));
      for (const l of history) yield entry(l);
      while (q.follow && !q.signal?.aborted) {
        if (!queue.length) {
          await new Promise<void>((r) => {
            wake = r;
            q.signal?.addEventListener('abort', () => r(), { once: true });
          });
          wake = undefined;
          continue;
        }
        const l = queue.shift()!;
        if (sent.delete(`${l.pod}/${l.container}/${l.time}/${l.line}`)) continue;
        yield entry(l);
      }
    } finally {
      unwatch();
    }
  }
}
