// Each kind's wire view decodes back into exactly the object that was encoded (through JSON, as it
// travels), and fits the wire schema the OpenAPI document is built from.
import type { z } from 'zod';
import { WIRE_FIXTURES as F } from '../testing/wire-fixtures';
import * as wire from './index';

const ctx = { suffix: 'lb.local' };
const travel = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function roundTrip<M, W>(model: M, encode: (m: M) => W, decode: (w: W) => M, schema: z.ZodType): W {
  const w = travel(encode(model));
  expect(schema.safeParse(w).error?.issues ?? []).toEqual([]);
  expect(decode(w)).toEqual(model);
  return w;
}

describe('wire format v1', () => {
  it('Namespace: self_link, endpoint, limits and defaults as strings, usage as numbers', () => {
    const w = roundTrip(F.namespace, (m) => wire.encodeNamespace(m, ctx), wire.decodeNamespace, wire.NamespaceView);
    expect(w.meta).toMatchObject({ self_link: 'demo', endpoint: 'demo.lb.local' });
    expect(w.spec.resources?.limits).toEqual({ ram: '2147483648', cpu: '2', storage: '10gib', pods: '20', services: '5', volumes: '3', numeric: ['ram', 'pods', 'services', 'volumes'] });
    expect(w.spec.resources?.defaults).toEqual({ cpu: '100m', ram: '67108864', numeric: ['ram'] });
    expect(w.status.resources?.used).toEqual({ cpu: 1500, ram: 536870912, storage: 1073741824, pods: 4, services: 2, volumes: 1 });
    roundTrip(F.bareNamespace, (m) => wire.encodeNamespace(m, ctx), wire.decodeNamespace, wire.NamespaceView);
  });

  it('Service: the ports map beside our mappings, command as a string, image secret, quota, restart_policy', () => {
    const w = roundTrip(F.service, (m) => wire.encodeService(m, ctx), wire.decodeService, wire.ServiceView);
    expect(w.meta).toMatchObject({ self_link: 'demo:web', endpoint: 'web.demo.lb.local', replicas: 2 });
    // one target per service port: the first mapping of 80 wins, the udp one is in port_mappings only
    expect(w.spec.network).toMatchObject({ ports: { '80': '8080/tcp', '443': '443/tcp', '53': '53/udp' }, port_mappings: F.service.spec.network?.ports, ip: '10.211.0.5' });
    const c = w.spec.template.containers[0];
    expect(c).toMatchObject({
      // The original's command is the image's CMD (our args), its entrypoint our command.
      command: '--verbose',
      entrypoint: 'nginx -g daemon off;',
      command_argv: ['nginx', '-g', 'daemon off;'],
      ports: ['8080/tcp', '53/udp'],
      image: { name: 'nginx:1.27', secret: { name: 'registry', key: '' } },
      resources: { limits: { ram: '134217728', cpu: '500m', numeric: ['ram'] }, quota: { ram: '64mib', cpu: '0.25', numeric: ['cpu'] } },
      restart_policy: { policy: 'on-failure', attempt: 3 },
    });
    expect(w.spec.template.containers[1]).not.toHaveProperty('command');
    roundTrip(F.bareService, (m) => wire.encodeService(m, ctx), wire.decodeService, wire.ServiceView);
  });

  it('Service: a rolling strategy is the original\'s "Rolling" on the wire, blue-green has no type', () => {
    const rolling: typeof F.service = { ...F.service, spec: { ...F.service.spec, strategy: { type: 'rolling', max_surge: 1, max_unavailable: '25%', auto_rollback: true } } };
    const w = roundTrip(rolling, (m) => wire.encodeService(m, ctx), wire.decodeService, wire.ServiceView);
    expect(w.spec.strategy).toEqual({ type: 'Rolling', max_surge: 1, max_unavailable: '25%', auto_rollback: true });
    expect(travel(wire.encodeService(F.service, ctx)).spec.strategy).toEqual({ auto_rollback: true, deadline: '5m' });
  });

  it('Service: an entrypoint and command given as strings by another client decode into words', () => {
    const w = travel(wire.encodeService(F.bareService, ctx));
    w.spec.template.containers[0].entrypoint = 'sh -c  true';
    w.spec.template.containers[0].command = 'a  b';
    const c = wire.decodeService(w).spec.template.containers[0];
    expect(c.command).toEqual(['sh', '-c', 'true']);
    expect(c.args).toEqual(['a', 'b']);
  });

  it('Deployment and Pod: self links, parent, the template as the original', () => {
    const d = roundTrip(F.deployment, (m) => wire.encodeDeployment(m, ctx), wire.decodeDeployment, wire.DeploymentView);
    expect(d.meta).toMatchObject({ self_link: 'demo:web:v2', version: 2, endpoint: 'web.demo.lb.local' });
    const p = roundTrip(F.pod, wire.encodePod, wire.decodePod, wire.PodView);
    expect(p.meta).toMatchObject({ self_link: 'demo:web:v2:web-v2-x1', parent: { kind: 'deployment', self_link: 'demo:web:v2' } });
    expect(p.spec.state).toEqual({ destroy: false, maintenance: false });
  });

  it('Node: host facts in meta, status.state an object, the state word in status.phase, resources as int64 as the pinned client reads them (bytes, millicores)', () => {
    const w = roundTrip(F.node, wire.encodeNode, wire.decodeNode, wire.NodeView);
    expect(w.meta).toMatchObject({ self_link: 'n1', hostname: 'host-1', os_name: 'linux', architecture: 'x64', ip: { external: '192.168.1.10', internal: '192.168.1.10' }, cidr: '10.210.0.0/24' });
    expect(w.status.state).toEqual({
      ready: false,
      cri: { type: '@lastbackend/driver-docker', version: '1.0.0', state: 'ready', message: '' },
      cni: { type: '@lastbackend/driver-vxlan', version: '1.0.0', state: 'error', message: 'no bridge' },
      cpi: { type: '', version: '', state: '', message: '' },
      csi: { type: '', version: '', state: '', message: '' },
    });
    expect(w.status.phase).toBe('not-ready');
    expect(w.status.capacity).toMatchObject({ cpu: 4000, ram: 8 * 1024 ** 3, storage: 100 * 1024 ** 3, pods: 110 });
    const list = roundTrip([{ ...F.node, meta: { ...F.node.meta, name: '2' } }, F.node], wire.encodeNodeList, wire.decodeNodeList, wire.NodeListView);
    expect(Object.keys(list).sort()).toEqual(['2', 'n1']);
  });

  it('Cluster: top-level meta, offline nodes, cores as "2.000"', () => {
    const w = roundTrip(F.cluster, wire.encodeCluster, wire.decodeCluster, wire.ClusterView);
    expect(w).toMatchObject({ name: 'lastbackend', self_link: 'lastbackend', status: { nodes: { total: 3, online: 2, offline: 1 } } });
    expect(w.status.capacity).toMatchObject({ cpu: '12.000', ram: '24GiB', pods: 330, cpu_millicores: 12000 });
    expect(w.status.allocated).toMatchObject({ cpu: '0.750', ram: '192MiB' });
  });

  it('Secret, Config, Volume, Route: self_link, a config\'s kind, a volume\'s capacity as a string', () => {
    expect(roundTrip(F.secret, wire.encodeSecret, wire.decodeSecret, wire.SecretView).meta.self_link).toBe('demo:db');
    expect(roundTrip(F.config, wire.encodeConfig, wire.decodeConfig, wire.ConfigView).meta).toMatchObject({ self_link: 'demo:app', kind: 'text' });
    expect(roundTrip(F.volume, wire.encodeVolume, wire.decodeVolume, wire.VolumeView).spec.capacity).toEqual({ storage: '1073741824', numeric: ['storage'] });
    expect(roundTrip(F.namedVolume, wire.encodeVolume, wire.decodeVolume, wire.VolumeView).spec.capacity).toEqual({ storage: '1gib' });
    expect(roundTrip(F.route, wire.encodeRoute, wire.decodeRoute, wire.RouteView).meta.self_link).toBe('demo:web');
  });

  it('Log line: the original\'s message, selflink and timestamp beside ours', () => {
    const w = roundTrip(F.log, (l) => wire.encodeLog(l, { namespace: 'demo', service: 'web' }), wire.decodeLog, wire.LogMessageView);
    expect(w).toMatchObject({ message: 'GET / 200', selflink: 'demo:web', container_name: 'app', timestamp: F.log.time });
    expect(wire.encodeLog({ ...F.log, time: '2026-12-04 11:00:00Z' }, { namespace: 'demo', service: 'web' }).timestamp).toBe('2026-12-04T11:00:00.000Z');
  });

  it('encodes answers by the name of their schema, lists item by item, and leaves others alone', () => {
    expect(wire.encodeAnswer('Service', [F.service], true, ctx)).toEqual([wire.encodeService(F.service, ctx)]);
    expect(wire.encodeAnswer('NodeList', [F.node], false, ctx)).toEqual({ n1: wire.encodeNode(F.node) });
    expect(wire.encodeAnswer('Endpoint', { a: 1 }, false, ctx)).toEqual({ a: 1 });
  });

  it("Job: self_link, the original's schedule and stats, resources under limits/request, the template as the original", () => {
    const w = roundTrip(F.job, wire.encodeJob, wire.decodeJob, wire.JobView);
    expect(w.meta.self_link).toBe('demo:backup');
    expect(w.spec.schedule).toBe('*/5 * * * *');
    expect(w.spec.resources).toEqual({ limits: { ram: '268435456', cpu: '1', numeric: ['ram'] }, request: { ram: '64mib' } });
    expect(w.spec.task.template.containers[0]).toMatchObject({ command: '--verbose', entrypoint: 'nginx -g daemon off;' });
    expect(w.status).toEqual({ state: 'enabled', tasks: F.job.status.tasks, message: '', stats: { total: 8, active: 3, successful: 3, failed: 2 } });
    const bare = roundTrip(F.bareJob, wire.encodeJob, wire.decodeJob, wire.JobView);
    expect(bare.spec).not.toHaveProperty('schedule');
    expect(bare.status.stats).toEqual({ total: 0, active: 0, successful: 0, failed: 0 });
  });

  it("Task: self_link, the original's error/done/canceled, its pod as the original's object", () => {
    const w = roundTrip(F.task, wire.encodeTask, wire.decodeTask, wire.TaskView);
    expect(w.meta.self_link).toBe('demo:backup:backup-1a2b3c');
    expect(w.status).toMatchObject({ error: false, done: true, canceled: true, pod: { name: 'backup-1a2b3c-2', self_link: 'demo:backup-1a2b3c-2' } });
    const q = roundTrip(F.queuedTask, wire.encodeTask, wire.decodeTask, wire.TaskView);
    expect(q.status).toMatchObject({ error: false, done: false, canceled: false });
    expect(q.status).not.toHaveProperty('pod');
  });
});
