// Where a rollout stands, from the live services and pods of a namespace: the fold the rollout progress
// shows (components/rollout-progress.tsx), apart from the page so that it can be tested alone.
import { podFailure } from '@lastbackend/sdk/models/pod-failure';
import { podProgress, pullPercent, sameTemplate, type PodProgress } from '@lastbackend/sdk/models/pod-progress';
import type { PodWire, ServiceWire } from './models';
import { cmp } from './order';

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

/**
 * Where one service's rollout stands, from the live services and pods of its namespace. `since`: the store
 * revision the service had once the action was answered; until the live list has caught up with it, what it
 * shows is the service before the change (a scale from 3 to 1 would read as 3 of 3 ready, done).
 */
export function serviceRollout(name: string, services: Iterable<ServiceWire>, pods: Iterable<PodWire>, since?: number): ServiceRollout {
  const s = [...services].find((x) => x.meta.name === name);
  if (!s) return { name, desired: 0, updated: 0, ready: 0, done: false, pods: [], note: 'the service is not there' };
  const desired = s.spec.replicas;
  if (since !== undefined && (s.meta.revision ?? 0) < since) return { name, desired, updated: 0, ready: 0, done: false, pods: [], note: 'waiting for the change to reach this page' };
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

