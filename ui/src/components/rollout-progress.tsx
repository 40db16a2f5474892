// A rollout's progress, live: the services and pods of a namespace over the watch API, folded as the CLI
// folds them (core/src/cli/rollout/progress.ts): the newest version of each service (status.generation,
// once its pods run the template the service has now), desired / updated / ready, each pod's phase and
// why it is not ready (the SDK's podProgress, as the CLI shows it), until it ends: rolled out, or failed and why (status.rollout failed or
// rolled-back, or the SDK's podFailure rule: an image no pull can get, a crash loop, a container left
// down). The events-based guesses of the CLI (BackOff, FailedScheduling, Unhealthy) are not mirrored.
// Deleting: it ends when the service and its pods are gone.
import { useEffect } from 'preact/hooks';
import { podFailure } from '@lastbackend/sdk/models/pod-failure';
import { podProgress, pullPercent, sameTemplate, type PodProgress } from '@lastbackend/sdk/models/pod-progress';
import { useLive } from '../live';
import type { PodWire, ServiceWire } from '../models';
import { cmp } from '../order';

type SdkPod = Parameters<typeof podFailure>[0];

export type RolloutEnd = { state: 'rolled-out' } | { state: 'deleted' } | { state: 'failed'; reason: string };

/** A pod's row: the SDK's reading of its status (the CLI's too), and how far its pull is. */
type PodRow = PodProgress & { percent?: number };

function podRow(p: PodWire): PodRow {
  const pr = podProgress(p as unknown as SdkPod);
  const percent = pullPercent(pr.pull);
  return percent === undefined ? pr : { ...pr, percent };
}

export interface ServiceRollout {
  name: string;
  version?: string;
  desired: number;
  updated: number;
  ready: number;
  done: boolean;
  pods: PodRow[];
  note?: string;
  failed?: string;
}

/** Where one service's rollout stands, from the live services and pods of its namespace. */
export function serviceRollout(name: string, services: Iterable<ServiceWire>, pods: Iterable<PodWire>): ServiceRollout {
  const s = [...services].find((x) => x.meta.name === name);
  if (!s) return { name, desired: 0, updated: 0, ready: 0, done: false, pods: [], note: 'the service is not there' };
  const desired = s.spec.replicas;
  const mine = [...pods].filter((p) => p.meta.service === name);
  if (!s.status.generation) return { name, desired, updated: 0, ready: 0, done: false, pods: [], note: 'waiting for the controller to make its first version' };
  const version = `v${s.status.generation}`;
  const sample = mine.find((p) => p.meta.deployment === version);
  // The newest version's pods run another template: the controller has yet to make the new version.
  if (sample && !sameTemplate(s as unknown as Parameters<typeof sameTemplate>[0], sample as unknown as SdkPod))
    return { name, desired, updated: 0, ready: 0, done: false, pods: [], note: 'waiting for the new version' };
  const target = mine.filter((p) => p.meta.deployment === version && !p.spec.destroy).sort((a, b) => cmp(a.meta.name, b.meta.name));
  const ready = target.filter((p) => p.status.state === 'ready').length;
  const done = s.status.deployment === version && target.length === desired && ready >= desired;
  let failed: string | undefined;
  const r = s.status.rollout;
  if (r && r.version === s.status.generation && (r.state === 'failed' || r.state === 'rolled-back')) failed = `${version} ${r.state}${r.message ? `: ${r.message}` : ''}`;
  for (const p of target) {
    if (failed) break;
    const f = podFailure(p as unknown as SdkPod);
    if (f) failed = `pod ${p.meta.name}: ${f.reason}`;
  }
  return { name, version, desired, updated: target.length, ready, done, pods: target.map(podRow), ...(failed ? { failed } : {}) };
}

export function RolloutProgress({ namespace, names, deleting, onEnd }: { namespace: string; names: string[]; deleting?: boolean; onEnd?: (end: RolloutEnd) => void }) {
  const base = `/namespace/${encodeURIComponent(namespace)}`;
  const services = useLive<ServiceWire>(`${base}/service`);
  // One service: its own pods' list, the one its page watches already (a shared watch, no new connection).
  const pods = useLive<PodWire>(names.length === 1 ? `${base}/service/${encodeURIComponent(names[0])}/pod` : `${base}/pod`);
  const synced = services.synced && pods.synced;
  const rows = names.map((n) => serviceRollout(n, services.items.values(), pods.items.values()));
  const gone = names.every((n) => ![...services.items.values()].some((s) => s.meta.name === n) && ![...pods.items.values()].some((p) => p.meta.service === n));
  const failed = rows.find((r) => r.failed);
  const end: RolloutEnd | undefined = !synced
    ? undefined
    : deleting
      ? gone
        ? { state: 'deleted' }
        : undefined
      : failed
        ? { state: 'failed', reason: `${failed.name}: ${failed.failed}` }
        : rows.every((r) => r.done)
          ? { state: 'rolled-out' }
          : undefined;
  const endKey = end ? (end.state === 'failed' ? `failed:${end.reason}` : end.state) : '';
  useEffect(() => {
    if (end) onEnd?.(end);
  }, [endKey]);

  const error = services.error ?? pods.error;
  return (
    <section class="rollout" aria-label={`Rollout of ${names.join(', ')}`} data-testid="rollout">
      {error && <p role="alert" class="error">{error}</p>}
      {(services.down || pods.down) && <p role="status" class="down">Disconnected — reconnecting…</p>}
      <p role="status" data-testid="rollout-state" class={end ? (end.state === 'failed' ? 'error' : 'live') : undefined}>
        {!synced ? 'Loading…' : !end ? (deleting ? 'Deleting…' : 'Rolling out…') : end.state === 'rolled-out' ? 'Rolled out.' : end.state === 'deleted' ? 'Deleted.' : `Failed: ${end.reason}`}
      </p>
      {!deleting &&
        rows.map((r) => (
          <div key={r.name} class="rollout-service" data-rollout-service={r.name}>
            <p>
              <strong>{r.name}</strong>
              {r.version ? ` ${r.version}` : ''}: <span data-testid="rollout-counts">{r.desired} desired, {r.updated} updated, {r.ready} ready</span>
              {r.note ? ` — ${r.note}` : ''}
            </p>
            {r.pods.length > 0 && (
              <div class="scroll">
                <table>
                  <caption class="sr">Pods of {r.name} {r.version ?? ''}</caption>
                  <thead><tr><th scope="col">Pod</th><th scope="col">Node</th><th scope="col">Phase</th><th scope="col">Why not ready</th></tr></thead>
                  <tbody>
                    {r.pods.map((p) => (
                      <tr key={p.name} data-pod={p.name}>
                        <th scope="row">{p.name}</th>
                        <td>{p.node || '–'}</td>
                        <td><span class={`state ${p.phase}`} data-testid="pod-phase">{p.phase}</span></td>
                        <td>
                          {p.detail}
                          {p.percent !== undefined && <progress class="rollout-pull" max={100} value={p.percent} aria-label={`Pull of ${p.name}`} />}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        ))}
    </section>
  );
}
