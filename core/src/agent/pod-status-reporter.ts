// Pod status to the API: a pod's status is sent when it changed, in one request with every other change
// made meanwhile. One request at a time; what is reported during it goes in the next. What could not be
// delivered is forgotten, so the next pass over the pod reports it again.
import type { LbClient, Pod, PodStatus, PodStatusReport } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';
import { stableStringify } from '../state/hash';
import { LatestWins } from '../util/serial';

export const podKey = (p: Pod): string => `${p.meta.namespace}/${p.meta.name}`;

export class PodStatusReporter {
  /** The last status sent per pod, as text, so an unchanged one is not sent again. */
  private readonly reported = new Map<string, string>();
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
  }

  /** Sends the pod's status unless it is what was sent last (and the API already shows that state). */
  report(pod: Pod, status: PodStatus): void {
    const key = podKey(pod);
    const view = stableStringify(status);
    if (this.reported.get(key) === view && pod.status.state === status.state) return;
    this.reported.set(key, view);
    this.pending.set(key, { namespace: pod.meta.namespace, name: pod.meta.name, status: { ...status, updated: new Date().toISOString() } });
    void this.flush();
  }

  /** A pod no longer on this node. */
  forget(key: string): void {
    this.reported.delete(key);
  }

  /** Sends what is pending; resolves when it has been sent (or failed). */
  flush(): Promise<void> {
    return this.sender.request();
  }

  /** Sends what is still pending, then sends nothing more. */
  async stop(): Promise<void> {
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
