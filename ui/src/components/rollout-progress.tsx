// A rollout's progress, live: the services and pods of a namespace over the watch API, folded as the CLI
// folds them (core/src/cli/rollout/progress.ts): the newest version of each service (status.generation,
// once its pods run the template the service has now), desired / updated / ready, each pod's phase and
// why it is not ready, until it ends: rolled out, or failed and why (status.rollout failed or
// rolled-back, or the SDK's podFailure rule: an image no pull can get, a crash loop, a container left
// down). The events-based guesses of the CLI (BackOff, FailedScheduling, Unhealthy) are not mirrored.
// Deleting: it ends when the service and its pods are gone.
import { useEffect } from 'preact/hooks';
import { podFailure } from '@lastbackend/sdk/pod-failure';
import { useLive } from '../live';
import type { PodWire, ServiceWire } from '../models';

type SdkPod = Parameters<typeof podFailure>[0];

export type RolloutEnd = { state: 'rolled-out' } | { state: 'deleted' } | { state: 'failed'; reason: string };

interface PodRow {
  name: string;
  node: string;
  phase: string;
  detail: string;
  /** 0–100 while pulling, when the agent says how far. */
  percent?: number;
}

/** The same canonical JSON the controller hashes (keys sorted, undefined left out). */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const formatBytes = (n: number): string => {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
};

/** A pod's phase and why, from its status alone (the CLI's podProgress). */
export function podRow(p: PodWire): PodRow {
  const base = { name: p.meta.name, node: p.meta.node };
  const cs = p.status.containers;
  if (!p.meta.node) return { ...base, phase: 'pending', detail: p.status.message || 'waiting for a node' };
  if (p.status.state === 'ready') return { ...base, phase: 'ready', detail: '' };
  const errored = cs.find((c) => c.state === 'error');
  if (errored) return { ...base, phase: 'error', detail: errored.message || p.status.message };
  if (p.status.state === 'error') return { ...base, phase: 'error', detail: p.status.message };
  const pulling = cs.find((c) => c.state === 'pulling');
  if (pulling) {
    const pull = pulling.pull;
    if (!pull || !(pull.total > 0)) return { ...base, phase: 'pulling', detail: 'pulling the image' };
    const percent = Math.min(100, Math.floor((pull.current / pull.total) * 100));
    return { ...base, phase: 'pulling', detail: `pulling ${formatBytes(pull.current)} of ${formatBytes(pull.total)} (${percent}%)`, percent };
  }
  const looping = cs.find((c) => c.restarts > 0 && c.state !== 'running');
  if (looping)
    return { ...base, phase: 'crash-looping', detail: `container ${looping.name} exited${looping.exit_code !== undefined ? ` with code ${looping.exit_code}` : ''}, restarted ${looping.restarts} time${looping.restarts === 1 ? '' : 's'}` };
  if (cs.length && cs.every((c) => c.state === 'running')) return { ...base, phase: 'starting', detail: cs.find((c) => !c.ready)?.message || p.status.message || 'running, not ready yet' };
  if (cs.some((c) => c.state !== 'pending')) return { ...base, phase: 'starting', detail: p.status.message };
  return { ...base, phase: 'scheduled', detail: `on node ${p.meta.node}` };
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
  if (sample && (stable(sample.spec.template) !== stable(s.spec.template) || stable(sample.spec.selector ?? null) !== stable(s.spec.selector ?? null)))
    return { name, desired, updated: 0, ready: 0, done: false, pods: [], note: 'waiting for the new version' };
  const target = mine.filter((p) => p.meta.deployment === version && !p.spec.destroy).sort((a, b) => a.meta.name.localeCompare(b.meta.name));
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
