// Pod status to the API: a pod's status is sent when it changed, in one request with every other change
// made meanwhile. One request at a time; what is reported during it goes in the next. What could not be
// delivered is forgotten, so the next pass over the pod reports it again.
import { POD_STATES, type LbClient, type Pod, type PodStatus, type PodStatusReport } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { agentPods, agentRegistry, onScrape } from '../metrics/metrics';
import { stableStringify } from '../state/hash';
import { LatestWins } from '../util/serial';

export const podKey = (p: Pod): string => `${p.meta.namespace}/${p.meta.name}`;

/** The reporters of this process (one per agent), whose pods' phases /metrics counts. */
const live = new Set<PodStatusReporter>();
onScrape(agentRegistry, () => {
  agentPods.reset();
  for (const p of POD_STATES) agentPods.set({ phase: p }, 0);
  for (const r of live) for (const phase of r.phases.values()) agentPods.inc({ phase });
});

export class PodStatusReporter {
  /** The last status sent per pod, as text, so an unchanged one is not sent again. */
  private readonly reported = new Map<string, string>();
  /** The phase last reported per pod of this node (lb_agent_pods). */
  readonly phases = new Map<string, string>();
  private readonly pending = new Map<string, PodStatusReport>();
  private readonly sender: LatestWins<void>;

  constructor(
    private readonly client: LbClient,
    private readonly node: string,
    private readonly log: Logger,
    /** Aborted when the agent stops: a failed report is then not worth a warning. */
    private readonly stopping: AbortSignal,
  ) {
    this.sender = new LatestWins(
      () => this.send(),
      (e) => this.log.warn(`status report failed: ${e.message}`),
    );
    live.add(this);
  }

  /** Sends the pod's status unless it is what was sent last (and the API already shows that state). */
  report(pod: Pod, status: PodStatus): void {
    const key = podKey(pod);
    const view = stableStringify(status);
    this.phases.set(key, status.state);
    if (this.reported.get(key) === view && pod.status.state === status.state) return;
    this.reported.set(key, view);
    this.pending.set(key, { namespace: pod.meta.namespace, name: pod.meta.name, status: { ...status, updated: new Date().toISOString() } });
    void this.flush();
  }

  /** A pod no longer on this node. */
  forget(key: string): void {
    this.reported.delete(key);
    this.phases.delete(key);
  }

  /** Sends what is pending; resolves when it has been sent (or failed). */
  flush(): Promise<void> {
    return this.sender.request();
  }

  /** Sends what is still pending, then sends nothing more. */
  async stop(): Promise<void> {
    live.delete(this);
    await this.flush();
    await this.sender.stop();
  }

  private async send(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending.clear();
    if (!batch.length) return;
    try {
      await this.client.reportPods(this.node, batch);
    } catch (e) {
      for (const r of batch) this.reported.delete(`${r.namespace}/${r.name}`);
      if (!this.stopping.aborted) this.log.warn(`status report failed: ${(e as Error).message}`);
    }
  }
}
