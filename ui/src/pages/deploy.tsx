// Deploy: a service from an image reference (as `lb run` sends it: POST /namespace/NS/service), or
// manifests pasted or read from a URL by this browser (as `lb apply` sends them: POST /namespace/NS/apply;
// the server never fetches the URL). The server's validation errors are shown next to the field they
// name; after a deploy the rollout's progress is shown until it ends, with the service's actions below.
import { useState } from 'preact/hooks';
import { applyManifests, canWrite, FieldsError, send, serviceRevision, type ApplyResult, type FieldProblem, type Identity } from '../api';
import { RolloutProgress, type RolloutEnd } from '../components/rollout-progress';
import { problemLines } from '../components/service-actions';
import { useLive } from '../live';
import { fetchManifestText, ManifestSyntaxError, parseManifests } from '../manifest';
import type { NamespaceView } from '../models';

type Way = 'image' | 'manifest' | 'url';
const WAYS: { id: Way; label: string }[] = [
  { id: 'image', label: 'From an image' },
  { id: 'manifest', label: 'Paste a manifest' },
  { id: 'url', label: 'From a manifest URL' },
];

interface EnvRow {
  key: number;
  name: string;
  value: string;
}

/** `lb run -p`: "80" → "80:80/tcp", "80:8080" → "80:8080/tcp"; anything else as given, for the server to judge. */
export function normalizePort(value: string): string {
  const m = /^(\d{1,5})(?::(\d{1,5}))?(?:\/(tcp|udp))?$/i.exec(value.trim());
  if (!m) return value.trim();
  return `${m[1]}:${m[2] ?? m[1]}/${(m[3] ?? 'tcp').toLowerCase()}`;
}

/** The manifest `lb run NAME IMAGE` sends (core/src/cli/commands/run.ts buildRunManifest). */
export function runManifest(name: string, image: string, replicas: string, ports: string, env: EnvRow[]) {
  const r = replicas.trim();
  const n = /^-?\d+$/.test(r) ? Number(r) : r === '' ? 1 : r;
  const portList = ports.split(/[\s,]+/).filter(Boolean).map(normalizePort);
  return {
    kind: 'Service',
    version: 'v1',
    meta: { name },
    spec: {
      replicas: n,
      ...(portList.length ? { network: { ports: portList } } : {}),
      template: { containers: [{ name, image: { name: image }, env: env.filter((e) => e.name !== '' || e.value !== '').map((e) => ({ name: e.name, value: e.value })) }] },
    },
  };
}

/** Which input of the image form a field the server names belongs to. */
function inputOf(field: string): string | undefined {
  if (field === 'meta.name' || field.startsWith('meta.name') || /^spec\.template\.containers\.0\.name$/.test(field)) return 'name';
  if (field.startsWith('spec.template.containers.0.image')) return 'image';
  if (field.startsWith('spec.replicas')) return 'replicas';
  if (field.startsWith('spec.network')) return 'ports';
  const env = /^spec\.template\.containers\.0\.env\.(\d+)/.exec(field);
  if (env) return `env-${env[1]}`;
  return undefined;
}

interface Done {
  id: number;
  namespace: string;
  services: string[];
  said: string[];
  /** Each service's store revision once the deploy was answered: its progress waits for the live list to reach it. */
  since: Record<string, number | undefined>;
}

