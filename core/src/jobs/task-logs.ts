// A task's log lines: those the log collector stored for its pods (every attempt), read by pod, so they
// are there after the containers are gone, for as long as the collector keeps lines (logs.retention).
// Task pods have no service: their lines are stored under the empty service name.
import type { LogEntry } from '@lastbackend/sdk';
import { normalizeTime, type CollectedLine, type LogStore } from '../logs/log-store';

const entry = (l: CollectedLine): LogEntry => ({ pod: l.pod, container: l.container, stream: l.stream, time: l.time, line: l.line });

export async function* taskLogLines(
  store: LogStore,
  ns: string,
  pods: readonly string[],
  q: { tail?: number; follow?: boolean; signal?: AbortSignal; done?: () => Promise<boolean> },
): AsyncGenerator<LogEntry> {
  const wanted = new Set(pods);
  const queue: LogEntry[] = [];
  let wake: (() => void) | undefined;
  // Subscribed before the history is read, so a line stored in between is not missed.
  const unwatch = q.follow
    ? store.watch((l) => {
        if (l.namespace === ns && l.service === '' && wanted.has(l.pod)) {
          queue.push(entry(l));
          wake?.();
        }
      })
    : () => undefined;
  const onAbort = () => wake?.();
  q.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const history: CollectedLine[] = [];
    for (const pod of pods) history.push(...(await store.query({ namespace: ns, service: '', pod })));
    history.sort((a, b) => (normalizeTime(a.time) < normalizeTime(b.time) ? -1 : normalizeTime(a.time) > normalizeTime(b.time) ? 1 : 0));
    const kept = q.tail !== undefined ? history.slice(Math.max(0, history.length - q.tail)) : history;
    const sent = new Set(kept.map((l) => `${l.pod}/${l.container}/${l.time}/${l.line}`));
    for (const l of kept) yield entry(l);
    while (q.follow && !q.signal?.aborted) {
      const l = queue.shift();
      if (l) {
        const k = `${l.pod}/${l.container}/${l.time}/${l.line}`;
        if (!sent.has(k)) yield l;
        continue;
      }
      if (q.done && (await q.done())) return;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1000).unref();
      });
      wake = undefined;
    }
  } finally {
    unwatch();
    q.signal?.removeEventListener('abort', onAbort);
  }
}
