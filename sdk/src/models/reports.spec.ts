// What a node says about itself and what a user writes into a route are checked by the schemas, so the
// API refuses them (400 naming the field) before anything is stored.
import { parseOrThrow } from '../validation';
import { LbError } from '../errors';
import { RouteManifest } from './manifests';
import { NODE_CAPACITY_MAX, NodeLabelsUpdate, NodeStatusReport, PodStatusReport } from './resources';

const fieldsOf = (schema: Parameters<typeof parseOrThrow>[0], value: unknown): string[] => {
  try {
    parseOrThrow(schema, value);
  } catch (e) {
    expect(e).toBeInstanceOf(LbError);
    return ((e as LbError).details.fields ?? []).map((f) => f.field);
  }
  return [];
};

const capacity = { cpu: 4000, ram: 8 * 1024 ** 3, pods: 110 };
const pod = (network: Record<string, string>) => ({ namespace: 'default', name: 'web-1', status: { state: 'ready', running: true, network } });

describe('NodeStatusReport', () => {
  it('takes IPv4 and IPv6 addresses', () => {
    expect(NodeStatusReport.parse({ capacity, addresses: ['192.168.1.2', 'fd00::2'] }).addresses).toEqual(['192.168.1.2', 'fd00::2']);
  });

  it.each(['not-an-ip', '10.0.0.256', ' 10.0.0.1', '10.0.0.1\n', 'fe80::1%eth0', '[::1]', '10.0.0.1:80', ''])('refuses the address %j, naming it', (a) => {
    expect(fieldsOf(NodeStatusReport, { capacity, addresses: ['10.0.0.1', a] })).toEqual(['addresses.1']);
  });

  it('bounds capacity', () => {
    expect(NodeStatusReport.parse({ capacity: { ...NODE_CAPACITY_MAX } }).capacity).toEqual(NODE_CAPACITY_MAX);
    expect(fieldsOf(NodeStatusReport, { capacity: { ...capacity, cpu: NODE_CAPACITY_MAX.cpu + 1 } })).toEqual(['capacity.cpu']);
    expect(fieldsOf(NodeStatusReport, { capacity: { ...capacity, ram: Number.MAX_SAFE_INTEGER } })).toEqual(['capacity.ram']);
    expect(fieldsOf(NodeStatusReport, { capacity: { ...capacity, pods: 1e9 } })).toEqual(['capacity.pods']);
    expect(fieldsOf(NodeStatusReport, { capacity: { ...capacity, storage: 2 ** 51 } })).toEqual(['capacity.storage']);
  });
});

describe('PodStatusReport', () => {
  it('takes an empty address (no network yet) and IPs', () => {
    expect(PodStatusReport.parse(pod({})).status.network).toEqual({ host_ip: '', pod_ip: '' });
    expect(PodStatusReport.parse(pod({ host_ip: '192.168.1.2', pod_ip: '10.210.0.5' })).status.network.pod_ip).toBe('10.210.0.5');
  });

  it('refuses a pod_ip or host_ip that is not an IP, naming it', () => {
    expect(fieldsOf(PodStatusReport, pod({ pod_ip: 'not-an-ip' }))).toEqual(['status.network.pod_ip']);
    expect(fieldsOf(PodStatusReport, pod({ host_ip: '\u001b[2J' }))).toEqual(['status.network.host_ip']);
  });
});

describe('NodeLabelsUpdate', () => {
  it('sets and removes keys', () => {
    expect(NodeLabelsUpdate.parse({ set: { pool: 'gpu' }, remove: ['zone'] })).toEqual({ set: { pool: 'gpu' }, remove: ['zone'] });
  });

  it('refuses bad keys and a key both set and removed', () => {
    expect(fieldsOf(NodeLabelsUpdate, { set: { 'bad key': 'x' } })).toEqual(['set.bad key']);
    expect(fieldsOf(NodeLabelsUpdate, { remove: ['no spaces'] })).toEqual(['remove.0']);
    expect(fieldsOf(NodeLabelsUpdate, { set: { a: '1' }, remove: ['a'] })).toEqual(['remove']);
  });
});

describe('Route hosts and paths', () => {
  const route = (spec: Record<string, unknown>) => ({ kind: 'Route', meta: { name: 'r' }, spec: { rules: [{ path: '/', service: 'web', port: 80 }], ...spec } });

  it.each(['example.com', 'Example.COM', 'a-b.example.com.', '*.apps.example.com', 'localhost'])('takes the host %j', (domain) => {
    expect(fieldsOf(RouteManifest, route({ domain }))).toEqual([]);
  });

  it.each(['a b.example.com', 'example.com ', 'example.com\n', 'ex\u001bample.com', 'ex\tample.com', 'example.com\u0000', '*', '*.', 'a.*.com', '-a.com', 'a..com', 'http://a.com', 'a.com:80', 'a_b.com', 'x'.repeat(64) + '.com'])(
    'refuses the host %j at apply, naming spec.domain',
    (domain) => {
      expect(fieldsOf(RouteManifest, route({ domain }))).toEqual(['spec.domain']);
    },
  );

  // "" is what the original's client sends for an unset path: it means "/".
  it.each(['/', '/api', '/api/v1/', '/a-b_c.d~e', '/%20x', '/a;b=c', ''])('takes the path %j', (path) => {
    expect(fieldsOf(RouteManifest, route({ rules: [{ path, service: 'web', port: 80 }] }))).toEqual([]);
  });

  it.each(['api', '/a b', '/a\tb', '/a\nb', '/a\u001b[2J', '/a"b', "/a'b", '/a#b', '/a?b', '/a\\b', '/a{b}', '/a$b'])('refuses the path %j at apply, naming the rule', (path) => {
    expect(fieldsOf(RouteManifest, route({ rules: [{ path, service: 'web', port: 80 }] }))).toEqual(['spec.rules.0.path']);
  });
});
