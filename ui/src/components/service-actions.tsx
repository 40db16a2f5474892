// A service's write actions: scale, edit and apply its manifest, roll back to a chosen version, delete
// (after a confirmation). Each shows the rollout's progress until it ends; a refused call shows the
// server's reason (next to the field it names). A token that cannot write gets nothing rendered.
import { useRef, useState } from 'preact/hooks';
import { ApiError, applyManifests, call, canWrite, FieldsError, send, serviceRevision, type FieldProblem, type Identity } from '../api';
import { ManifestSyntaxError, parseManifests, serviceManifest, toYaml } from '../manifest';
import type { DeploymentWire, ServiceWire } from '../models';
import { Confirm } from './confirm';
import { RolloutProgress, type RolloutEnd } from './rollout-progress';

interface Run {
  id: number;
  what: string;
  deleting?: boolean;
  /** The service's store revision once the call was answered: its progress waits for the live list to reach it. */
  since?: number;
}

/** The problems of a refused call, as text lines: "field: reason" (a manifest's "document N: …"). */
export function problemLines(e: unknown): string[] {
  if (e instanceof FieldsError && e.fields.length)
    return e.fields.map((f) => {
      const m = /^manifests\.(\d+)\.?(.*)$/.exec(f.field);
      return m ? `document ${Number(m[1]) + 1}${m[2] ? `, ${m[2]}` : ''}: ${f.reason}` : f.field ? `${f.field}: ${f.reason}` : f.reason;
    });
  return [(e as Error).message];
}

