// A node's events to the API (POST /cluster/node/{node}/events): what its agent did with its pods and
// what its kernel did with its drivers. record() never waits: repeats fold here, and one request at a
// time sends what gathered (every flushMs). A batch that could not be sent is kept for the next one,
// bounded (the oldest go first), so an API that is away for a while costs memory, not the node.
import type { LbClient, LbError, NodeEventReport } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { LatestWins } from '../util/serial';

/** What a part of the agent reports (the node's name is the server's to add). */
export type AgentEvent = Omit<NodeEventReport, 'count' | 'time'>;

/** Where the agent's parts report events. */
export type EmitEvent = (e: AgentEvent) => void;

const MAX_HELD = 1000;
const MAX_BATCH = 500;

export class EventReporter {
  private held = new Map<string, NodeEventReport & { count: number }>();
  private readonly sender: LatestWins<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: LbClient,
    private readonly node: string,
    private readonly log: Logger,
    /** Aborted when the agent stops: a failed send is then not worth a warning. */
    private readonly stopping: AbortSignal,
    private readonly flushMs = 250,
  ) {
    this.sender = new LatestWins(
      () => this.send(),
      (e) => this.log.warn(`events report failed: ${e.message}`),
    );
  }

  readonly emit: EmitEvent = (e) => {
    const key = JSON.stringify([e.component, e.object.kind, e.object.namespace ?? '', e.object.name, e.type, e.reason, e.message]);
    const prev = this.held.get(key);
    const time = new Date().toISOString();
    if (prev) {
      prev.count++;
      prev.time = time;
    } else {
      if (this.held.size >= MAX_HELD) this.held.delete(this.held.keys().next().value!);
      this.held.set(key, { ...e, count: 1, time });
    }
    this.later(this.flushMs);
  };

  /** A send after ms, unless one is due already. */
  private later(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sender.request();
    }, ms);
    this.timer.unref();
  }

  /** Sends what is held, then nothing more. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sender.request();
    await this.sender.stop();
  }

  private async send(): Promise<void> {
    const entries = [...this.held.entries()].slice(0, MAX_BATCH);
    if (!entries.length) return;
    for (const [k] of entries) this.held.delete(k);
    try {
      await this.client.reportEvents(
        this.node,
        entries.map(([, e]) => e),
      );
    } catch (e) {
      // Kept for the next batch; of a refused one (403 naming events.N: a pod that moved away meanwhile),
      // the rest.
      const err = e as Partial<LbError>;
      const refused = new Set((err.details?.fields ?? []).map((f) => /^events\.(\d+)/.exec(f.field)?.[1]).filter((i) => i !== undefined).map(Number));
      const keep = err.code === 'FORBIDDEN' ? (refused.size ? entries.filter((_, i) => !refused.has(i)) : []) : err.code === 'INVALID_ARGUMENT' ? [] : entries;
      for (const [k, v] of keep) {
        const now = this.held.get(k);
        if (now) now.count += v.count;
        else if (this.held.size < MAX_HELD) this.held.set(k, v);
      }
      if (!this.stopping.aborted) this.log.warn(`events report failed: ${(e as Error).message}`);
    }
    if (this.held.size && !this.stopping.aborted) this.later(this.flushMs * 4);
  }
}
