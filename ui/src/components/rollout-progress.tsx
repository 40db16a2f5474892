// A rollout's progress, live: the services and pods of a namespace over the watch API, folded as the CLI
// folds them (core/src/cli/rollout/progress.ts): the newest version of each service (status.generation,
// once its pods run the template the service has now), desired / updated / ready, each pod's phase and
// why it is not ready (the SDK's podProgress, as the CLI shows it), until it ends: rolled out, or failed and why (status.rollout failed or
// rolled-back, or the SDK's podFailure rule: an image no pull can get, a crash loop, a container left
// down). The events-based guesses of the CLI (BackOff, FailedScheduling, Unhealthy) are not mirrored.
// Deleting: it ends when the service and its pods are gone.
import { useEffect } from 'preact/hooks';
import { useLive } from '../live';
import type { PodWire, ServiceWire } from '../models';
import { serviceRollout, type RolloutEnd } from '../rollout';

export type { RolloutEnd } from '../rollout';

/** `since`: by service name, the store revision the action left it at (rollout.ts serviceRollout). */
export function RolloutProgress({ namespace, names, deleting, since, onEnd }: { namespace: string; names: string[]; deleting?: boolean; since?: Readonly<Record<string, number | undefined>>; onEnd?: (end: RolloutEnd) => void }) {
  const base = `/namespace/${encodeURIComponent(namespace)}`;
  const services = useLive<ServiceWire>(`${base}/service`);
  // One service: its own pods' list, the one its page watches already (a shared watch, no new connection).
  const pods = useLive<PodWire>(names.length === 1 ? `${base}/service/${encodeURIComponent(names[0])}/pod` : `${base}/pod`);
  const synced = services.synced && pods.synced;
  const rows = names.map((n) => serviceRollout(n, services.items.values(), pods.items.values(), since?.[n]));
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
