// Manifests in the browser, for the Deploy page and the service actions. The apply route takes JSON
// only ({manifests: [...]}), so YAML (one or several documents; JSON is YAML too) is parsed here with the
// `yaml` package (~30 kB gzipped), and a service is turned back into the manifest `lb export` writes.
import { parseAllDocuments, stringify } from 'yaml';
import type { ContainerWire, ServiceWire } from './models';

export class ManifestSyntaxError extends Error {}

/** The documents of a manifest text; empty documents (a lone comment, a trailing ---) are skipped. */
export function parseManifests(text: string): unknown[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  const out: unknown[] = [];
  docs.forEach((d, i) => {
    const err = d.errors[0];
    if (err) throw new ManifestSyntaxError(`document ${i + 1}: ${err.message}`);
    const v: unknown = d.toJS();
    if (v === null || v === undefined) return;
    // A JSON array of manifests is taken as its items.
    if (Array.isArray(v)) out.push(...v);
    else out.push(v);
  });
  if (!out.length) throw new ManifestSyntaxError('no manifest in it: give one or more documents with kind, meta and spec');
  return out;
}

export const toYaml = (v: unknown): string => stringify(v, { lineWidth: 0 });

const words = (s: string) => s.trim().split(/\s+/).filter(Boolean);

/** A container on the wire back to the manifest's spelling (sdk/src/wire/template.ts decodeContainer). */
function container(w: ContainerWire): Record<string, unknown> {
  const { command, entrypoint, command_argv, ports, image, resources, ...rest } = w;
  delete rest.restart_policy;
  const { secret, ...img } = image;
  return {
    ...rest,
    ...(command_argv ? { command: command_argv } : entrypoint !== undefined ? { command: words(entrypoint) } : {}),
    ...(rest.args === undefined && command !== undefined ? { args: words(command) } : {}),
    ...(ports ? { ports: ports.map((p) => ({ container: Number(p.split('/')[0]), protocol: p.split('/')[1] === 'udp' ? 'udp' : 'tcp' })) } : {}),
    image: { ...img, ...(secret ? { secret: secret.name } : {}) },
    ...(resources ? { resources: { ...(resources.limits ? { limits: resources.limits } : {}), ...(resources.quota ? { requests: resources.quota } : {}) } } : {}),
  };
}

/** The manifest of a service as the API answers it: what `lb export service NAME` writes. */
export function serviceManifest(s: ServiceWire): Record<string, unknown> {
  const { network, template, ...spec } = s.spec;
  const meta: Record<string, unknown> = { name: s.meta.name };
  if (s.meta.labels && Object.keys(s.meta.labels).length) meta.labels = s.meta.labels;
  if (s.meta.description !== undefined) meta.description = s.meta.description;
  let net: Record<string, unknown> | undefined;
  if (network) {
    const { port_mappings, ...n } = network;
    delete n.ip;
    net = { ...n, ports: port_mappings ?? [] };
  }
  return { kind: 'Service', version: 'v1', meta, spec: { ...spec, ...(net ? { network: net } : {}), template: { ...template, containers: template.containers.map(container) } } };
}

/**
 * The text at `url`, read by this browser (never the server). A refusal says which: the browser may not
 * read it (CORS: the other server does not allow this page's origin), or it cannot be reached at all.
 */
export async function fetchManifestText(url: string): Promise<string> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a URL: give an http(s) address`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`"${url}" is not an http(s) URL`);
  let res: Response;
  try {
    res = await fetch(u, { credentials: 'omit', cache: 'no-store' });
  } catch {
    // A fetch that fails says nothing of why: ask again without reading the answer. If that gets an
    // answer, the server is there and it is CORS that keeps this page from reading it.
    const reachable = await fetch(u, { mode: 'no-cors', credentials: 'omit', cache: 'no-store' }).then(
      () => true,
      () => false,
    );
    throw new Error(
      reachable
        ? `The browser may not read ${url}: its server does not allow this page (no Access-Control-Allow-Origin header for ${location.origin}, CORS). Serve it with that header, or paste the manifest instead.`
        : `The browser could not reach ${url} (network error, or plain http from this https page). Check the address, or paste the manifest instead.`,
    );
  }
  if (!res.ok) throw new Error(`${url} answered ${res.status} ${res.statusText}`);
  return res.text();
}