/** `replicas`: the service's desired count, what the Scale field shows until the reader types. */
export function ServiceActions({ me, namespace, service, replicas: desired }: { me: Identity; namespace: string; service: string; replicas?: number }) {
  const base = `/namespace/${encodeURIComponent(namespace)}/service/${encodeURIComponent(service)}`;
  const [run, setRun] = useState<Run | undefined>();
  const [end, setEnd] = useState<RolloutEnd | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ action: string; lines: string[]; fields: FieldProblem[] } | undefined>();
  const [typed, setReplicas] = useState<string | undefined>();
  const replicas = typed ?? (desired === undefined ? '' : String(desired));
  const [manifest, setManifest] = useState<string | undefined>();
  const [versions, setVersions] = useState<DeploymentWire[] | undefined>();
  const [to, setTo] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const deleteButton = useRef<HTMLButtonElement>(null);
  if (!canWrite(me)) return null;

  let runs = run?.id ?? 0;
  /** Does one action: the call, then the rollout's progress; a refusal keeps the form and says why. */
  const act = async (action: string, fn: () => Promise<unknown>, deleting = false) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      const since = deleting ? undefined : await serviceRevision(namespace, service);
      setEnd(undefined);
      setRun({ id: ++runs, what: action, deleting, since });
    } catch (e) {
      setError({ action, lines: problemLines(e), fields: e instanceof FieldsError ? e.fields : [] });
    } finally {
      setBusy(false);
    }
  };
  const errorFor = (action: string) =>
    error?.action === action && (
      <div role="alert">
        <ul class="error actions-error" data-testid={`${action}-error`}>
          {error.lines.map((l, i) => <li key={i}>{l}</li>)}
        </ul>
      </div>
    );

  const scale = (e: Event) => {
    e.preventDefault();
    const n = replicas.trim() === '' ? NaN : Number(replicas);
    void act('scale', () => send('PUT', base, { spec: { replicas: Number.isNaN(n) ? replicas : n } }));
  };
  const edit = async () => {
    setError(undefined);
    try {
      setManifest(toYaml(serviceManifest(await call<ServiceWire>('GET', base))));
    } catch (e) {
      setError({ action: 'edit', lines: problemLines(e), fields: [] });
    }
  };
  const apply = (e: Event) => {
    e.preventDefault();
    void act('edit', async () => {
      let docs: unknown[];
      try {
        docs = parseManifests(manifest ?? '');
      } catch (err) {
        throw err instanceof ManifestSyntaxError ? new ApiError(400, 'INVALID_ARGUMENT', err.message) : err;
      }
      await applyManifests(namespace, docs);
    });
  };
  const loadVersions = async () => {
    try {
      const list = await call<DeploymentWire[]>('GET', `${base}/deployment`);
      list.sort((a, b) => b.spec.version - a.spec.version);
      setVersions(list);
      setTo((cur) => cur || String(list.find((d) => d.status.state !== 'active')?.spec.version ?? list[0]?.spec.version ?? ''));
    } catch (e) {
      setError({ action: 'rollback', lines: problemLines(e), fields: [] });
    }
  };
  const rollback = (e: Event) => {
    e.preventDefault();
    void act('rollback', () => send('POST', `${base}/rollback`, { to: Number(to) }));
  };
  const remove = () => {
    setConfirming(false);
    void act('delete', () => send('DELETE', base), true);
  };
  const onEnd = (x: RolloutEnd) => {
    setEnd(x);
    if (x.state === 'deleted') setDeleted(true);
    // The versions list changes with every rollout: read again when the rollback form is open.
    if (versions && x.state !== 'deleted') void loadVersions();
  };
  const replicasError = error?.action === 'scale' ? error.fields.find((f) => f.field === 'spec.replicas') : undefined;

  return (
    <section class="actions" aria-labelledby="actions-h" data-testid="service-actions">
      <h2 id="actions-h">Actions</h2>
      {deleted ? (
        <p role="status">Service {service} was deleted.</p>
      ) : (
        <div class="actions-grid">
          <form class="actions-box" onSubmit={scale} noValidate>
            <h3>Scale</h3>
            <label for="actions-replicas">Replicas</label>
            <input id="actions-replicas" type="number" inputMode="numeric" required value={replicas} onInput={(e) => setReplicas((e.target as HTMLInputElement).value)} aria-invalid={replicasError ? true : undefined} aria-describedby={replicasError ? 'actions-replicas-error' : undefined} />
            {replicasError && <p id="actions-replicas-error" class="error field-error">{replicasError.reason}</p>}
            <button type="submit" disabled={busy}>Scale</button>
            {!replicasError && errorFor('scale')}
          </form>

          <div class="actions-box">
            <h3>Roll back</h3>
            {versions === undefined ? (
              <button type="button" onClick={() => void loadVersions()}>Choose a version…</button>
            ) : (
              <form onSubmit={rollback}>
                <label for="actions-version">Version</label>
                <select id="actions-version" value={to} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
                  {versions.map((d) => (
                    <option key={d.meta.name} value={String(d.spec.version)}>
                      {d.meta.name} ({d.status.state}) {d.spec.template.containers.map((c) => c.image.name).join(', ')}
                    </option>
                  ))}
                </select>
                <button type="submit" disabled={busy || !to}>Roll back</button>
              </form>
            )}
            {errorFor('rollback')}
          </div>

          <div class="actions-box">
            <h3>Delete</h3>
            <button type="button" class="danger" ref={deleteButton} disabled={busy} onClick={() => setConfirming(true)}>Delete service…</button>
            {errorFor('delete')}
          </div>

          <div class="actions-box actions-edit">
            <h3>Edit and apply</h3>
            {manifest === undefined ? (
              <button type="button" onClick={() => void edit()}>Edit manifest…</button>
            ) : (
              <form onSubmit={apply}>
                <label for="actions-manifest">Manifest of {service} (YAML)</label>
                <textarea id="actions-manifest" rows={16} spellcheck={false} value={manifest} onInput={(e) => setManifest((e.target as HTMLTextAreaElement).value)} />
                <button type="submit" disabled={busy}>Apply</button>
              </form>
            )}
            {errorFor('edit')}
          </div>
        </div>
      )}
      {confirming && (
        <Confirm title={`Delete service ${service}?`} confirmLabel="Delete" onConfirm={remove} onCancel={() => setConfirming(false)} returnFocus={() => deleteButton.current}>
          <p>Its deployments and pods in namespace {namespace} are deleted too. This cannot be undone.</p>
        </Confirm>
      )}
      {run && (
        <div aria-live="polite" data-run={run.id}>
          <h3>Progress: {run.what}</h3>
          <RolloutProgress key={run.id} namespace={namespace} names={[service]} deleting={run.deleting} since={{ [service]: run.since }} onEnd={onEnd} />
          {end && end.state === 'failed' && <p class="help">The rollout did not finish; the reason is above.</p>}
        </div>
      )}
    </section>
  );
}
