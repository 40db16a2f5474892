import type { Config, Deployment, Namespace, Node, Pod, Service } from '@lastbackend/sdk';
import { namesOf, tableOf } from './columns';
import { formatAge, formatBytes, formatCpu, outputFormat, renderJson, renderTable } from './output';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

describe('formatting', () => {
  it('ages', () => {
    expect(formatAge(ago(5), NOW)).toBe('5s');
    expect(formatAge(ago(119), NOW)).toBe('119s');
    expect(formatAge(ago(600), NOW)).toBe('10m');
    expect(formatAge(ago(3 * 3600), NOW)).toBe('3h');
    expect(formatAge(ago(5 * 86400), NOW)).toBe('5d');
    expect(formatAge(undefined, NOW)).toBe('-');
    expect(formatAge(ago(-30), NOW)).toBe('0s');
  });

  it('quantities', () => {
    expect(formatCpu(500)).toBe('0.5');
    expect(formatCpu(4000)).toBe('4');
    expect(formatCpu(1250)).toBe('1.25');
    expect(formatBytes(0)).toBe('0B');
    expect(formatBytes(512 * 1024 * 1024)).toBe('512MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5GiB');
  });

  it('output formats', () => {
    expect(outputFormat(undefined)).toBe('table');
    expect(outputFormat('JSON')).toBe('json');
    expect(outputFormat('wide')).toBe('wide');
    expect(outputFormat('name')).toBe('name');
    expect(() => outputFormat('xml')).toThrow('output: unknown format "xml" (one of table, wide, name, json, yaml)');
    expect(outputFormat(undefined, ['yaml', 'json'])).toBe('yaml');
    expect(() => outputFormat('wide', ['yaml', 'json'])).toThrow('output: unknown format "wide" (one of yaml, json)');
    expect(renderJson([{ a: 1 }])).toBe(JSON.stringify([{ a: 1 }], null, 2) + '\n');
  });

  it('tables have no borders and no trailing spaces', () => {
    const out = renderTable(['NAME', 'STATE'], [['web', 'ready'], ['a-longer-name', '-']]);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^NAME\s+STATE$/);
    expect(lines[2]).toMatch(/^a-longer-name\s+-$/);
    expect(lines[0].indexOf('STATE')).toBe(lines[1].indexOf('ready'));
    expect(out).not.toMatch(/[│─┌└]/);
  });
});

