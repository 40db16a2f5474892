// The original Last.Backend's manifest fields, one at a time, as its types (pkg/api/types/v1/request)
// define them: each is taken with the original's meaning, normalised into this model, or refused naming
// the field and the reason. Bodies are written as its Go client marshals them (nulls for unset pointers,
// {} for an empty struct, 0 and "" for unset numbers and strings).
import { issuesToFields } from '../validation';
import type { FieldError } from '../errors';
import {
  AnyManifestSchema,
  ConfigManifest,
  NamespaceManifest,
  RouteManifest,
  SecretManifest,
  ServiceManifest,
  ServiceUpdate,
  VolumeManifest,
  type ContainerManifest,
  type ServiceManifest as ServiceManifestT,
} from './manifests';
import type { z } from 'zod';

type Schema = z.ZodType;
type Json = Record<string, unknown>;

function parse(schema: Schema, doc: unknown): { ok: true; data: unknown } | { ok: false; fields: FieldError[] } {
  const r = schema.safeParse(doc);
  return r.success ? { ok: true, data: r.data } : { ok: false, fields: issuesToFields(r.error.issues) };
}

/** Parses and checks the result parses to itself: the API parses a body twice (route, then domain). */
function accepted<T>(schema: Schema, doc: unknown): T {
  const r = parse(schema, doc);
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.fields)}`);
  const again = parse(schema, r.data);
  expect(again).toEqual({ ok: true, data: r.data });
  return r.data as T;
}

function refused(schema: Schema, doc: unknown, field: string, reason: RegExp): void {
  const r = parse(schema, doc);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.fields).toContainEqual({ field, reason: expect.stringMatching(reason) });
}

const container = (c: Json = {}): Json => ({ name: 'app', image: { name: 'nginx:1.25' }, ...c });
const service = (spec: Json = {}, c: Json = {}, template: Json = {}): Json => ({
  kind: 'Service',
  meta: { name: 'web' },
  spec: { ...spec, template: { containers: [container(c)], ...template } },
});
const svc = (spec: Json = {}, c: Json = {}, template: Json = {}) => accepted<ServiceManifestT>(ServiceManifest, service(spec, c, template));
const ctr = (c: Json, template: Json = {}): ContainerManifest => svc({}, c, template).spec.template.containers[0];
const C = 'spec.template.containers.0';

describe('an original Service, field by field', () => {
  it('replicas', () => {
    expect(svc({ replicas: 3 }).spec.replicas).toBe(3);
  });

  it('selector.node, and an empty node: (YAML null) as no node', () => {
    expect(svc({ selector: { node: 'node-1' } }).spec.selector).toEqual({ node: 'node-1' });
    expect(svc({ selector: { node: null, labels: { type: 'frontend' } } }).spec.selector).toEqual({ labels: { type: 'frontend' } });
  });

  it('selector.labels, a YAML number value being its digits', () => {
    expect(svc({ selector: { labels: { zone: 2 } } }).spec.selector?.labels).toEqual({ zone: '2' });
  });

  it('network.ports as the original wrote them: a list of "port:containerPort/proto"', () => {
    expect(svc({ network: { ports: ['80:8080/tcp', '53:53/udp', 8080] } }).spec.network?.ports).toEqual(['80:8080/tcp', '53:53/udp', '8080']);
  });

  it('network.ports as the original stored them: a map of service port to container port', () => {
    const ports = svc({ network: { ports: { '80': '8080/tcp', '53': '53/udp', '443': 8443 } } }).spec.network?.ports;
    expect([...(ports ?? [])].sort()).toEqual(['443:8443', '53:53/udp', '80:8080/tcp']);
    refused(ServiceManifest, service({ network: { ports: { http: '80' } } }), 'spec.network.ports.http', /service port/);
    refused(ServiceManifest, service({ network: { ports: { '80': 'x' } } }), 'spec.network.ports.80', /container port/);
  });

  it('network.ip: only empty is taken (a service address is assigned here)', () => {
    expect(svc({ network: { ip: null, ports: ['80'] } }).spec.network).toEqual({ ports: ['80'], scheduler: 'rr' });
    expect(svc({ network: { ip: '' } }).spec.network).toEqual({ ports: [], scheduler: 'rr' });
    refused(ServiceManifest, service({ network: { ip: '10.0.0.5' } }), 'spec.network.ip', /assigned from the service CIDR/);
  });

  it('strategy: blue/green or none is taken (the default), Rolling is the rolling strategy, others are refused', () => {
    for (const strategy of [{}, { type: null }, { type: '' }, { type: 'BlueGreen' }, { type: 'blue-green' }, null]) expect(svc({ strategy }).spec).not.toHaveProperty('strategy', expect.anything());
    for (const type of ['Rolling', 'rolling', 'RollingUpdate']) expect(svc({ strategy: { type } }).spec.strategy).toEqual({ type: 'rolling' });
    expect(svc({ strategy: { type: 'rolling', max_surge: 0, max_unavailable: '25%' } }).spec.strategy).toEqual({ type: 'rolling', max_surge: 0, max_unavailable: '25%' });
    refused(ServiceManifest, service({ strategy: { type: 'Canary' } }), 'spec.strategy.type', /^unknown strategy "Canary": blue-green or rolling$/);
  });

  it('strategy: max_surge and max_unavailable are counts or percentages, for rolling only, not both 0', () => {
    refused(ServiceManifest, service({ strategy: { max_surge: 1 } }), 'spec.strategy.max_surge', /^only a rolling strategy \(type: rolling\) takes it$/);
    refused(ServiceManifest, service({ strategy: { type: 'blue-green', max_unavailable: 1 } }), 'spec.strategy.max_unavailable', /only a rolling strategy/);
    for (const max_surge of [-1, 1.5, 1001]) refused(ServiceManifest, service({ strategy: { type: 'rolling', max_surge } }), 'spec.strategy.max_surge', /^must be a whole number of pods from 0 to 1000/);
    for (const max_unavailable of ['101%', '5', 'half', '-1%'])
      refused(ServiceManifest, service({ strategy: { type: 'rolling', max_unavailable } }), 'spec.strategy.max_unavailable', /must be a whole number of pods, or a percentage from "0%" to "100%"$/);
    refused(ServiceManifest, service({ strategy: { type: 'rolling', max_surge: '0%', max_unavailable: 0 } }), 'spec.strategy.max_unavailable', /cannot both be 0/);
  });

  it('strategy: auto_rollback and a deadline are stored (with or without a blue/green type), a bad deadline is refused', () => {
    expect(svc({ strategy: { type: 'BlueGreen', auto_rollback: true, deadline: '90s' } }).spec.strategy).toEqual({ auto_rollback: true, deadline: '90s' });
    expect(svc({ strategy: { deadline: '1h' } }).spec.strategy).toEqual({ deadline: '1h' });
    expect(svc({ strategy: { auto_rollback: false } }).spec.strategy).toEqual({ auto_rollback: false });
    for (const deadline of ['10s', '5m', '24h']) expect(svc({ strategy: { deadline } }).spec.strategy).toEqual({ deadline });
    for (const deadline of ['9s', '25h', '1441m']) refused(ServiceManifest, service({ strategy: { deadline } }), 'spec.strategy.deadline', /^must be between 10s and 24h$/);
    for (const deadline of ['5', '5 m', '1d', '1.5h', '-5m', '0s', ''])
      refused(ServiceManifest, service({ strategy: { deadline } }), 'spec.strategy.deadline', /^must be a duration in seconds, minutes or hours/);
    refused(ServiceManifest, service({ strategy: { auto_rollback: 'yes' } }), 'spec.strategy.auto_rollback', /boolean/);
    expect(svc({ strategy: { type: 'Rolling', auto_rollback: true } }).spec.strategy).toEqual({ type: 'rolling', auto_rollback: true });
    refused(ServiceManifest, service({ strategy: { rollback: true } }), 'spec.strategy.rollback', /^unknown field$/);
  });

  it('container name, a YAML number being its digits', () => {
    expect(ctr({ name: 2048 }).name).toBe('2048');
  });

  it("command as a string: split at spaces, it is the image's CMD (args), as the original's node ran it", () => {
    const c = ctr({ command: 'nginx -g daemon  off;' });
    expect(c.args).toEqual(['nginx', '-g', 'daemon', 'off;']);
    expect(c.command).toBeUndefined();
    refused(ServiceManifest, service({}, { command: 'sh -c "echo hi"' }), `${C}.command`, /give it as a list/);
    refused(ServiceManifest, service({}, { command: 'run', args: ['x'] }), `${C}.args`, /give one of them/);
  });

  it('command as a list: it replaces the entrypoint (this project)', () => {
    const c = ctr({ command: ['/bin/sh', '-c'], args: ['echo hi'] });
    expect([c.command, c.args]).toEqual([['/bin/sh', '-c'], ['echo hi']]);
  });

  it("entrypoint: it replaces the image's entrypoint (command here), beside a command string's CMD", () => {
    const c = ctr({ entrypoint: '/bin/sh -c', command: 'env' });
    expect([c.command, c.args]).toEqual([['/bin/sh', '-c'], ['env']]);
    refused(ServiceManifest, service({}, { entrypoint: '/bin/sh', command: ['/bin/bash'] }), `${C}.entrypoint`, /give one of them/);
  });

  it('workdir and args', () => {
    const c = ctr({ workdir: '/srv', args: ['--port', '80'] });
    expect([c.workdir, c.args]).toEqual(['/srv', ['--port', '80']]);
  });

  it('ports: a declared container port is taken, one published on the node is refused', () => {
    expect(ctr({ ports: [':8080/tcp', ':53/udp', { container: 9000 }] }).ports).toEqual([
      { container: 8080, protocol: 'tcp' },
      { container: 53, protocol: 'udp' },
      { container: 9000, protocol: 'tcp' },
    ]);
    refused(ServiceManifest, service({}, { ports: ['8080'] }), `${C}.ports.0`, /on the node at 127\.0\.0\.1:8080.*":8080\/tcp"/);
    refused(ServiceManifest, service({}, { ports: [8080] }), `${C}.ports.0`, /publishes the container's port 8080/);
    refused(ServiceManifest, service({}, { ports: ['10.0.0.1:53:53/udp'] }), `${C}.ports.0`, /at 10\.0\.0\.1:53/);
  });

  it('env: value (a YAML number being its digits), secret and config', () => {
    const env = [
      { name: 'PORT', value: 3306 },
      { name: 'TOKEN', secret: { name: 'creds', key: 'token' } },
      { name: 'MODE', config: { name: 'settings', key: 'mode' } },
    ];
    expect(ctr({ env }).env).toEqual([{ name: 'PORT', value: '3306' }, env[1], env[2]]);
    refused(ServiceManifest, service({}, { env: [{ name: 'V', value: 1.1 }] }), `${C}.env.0.value`, /quotes/);
  });

  it('volumes: mode ro is readonly, rw or none is not', () => {
    const template = { volumes: [{ name: 'data', volume: { name: 'data' } }] };
    const mounts = (mode?: string) => ctr({ volumes: [{ name: 'data', path: '/data', ...(mode === undefined ? {} : { mode }) }] }, template).volumes;
    expect(mounts('ro')).toEqual([{ name: 'data', path: '/data', readonly: true }]);
    expect(mounts('rw')).toEqual([{ name: 'data', path: '/data', readonly: false }]);
    expect(mounts('')).toEqual([{ name: 'data', path: '/data', readonly: false }]);
    refused(ServiceManifest, service({}, { volumes: [{ name: 'data', path: '/data', mode: 'rx' }] }, template), `${C}.volumes.0.mode`, /ro or rw/);
    refused(ServiceManifest, service({}, { volumes: [{ name: 'data', path: '/data', mode: 'ro', readonly: false }] }, template), `${C}.volumes.0.mode`, /readonly is false/);
  });

  it('volumes: sub_path', () => {
    const template = { volumes: [{ name: 'data', volume: { name: 'data' } }] };
    expect(ctr({ volumes: [{ name: 'data', path: '/data', sub_path: 'site' }] }, template).volumes[0].sub_path).toBe('site');
  });

  it('image.sha: the image is pulled by digest, as the original pulled name@sha', () => {
    const sha = `sha256:${'a'.repeat(64)}`;
    expect(ctr({ image: { name: 'nginx:1.25', sha } }).image.name).toBe(`nginx@${sha}`);
    expect(ctr({ image: { name: 'registry:5000/team/app:v1', sha } }).image.name).toBe(`registry:5000/team/app@${sha}`);
    expect(ctr({ image: { name: 'nginx', sha: '' } }).image.name).toBe('nginx');
    refused(ServiceManifest, service({}, { image: { name: 'nginx', sha: 'abc' } }), `${C}.image.sha`, /digest/);
  });

  it("image.secret: {} (the Go client's empty struct) is none, {name} names the pull secret, a key is refused", () => {
    expect(ctr({ image: { name: 'nginx', secret: {} } }).image).toEqual({ name: 'nginx', policy: 'if-not-present' });
    expect(ctr({ image: { name: 'nginx', secret: { name: 'registry', key: '' } } }).image.secret).toBe('registry');
    expect(ctr({ image: { name: 'nginx', secret: 'registry' } }).image.secret).toBe('registry');
    refused(ServiceManifest, service({}, { image: { name: 'nginx', secret: { name: 'registry', key: 'auth' } } }), `${C}.image.secret.key`, /Secret of type auth/);
  });

  it('resources: limits, and quota as requests (what the scheduler reserves)', () => {
    const r = ctr({ resources: { limits: { ram: '512Mi', cpu: '1' }, quota: { ram: '256MB', cpu: '0.5' } } }).resources;
    expect(r).toEqual({ limits: { ram: '512Mi', cpu: '1' }, requests: { ram: '256MB', cpu: '0.5' } });
    refused(ServiceManifest, service({}, { resources: { quota: { ram: '1gb' }, requests: { ram: '1gb' } } }), `${C}.resources.quota`, /not both/);
  });

  it('restart: policy and attempt (attempts here); Docker\'s "no" is never', () => {
    expect(ctr({ restart: { policy: 'on-failure', attempt: 3 } }).restart).toEqual({ policy: 'on-failure', attempts: 3 });
    expect(ctr({ restart: { policy: 'no' } }).restart).toEqual({ policy: 'never' });
    expect(ctr({}).restart).toEqual({ policy: 'always' });
    refused(ServiceManifest, service({}, { restart: { attempt: 3 } }), `${C}.restart.policy`, /never restarts/);
    refused(ServiceManifest, service({}, { restart: { policy: 'unless-stopped' } }), `${C}.restart.policy`, /use always/);
  });

  it("security.privileged: true is kept for the namespace's policy to judge, false (or null) says nothing", () => {
    expect(ctr({ security: { privileged: false } })).not.toHaveProperty('security');
    expect(ctr({ security: null })).not.toHaveProperty('security');
    expect(ctr({ security: { privileged: true } }).security).toEqual({ privileged: true });
  });

  it('security options: capability names without CAP_, run_as_non_root with uid 0 refused', () => {
    expect(ctr({ security: { capabilities: { add: ['CAP_NET_ADMIN'], drop: ['ALL'] } } }).security).toEqual({ capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } });
    refused(ServiceManifest, service({}, { security: { run_as_non_root: true, run_as_user: 0 } }), `${C}.security.run_as_user`, /run_as_non_root/);
    refused(ServiceManifest, service({}, { security: { capabilities: { add: ['net admin'] } } }), `${C}.security.capabilities.add.0`, /capability name/);
    refused(ServiceManifest, service({}, { security: { seccomp: 'custom' } }), `${C}.security.seccomp`, /default|unconfined/);
  });

  it('template volume type: empty or the source given, and nothing is stored', () => {
    const mount = { volumes: [{ name: 'd', path: '/d' }] };
    const t = (v: Json) => ({ volumes: [{ name: 'd', ...v }] });
    expect(svc({}, mount, t({ type: 'volume', volume: { name: 'data' } })).spec.template.volumes).toEqual([{ name: 'd', volume: { name: 'data' } }]);
    refused(ServiceManifest, service({}, mount, t({ type: 'secret', volume: { name: 'data' } })), 'spec.template.volumes.0.type', /source given \(volume\)/);
  });

  it('template volume.subpath: only empty is taken (the original mounted the whole volume)', () => {
    const mount = { volumes: [{ name: 'd', path: '/d' }] };
    expect(svc({}, mount, { volumes: [{ name: 'd', volume: { name: 'data', subpath: '' } }] }).spec.template.volumes).toEqual([{ name: 'd', volume: { name: 'data' } }]);
    refused(ServiceManifest, service({}, mount, { volumes: [{ name: 'd', volume: { name: 'data', subpath: 'x' } }] }), 'spec.template.volumes.0.volume.subpath', /sub_path/);
  });

  it.each(['secret', 'config'])('template %s binds: taken when each file is its key', (source) => {
    const mount = { volumes: [{ name: 'd', path: '/d' }] };
    const t = (binds: Json[]) => ({ volumes: [{ name: 'd', [source]: { name: 'files', binds } }] });
    expect(svc({}, mount, t([{ key: 'a.conf', file: 'a.conf' }, { key: 'b.conf' }])).spec.template.volumes).toEqual([{ name: 'd', [source]: { name: 'files' } }]);
    refused(ServiceManifest, service({}, mount, t([{ key: 'a', file: 'other' }])), `spec.template.volumes.0.${source}.binds.0.file`, /named by their key/);
  });

  it('a template volume with no source (the original made a scratch directory) is refused', () => {
    refused(ServiceManifest, service({}, {}, { volumes: [{ name: 'scratch' }] }), 'spec.template.volumes.0', /scratch directory/);
  });

  it('meta: a numeric name, null namespace and description, labels', () => {
    const m = accepted<ServiceManifestT>(ServiceManifest, { ...service(), meta: { name: 2048, namespace: null, description: null, labels: { tier: 1 } } }).meta;
    expect(m).toEqual({ name: '2048', labels: { tier: '1' } });
    refused(ServiceManifest, { ...service(), meta: { name: 'My_App' } }, 'meta.name', /DNS label/);
  });

  it('an update (PUT) takes the same spellings', () => {
    const u = accepted<{ spec: { network: { ports: string[] } } }>(ServiceUpdate, { spec: { network: { ports: { '80': '8080' } }, strategy: {} } });
    expect(u.spec.network.ports).toEqual(['80:8080']);
  });
});

describe('the other original kinds, as its Go client sends them', () => {
  it('Namespace: domain null or "" and resources null are taken, a storage limit too; requests and a domain are refused', () => {
    const ns = (spec: Json) => ({ kind: 'Namespace', meta: { name: 'demo' }, spec });
    expect(accepted<{ spec: unknown }>(NamespaceManifest, ns({ domain: null, resources: null })).spec).toEqual({});
    expect(accepted<{ spec: unknown }>(NamespaceManifest, ns({ domain: '', resources: { request: null, limits: { ram: '2GB', cpu: '2', storage: null } } })).spec).toEqual({
      resources: { limits: { ram: '2GB', cpu: '2' } },
    });
    refused(NamespaceManifest, ns({ domain: 'demo.example.com' }), 'spec.domain', /no domain of its own/);
    refused(NamespaceManifest, ns({ resources: { request: { ram: '1GB', cpu: null, storage: null } } }), 'spec.resources.request', /limits and defaults/);
    expect(accepted<{ spec: unknown }>(NamespaceManifest, ns({ resources: { limits: { storage: '10GB', ram: null, cpu: null } } })).spec).toEqual({
      resources: { limits: { storage: '10GB' } },
    });
    refused(NamespaceManifest, ns({ resources: { limits: { storage: 'lots' } } }), 'spec.resources.limits.storage', /must be a size/);
  });

  it('Route: endpoint is the domain, type is not stored, port 0 and path "" are unset', () => {
    const route = (spec: Json) => ({ kind: 'Route', meta: { name: 'blog' }, spec: { rules: [{ service: 'ghost', path: '', port: 80 }], ...spec } });
    expect(accepted<{ spec: unknown }>(RouteManifest, route({ port: 0, type: '', endpoint: '' })).spec).toEqual({ rules: [{ service: 'ghost', path: '/', port: 80 }] });
    expect(accepted<{ spec: unknown }>(RouteManifest, route({ port: 443, type: 'proxy', endpoint: 'blog.example.com' })).spec).toEqual({
      domain: 'blog.example.com',
      port: 443,
      rules: [{ service: 'ghost', path: '/', port: 80 }],
    });
    refused(RouteManifest, route({ endpoint: 'a.example.com', domain: 'b.example.com' }), 'spec.endpoint', /give one of them/);
    refused(RouteManifest, route({ endpoint: 'not a host' }), 'spec.endpoint', /.+/);
  });

  it('Volume: type dir and access_mode rw are taken, an empty capacity or selector is none', () => {
    const vol = (spec: Json) => ({ kind: 'Volume', meta: { name: 'mysql' }, spec });
    expect(accepted<{ spec: unknown }>(VolumeManifest, vol({ type: 'dir', selector: {}, capacity: {} })).spec).toEqual({});
    expect(accepted<{ spec: unknown }>(VolumeManifest, vol({ type: 'dir', access_mode: 'ReadWriteOnce', capacity: { storage: '1GB' } })).spec).toEqual({
      capacity: { storage: '1GB' },
    });
    refused(VolumeManifest, vol({ type: 'local' }), 'spec.type', /only dir volumes/);
    refused(VolumeManifest, vol({ access_mode: 'ReadOnlyMany' }), 'spec.access_mode', /read-write/);
  });

  it('Config: type text or file is taken and not stored; Secret: opaque and auth', () => {
    const cfg = accepted<{ spec: unknown; meta: unknown }>(ConfigManifest, { kind: 'Config', meta: { name: 'app', namespace: null }, spec: { type: 'text', data: { port: 8080 } } });
    expect(cfg).toMatchObject({ meta: { name: 'app' }, spec: { data: { port: '8080' } } });
    expect(cfg.spec).not.toHaveProperty('type');
    refused(ConfigManifest, { kind: 'Config', meta: { name: 'app' }, spec: { type: 'binary' } }, 'spec.type', /text or file/);
    for (const type of ['opaque', 'auth']) expect(accepted<{ spec: { type: string } }>(SecretManifest, { kind: 'Secret', meta: { name: 's' }, spec: { type, data: {} } }).spec.type).toBe(type);
  });

  it('a Pod document is refused, naming Service; a Task names the run of a Job; a Job is checked as one', () => {
    refused(AnyManifestSchema, { kind: 'Pod', meta: { name: 'etcd' }, spec: {} }, 'kind', /^a Pod is not applied directly; use a Service/);
    refused(AnyManifestSchema, { kind: 'Task', meta: { name: 'build' }, spec: {} }, 'kind', /lb job run JOB/);
    refused(AnyManifestSchema, { kind: 'Job', meta: { name: 'build' }, spec: {} }, 'spec.task', /expected object/);
    refused(AnyManifestSchema, { kind: 'Gadget', meta: { name: 'x' }, spec: {} }, 'kind', /must be one of Namespace, Service/);
    refused(AnyManifestSchema, { kind: 'service', meta: { name: 'x' }, spec: {} }, 'kind', /^must be written "Service"$/);
  });
});
