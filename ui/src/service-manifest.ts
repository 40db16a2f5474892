// A service's manifest as `lb export` writes it (core/src/cli/export.ts): kind, version, meta.name,
// meta.labels (non-empty), meta.description and spec, with the wire view's additions turned back into the
// model's fields (sdk/src/wire: decodeService, decodeContainer), so `lb apply -f` takes it unchanged. JSON,
// not YAML: a YAML library would be most of the bundle. service-manifest.spec.ts checks it against the SDK.
type Json = Record<string, unknown>;

const without = (o: Json, ...keys: string[]): Json => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

function quantities(w: Json): Json {
  const numeric = (w.numeric as string[] | undefined) ?? [];
  const out: Json = {};
  for (const [k, v] of Object.entries(w)) if (k !== 'numeric' && v !== undefined) out[k] = numeric.includes(k) ? Number(v) : v;
  return out;
}

function container(w: Json): Json {
  const { command: cmd, entrypoint, command_argv, ports, image, resources, ...rest } = without(w, 'restart_policy');
  const { secret, ...img } = image as Json;
  const r = resources as { limits?: Json; quota?: Json } | undefined;
  return {
    ...rest,
    ...(command_argv ? { command: command_argv } : entrypoint !== undefined ? { command: String(entrypoint).split(' ').filter(Boolean) } : {}),
    ...(rest.args === undefined && cmd !== undefined ? { args: String(cmd).split(' ').filter(Boolean) } : {}),
    ...(ports ? { ports: (ports as string[]).map((s) => ({ container: Number(s.split('/')[0]), protocol: s.split('/')[1] === 'udp' ? 'udp' : 'tcp' })) } : {}),
    image: { ...img, ...(secret ? { secret: (secret as { name: string }).name } : {}) },
    ...(r ? { resources: { ...(r.limits ? { limits: quantities(r.limits) } : {}), ...(r.quota ? { requests: quantities(r.quota) } : {}) } } : {}),
  };
}

/** The manifest of a service as the API answers it (the wire view). */
export function serviceManifest(s: { kind: string; meta: Json; spec: Json }): Json {
  const { network, template, ...spec } = s.spec as { network?: Json; template: Json & { containers: Json[] } };
  const meta: Json = { name: s.meta.name };
  const labels = s.meta.labels as Record<string, string> | undefined;
  if (labels && Object.keys(labels).length) meta.labels = { ...labels };
  if (s.meta.description !== undefined) meta.description = s.meta.description;
  return {
    kind: s.kind,
    version: 'v1',
    meta,
    spec: {
      ...spec,
      ...(network ? { network: { ...without(network, 'ports', 'port_mappings', 'ip'), ports: network.port_mappings } } : {}),
      template: { ...template, containers: template.containers.map(container) },
    },
  };
}