export function Deploy({ me }: { me: Identity }) {
  const namespaces = useLive<NamespaceView>('/namespace');
  const nsNames = [...namespaces.items.values()].map((n) => n.meta.name).sort();
  const [way, setWay] = useState<Way>('image');
  const [ns, setNs] = useState('');
  const namespace = ns || (nsNames.includes('default') ? 'default' : (nsNames[0] ?? ''));
  const [name, setName] = useState('');
  const [image, setImage] = useState('');
  const [replicas, setReplicas] = useState('1');
  const [ports, setPorts] = useState('');
  const [env, setEnv] = useState<EnvRow[]>([]);
  const [text, setText] = useState('');
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [problems, setProblems] = useState<string[]>([]);
  const [done, setDone] = useState<Done | undefined>();
  const [end, setEnd] = useState<RolloutEnd | undefined>();

  if (!canWrite(me)) return <><h1>Deploy</h1><p role="alert" class="error">This token is a viewer: it cannot deploy.</p></>;

  const start = () => {
    setBusy(true);
    setFields({});
    setProblems([]);
    setDone(undefined);
    setEnd(undefined);
  };
  const refused = (e: unknown, mapFields: boolean) => {
    if (mapFields && e instanceof FieldsError && e.fields.length) {
      const byInput: Record<string, string[]> = {};
      const rest: FieldProblem[] = [];
      for (const f of e.fields) {
        const input = inputOf(f.field);
        if (input) (byInput[input] ??= []).push(f.reason);
        else rest.push(f);
      }
      setFields(byInput);
      setProblems(rest.length ? rest.map((f) => `${f.field}: ${f.reason}`) : [e.message]);
    } else setProblems(problemLines(e));
  };
  const deployed = async (services: string[], said: string[]) =>
    setDone({ id: Date.now(), namespace, services, said, since: Object.fromEntries(await Promise.all(services.map(async (n) => [n, await serviceRevision(namespace, n)] as const))) });
  const applied = (results: ApplyResult[], lead: string[] = []) =>
    deployed(results.filter((r) => r.kind === 'Service').map((r) => r.name), [...lead, ...results.map((r) => `${r.kind.toLowerCase()}/${r.name} ${r.action}`)]);

  const deployImage = async (e: Event) => {
    e.preventDefault();
    start();
    try {
      const svc = await send<{ meta: { name: string } }>('POST', `/namespace/${encodeURIComponent(namespace)}/service`, runManifest(name.trim(), image.trim(), replicas, ports, env));
      await deployed([svc.meta.name], [`service/${svc.meta.name} created`]);
    } catch (err) {
      refused(err, true);
    } finally {
      setBusy(false);
    }
  };
  const applyText = async (source: string, lead: string[] = []) => {
    let docs: unknown[];
    try {
      docs = parseManifests(source);
    } catch (err) {
      if (!(err instanceof ManifestSyntaxError)) throw err;
      setProblems([`The manifest is not valid YAML or JSON: ${err.message}`]);
      return;
    }
    await applied(await applyManifests(namespace, docs), lead);
  };
  const deployManifest = async (e: Event) => {
    e.preventDefault();
    start();
    try {
      await applyText(text);
    } catch (err) {
      refused(err, false);
    } finally {
      setBusy(false);
    }
  };
  const deployUrl = async (e: Event) => {
    e.preventDefault();
    start();
    let source: string;
    try {
      source = await fetchManifestText(url.trim());
    } catch (err) {
      setFields({ url: [(err as Error).message] });
      setBusy(false);
      return;
    }
    try {
      await applyText(source, [`read ${url.trim()} (${source.length} bytes)`]);
    } catch (err) {
      refused(err, false);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (input: string) =>
    fields[input] && (
      <p id={`deploy-${input}-error`} class="error field-error" data-testid={`deploy-${input}-error`}>
        {fields[input].join('; ')}
      </p>
    );
  const invalid = (input: string) => (fields[input] ? { 'aria-invalid': true, 'aria-describedby': `deploy-${input}-error` } : {});
  const onKeyTabs = (e: KeyboardEvent) => {
    const i = WAYS.findIndex((w) => w.id === way);
    const next = e.key === 'ArrowRight' ? (i + 1) % WAYS.length : e.key === 'ArrowLeft' ? (i + WAYS.length - 1) % WAYS.length : -1;
    if (next < 0) return;
    e.preventDefault();
    setWay(WAYS[next].id);
    document.getElementById(`deploy-tab-${WAYS[next].id}`)?.focus();
  };
  const submit = (label: string) => <button type="submit" disabled={busy || !namespace}>{busy ? 'Working…' : label}</button>;

  return (
    <>
      <h1>Deploy</h1>
      <div class="deploy-ns">
        <label for="deploy-namespace">Namespace</label>
        <select id="deploy-namespace" value={namespace} onChange={(e) => setNs((e.target as HTMLSelectElement).value)}>
          {nsNames.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
        {namespaces.synced && nsNames.length === 0 && <p class="error">This token sees no namespace to deploy into.</p>}
      </div>
      <div role="tablist" aria-label="How to deploy" class="deploy-tabs" onKeyDown={onKeyTabs}>
        {WAYS.map((w) => (
          <button key={w.id} type="button" role="tab" id={`deploy-tab-${w.id}`} aria-controls={way === w.id ? `deploy-panel-${w.id}` : undefined} aria-selected={way === w.id} tabIndex={way === w.id ? 0 : -1} onClick={() => setWay(w.id)}>
            {w.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`deploy-panel-${way}`} aria-labelledby={`deploy-tab-${way}`} class="deploy-panel">
        {way === 'image' && (
          <form onSubmit={deployImage} noValidate class="deploy-form">
            <label for="deploy-name">Name</label>
            <input id="deploy-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} autocomplete="off" {...invalid('name')} />
            {fieldError('name')}
            <label for="deploy-image">Image</label>
            <input id="deploy-image" value={image} placeholder="nginx:1.27" onInput={(e) => setImage((e.target as HTMLInputElement).value)} autocomplete="off" {...invalid('image')} />
            {fieldError('image')}
            <label for="deploy-replicas">Replicas</label>
            <input id="deploy-replicas" type="number" inputMode="numeric" value={replicas} onInput={(e) => setReplicas((e.target as HTMLInputElement).value)} {...invalid('replicas')} />
            {fieldError('replicas')}
            <label for="deploy-ports">Ports</label>
            <input id="deploy-ports" value={ports} placeholder="80:8080" onInput={(e) => setPorts((e.target as HTMLInputElement).value)} aria-describedby={fields.ports ? 'deploy-ports-error' : 'deploy-ports-help'} aria-invalid={fields.ports ? true : undefined} />
            <p id="deploy-ports-help" class="help">PORT or PORT:CONTAINER_PORT, optional /udp; several separated by spaces or commas.</p>
            {fieldError('ports')}
            <fieldset class="deploy-env">
              <legend>Environment</legend>
              {env.map((row, i) => (
                <div class="deploy-env-row" key={row.key}>
                  <label for={`deploy-env-${row.key}-name`}>Variable {i + 1} name</label>
                  <input id={`deploy-env-${row.key}-name`} value={row.name} onInput={(e) => setEnv(env.map((r) => (r.key === row.key ? { ...r, name: (e.target as HTMLInputElement).value } : r)))} {...invalid(`env-${i}`)} />
                  <label for={`deploy-env-${row.key}-value`}>Variable {i + 1} value</label>
                  <input id={`deploy-env-${row.key}-value`} value={row.value} onInput={(e) => setEnv(env.map((r) => (r.key === row.key ? { ...r, value: (e.target as HTMLInputElement).value } : r)))} />
                  <button type="button" onClick={() => setEnv(env.filter((r) => r.key !== row.key))}>Remove variable {i + 1}</button>
                  {fieldError(`env-${i}`)}
                </div>
              ))}
              <button type="button" onClick={() => setEnv([...env, { key: Date.now(), name: '', value: '' }])}>Add a variable</button>
            </fieldset>
            {submit('Deploy')}
          </form>
        )}
        {way === 'manifest' && (
          <form onSubmit={deployManifest} class="deploy-form">
            <label for="deploy-manifest">Manifest (YAML or JSON; several documents separated by ---)</label>
            <textarea id="deploy-manifest" rows={16} spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} aria-describedby={problems.length ? 'deploy-problems' : undefined} />
            {submit('Apply')}
          </form>
        )}
        {way === 'url' && (
          <form onSubmit={deployUrl} noValidate class="deploy-form">
            <label for="deploy-url">Manifest URL</label>
            <input id="deploy-url" type="url" value={url} placeholder="https://example.com/app.yaml" onInput={(e) => setUrl((e.target as HTMLInputElement).value)} aria-describedby={fields.url ? 'deploy-url-error' : 'deploy-url-help'} aria-invalid={fields.url ? true : undefined} />
            <p id="deploy-url-help" class="help">Read by this browser, not by the server: the URL's server must allow this page to read it (CORS).</p>
            {fieldError('url')}
            {submit('Read and apply')}
          </form>
        )}
        {problems.length > 0 && (
          <div id="deploy-problems" role="alert">
            <ul class="error deploy-problems" data-testid="deploy-problems">
              {problems.map((p, i) => <li key={i}>{p}</li>)}
            </ul>
          </div>
        )}
      </div>
      {done && (
        <section aria-labelledby="deploy-done-h" class="deploy-done" data-testid="deploy-result">
          <h2 id="deploy-done-h">Deployed</h2>
          <ul>{done.said.map((l, i) => <li key={i}>{l}</li>)}</ul>
          {done.services.length > 0 && <RolloutProgress key={done.id} namespace={done.namespace} names={done.services} since={done.since} onEnd={setEnd} />}
          {end?.state === 'rolled-out' &&
            done.services.map((s) => (
              <p key={s}>
                <a href={`/ui/namespaces/${encodeURIComponent(done.namespace)}/services/${encodeURIComponent(s)}/actions`}>Actions of {s}</a>
              </p>
            ))}
        </section>
      )}
    </>
  );
}