describe('columns', () => {
  const meta = { uid: 'u', created: ago(60), updated: ago(60), revision: 1, labels: {} };
  it('services show ready/desired replicas and ports', () => {
    const svc = {
      kind: 'Service',
      version: 'v1',
      meta: { ...meta, name: 'web', namespace: 'default' },
      spec: { replicas: 3 },
      status: { state: 'ready', message: '', deployment: 'v2', generation: 2, replicas: { desired: 3, ready: 2 }, network: { ports: ['80:8080/tcp'] } },
    } as unknown as Service;
    expect(tableOf({ kind: 'service', items: [svc] }, NOW)).toEqual({
      head: ['NAME', 'STATE', 'REPLICAS', 'DEPLOYMENT', 'PORTS', 'AGE'],
      rows: [['web', 'ready', '2/3', 'v2', '80:8080/tcp', '60s']],
    });
  });

  it('-o wide: services add VIP, images and selector', () => {
    const svc = {
      kind: 'Service',
      meta: { ...meta, name: 'web', namespace: 'default' },
      spec: { replicas: 1, selector: { node: 'n1', labels: { zone: 'a' } }, template: { containers: [{ image: { name: 'nginx:1.27' } }, { image: { name: 'redis:7' } }] } },
      status: { state: 'ready', replicas: { desired: 1, ready: 1 }, network: { ip: '10.99.0.7', ports: [] } },
    } as unknown as Service;
    const t = tableOf({ kind: 'service', items: [svc] }, NOW, true);
    expect(t.head).toEqual(['NAME', 'STATE', 'REPLICAS', 'DEPLOYMENT', 'PORTS', 'AGE', 'VIP', 'IMAGES', 'SELECTOR']);
    expect(t.rows).toEqual([['web', 'ready', '1/1', '-', '-', '60s', '10.99.0.7', 'nginx:1.27,redis:7', 'node=n1,zone=a']]);
    // kinds without extra columns: the table as it is
    const cfg = { kind: 'Config', meta: { ...meta, name: 'c' }, spec: { data: { a: 'b' } } } as unknown as Config;
    expect(tableOf({ kind: 'config', items: [cfg] }, NOW, true)).toEqual(tableOf({ kind: 'config', items: [cfg] }, NOW));
  });

  it('-o wide: pods add ready containers, host IP, images and message', () => {
    const pod = {
      kind: 'Pod',
      meta: { ...meta, name: 'web-1', namespace: 'default', service: 'web', deployment: 'v1', node: 'n1' },
      spec: { template: { containers: [{ image: { name: 'nginx:1.27' } }, { image: { name: 'sidecar:1' } }] } },
      status: { state: 'not-ready', message: 'probe failed', network: { host_ip: '10.0.0.1', pod_ip: '172.17.0.2' }, containers: [{ ready: true, restarts: 0 }, { ready: false, restarts: 1 }] },
    } as unknown as Pod;
    const t = tableOf({ kind: 'pod', items: [pod] }, NOW, true);
    expect(t.head.slice(-4)).toEqual(['READY', 'HOST_IP', 'IMAGES', 'MESSAGE']);
    expect(t.rows[0]).toEqual(['web-1', 'web', 'v1', 'n1', 'not-ready', '172.17.0.2', '1', '60s', '1/2', '10.0.0.1', 'nginx:1.27,sidecar:1', 'probe failed']);
  });

  it('-o name: KIND/NAME, deployments as deployment/SERVICE/vN', () => {
    const svc = (name: string) => ({ meta: { ...meta, name } }) as unknown as Service;
    expect(namesOf({ kind: 'service', items: [svc('web'), svc('api')] })).toEqual(['service/web', 'service/api']);
    const dep = { meta: { ...meta, name: 'v2', service: 'web' } } as unknown as Deployment;
    expect(namesOf({ kind: 'deployment', items: [dep] })).toEqual(['deployment/web/v2']);
  });

  it('pods sum restarts', () => {
    const pod = {
      kind: 'Pod',
      version: 'v1',
      meta: { ...meta, name: 'web-1', namespace: 'default', service: 'web', deployment: 'v1', node: 'n1' },
      spec: {},
      status: {
        state: 'ready',
        running: true,
        message: '',
        network: { host_ip: '', pod_ip: '172.17.0.2' },
        containers: [{ restarts: 2 }, { restarts: 1 }],
      },
    } as unknown as Pod;
    expect(tableOf({ kind: 'pod', items: [pod] }, NOW).rows).toEqual([['web-1', 'web', 'v1', 'n1', 'ready', '172.17.0.2', '3', '60s']]);
  });

  it("namespaces show their security policy, baseline when none is set", () => {
    const ns = (policy?: string) => ({ kind: 'Namespace', meta: { name: 'team', created: new Date(NOW - 60_000).toISOString() }, spec: policy ? { policy } : {}, status: { state: 'ready' } }) as unknown as Namespace;
    expect(tableOf({ kind: 'namespace', items: [ns(), ns('restricted')] }, NOW)).toEqual({
      head: ['NAME', 'STATE', 'POLICY', 'CPU', 'RAM', 'STORAGE', 'PODS', 'SERVICES', 'VOLUMES', 'AGE'],
      rows: [
        ['team', 'ready', 'baseline', '-', '-', '-', '-', '-', '-', '60s'],
        ['team', 'ready', 'restricted', '-', '-', '-', '-', '-', '-', '60s'],
      ],
    });
  });

  it('nodes show allocated/total', () => {
    const node = {
      kind: 'Node',
      version: 'v1',
      meta: { ...meta, name: 'n1' },
      spec: { unschedulable: false },
      status: {
        state: 'ready',
        addresses: ['10.0.0.1'],
        capacity: { cpu: 4000, ram: 8 * 1024 ** 3, pods: 110, storage: 0 },
        allocated: { cpu: 500, ram: 512 * 1024 ** 2, pods: 2 },
      },
    } as unknown as Node;
    expect(tableOf({ kind: 'node', items: [node] }, NOW)).toEqual({
      head: ['NAME', 'ADDRESS', 'STATE', 'PODS', 'CPU', 'RAM', 'AGE'],
      rows: [['n1', '10.0.0.1', 'ready', '2/110', '0.5/4', '512MiB/8GiB', '60s']],
    });
  });
});
