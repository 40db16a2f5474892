// Which containers the log collector follows: every container of this node's pods that has run (to its last
// line), as the pod syncs tell. Syncs tell often; the follow list is rebuilt once per short window, not once
// per pod (that was O(pods²)). The following and shipping itself is the LogShipper's.
import type { Pod, PodStatus } from '@lastbackend/sdk';
import type { FollowTarget, LogShipper } from '../logs/log-shipper';
import { containerName } from './container-spec';
import { podKey } from './pod-status-reporter';

const REBUILD_MS = 100;

export class PodLogShipping {
  /** The last status of every pod, with the pod it was taken of. */
  private readonly pods = new Map<string, { pod: Pod; status: PodStatus }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly shipper: LogShipper,
    /** Aborted when the agent stops: the follow list is not rebuilt any more. */
    private readonly stopping: AbortSignal,
  ) {}

  /** A pod synced: its containers (those with an id) are followed. */
  synced(pod: Pod, status: PodStatus): void {
    this.pods.set(podKey(pod), { pod, status });
    this.rebuildSoon();
  }

  /** A pod destroyed: its containers are no longer followed, and their cursors go. */
  destroyed(pod: Pod): void {
    this.pods.delete(podKey(pod));
    this.rebuildSoon();
    for (const c of pod.spec.template.containers) this.shipper.forget(containerName(pod.meta.namespace, pod.meta.name, c.name));
  }

  /** A pod no longer on this node (its containers stop being followed at the next rebuild). */
  forget(key: string): void {
    this.pods.delete(key);
  }

  /** Stops following and ships what is buffered. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.shipper.stop();
  }

  private rebuildSoon(): void {
    if (this.timer || this.stopping.aborted) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopping.aborted) this.shipper.sync(this.targets());
    }, REBUILD_MS);
  }

  private targets(): FollowTarget[] {
    const targets: FollowTarget[] = [];
    for (const { pod, status } of this.pods.values()) {
      for (const c of status.containers) {
        if (!c.id) continue;
        targets.push({ id: containerName(pod.meta.namespace, pod.meta.name, c.name), namespace: pod.meta.namespace, service: pod.meta.service, pod: pod.meta.name, container: c.name });
      }
    }
    return targets;
  }
}
