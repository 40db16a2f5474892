// Logs of a service (or one of its pods) from the log collector: history in time order, then, when
// following, every new line as it is stored. An agent ships to the server it talks to, so with several
// servers each holds a share: a request merges this server's share with every other live server's
// (asked with ?local=true), dropping lines stored twice (an agent that failed over and resent them).
import { LbError, type LbClient, type LogEntry } from '@lastbackend/sdk';
import type { ClusterState } from '../cluster/cluster';
import { normalizeTime, type CollectedLine, type LogStore } from '../logs/log-store';

export interface LogQuery {
  follow?: boolean;
  tail?: number;
  since?: number;
  pod?: string;
  /** This server's share only (what a peer asks for). */
  local?: boolean;
  signal?: AbortSignal;
}

/** Clients of the other live servers, and where to say that one of them could not answer. */
export interface LogPeers {
  clients(): Promise<LbClient[]>;
  warn(msg: string): void;
}

const PEER_HISTORY_MS = 30_000;

const entry = (l: CollectedLine): LogEntry => ({ pod: l.pod, container: l.container, stream: l.stream, time: l.time, line: l.line });
const keyOf = (l: LogEntry) => `${l.pod}/${l.container}/${normalizeTime(l.time)}/${l.line}`;

/** Lines from several sources as one history: each line once, in time order, the last `tail`. */
export function mergeHistories(histories: LogEntry[][], tail?: number): LogEntry[] {
  const byKey = new Map<string, { at: string; l: LogEntry }>();
  for (const h of histories) for (const l of h) byKey.set(keyOf(l), { at: normalizeTime(l.time), l });
  const out = [...byKey.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).map((x) => x.l);
  return tail !== undefined ? out.slice(Math.max(0, out.length - tail)) : out;
}

export class LogService {
  constructor(
    private readonly cluster: ClusterState,
    private readonly store: LogStore,
    private readonly peers?: LogPeers,
  ) {}

  /** Checks the request first (so errors become 4xx before streaming), then returns the lines. */
  async serviceLogs(ns: string, svc: string, q: LogQuery): Promise<AsyncGenerator<LogEntry>> {
    const pods = await this.cluster.pods(ns, { service: svc });
    if (q.pod && !pods.some((p) => p.meta.name === q.pod)) {
      // a pod that is gone may still have logs (checked here only: a peer may hold them too)
      const any = await this.store.query({ namespace: ns, service: svc, pod: q.pod, tail: 1 });
      if (!any.length && (q.local || !(await this.peerClients()).length)) throw new LbError('NOT_FOUND', `pod "${q.pod}" of service "${svc}" not found`);
    }
    return this.lines(ns, svc, q);
  }

  private async *lines(ns: string, svc: string, q: LogQuery): AsyncGenerator<LogEntry> {
    const match = (l: CollectedLine) => l.namespace === ns && l.service === svc && (!q.pod || l.pod === q.pod);
    // Subscribe before reading the history, so a line stored in between is not missed (nor sent twice).
    const queue: LogEntry[] = [];
    let wake: (() => void) | undefined;
    const push = (l: LogEntry) => {
      queue.push(l);
      wake?.();
    };
    const unwatch = q.follow ? this.store.watch((l) => match(l) && push(entry(l))) : () => undefined;
    const stop = new AbortController();
    const abort = () => {
      stop.abort();
      wake?.();
    };
    q.signal?.addEventListener('abort', abort, { once: true });
    if (q.signal?.aborted) abort();
    try {
      const peers = q.local ? [] : await this.peerClients();
      const ask = { pod: q.pod, local: true, signal: stop.signal };
      // Peers' new lines too are subscribed to before their history is read.
      if (q.follow) for (const p of peers) void this.pump(p, p.logs(ns, svc, { ...ask, follow: true, tail: 0 }), push, stop.signal);
      const histories = await Promise.all([
        this.store.query({ namespace: ns, service: svc, pod: q.pod, since: q.since, tail: q.tail }).then((ls) => ls.map(entry)),
        // A peer that hangs must not hold up the answer: its history gets a deadline.
        ...peers.map((p) => {
          const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(PEER_HISTORY_MS)]);
          return this.collect(p, p.logs(ns, svc, { ...ask, signal, since: q.since, tail: q.tail }), stop.signal);
        }),
      ]);
      const history = mergeHistories(histories, q.tail);
      // Lines sent already, to drop the same line from another source; bounded, since a source
      // repeats a line soon after the first (an agent resending after a failover), not hours later.
      const sent = new Set(history.map(keyOf));
      const limit = sent.size + 10_000;
      for (const l of history) yield l;
      while (q.follow && !stop.signal.aborted) {
        if (!queue.length) {
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        const l = queue.shift()!;
        const key = keyOf(l);
        if (sent.has(key)) continue;
        sent.add(key);
        if (sent.size > limit) sent.delete(sent.values().next().value!);
        yield l;
      }
    } finally {
      unwatch();
      stop.abort();
      q.signal?.removeEventListener('abort', abort);
    }
  }

  /** The other live servers; none when they cannot be listed (this server's share is still served). */
  private async peerClients(): Promise<LbClient[]> {
    if (!this.peers) return [];
    try {
      return await this.peers.clients();
    } catch (e) {
      this.peers.warn(`logs: cannot list the other servers: ${(e as Error).message}`);
      return [];
    }
  }

  /** A peer's history; a peer that cannot answer is left out (and said so in this server's log). */
  private async collect(peer: LbClient, lines: AsyncGenerator<LogEntry>, signal: AbortSignal): Promise<LogEntry[]> {
    const out: LogEntry[] = [];
    try {
      for await (const l of lines) out.push(l);
    } catch (e) {
      if (!signal.aborted) this.peers?.warn(`logs: server ${peer.server} did not answer: ${(e as Error).message}`);
    }
    return out;
  }

  private async pump(peer: LbClient, lines: AsyncGenerator<LogEntry>, push: (l: LogEntry) => void, signal: AbortSignal): Promise<void> {
    try {
      for await (const l of lines) push(l);
    } catch (e) {
      if (!signal.aborted) this.peers?.warn(`logs: following server ${peer.server} stopped: ${(e as Error).message}`);
    }
  }
}
