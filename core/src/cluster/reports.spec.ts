// What nodes report, against a real level store on disk: labels stay the admin's, addresses must be IPs,
// log lines only for the node's own pods, and the service table leaves out a stored address that is not an IP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoint, Pod, Service, ShippedLogLine } from '@lastbackend/sdk';
import { keys } from '../store/keys';
import { newMeta } from '../store/meta';
import { Store } from '../store/store';
import { ClusterState } from './cluster';

const report = (extra: Record<string, unknown> = {}) => ({ capacity: { cpu: 4000, ram: 8 * 1024 ** 3, pods: 110 }, addresses: ['192.168.7.2'], ...extra });

function pod(name: string, node: string, service = 'web'): Pod {
  return {
    kind: 'Pod',
    version: 'v1',
    meta: { ...newMeta({ name }), namespace: 'default', service, deployment: 'v1', node },
    spec: { template: { containers: [], volumes: [] } as unknown as Pod['spec']['template'], destroy: false, resources: { cpu: 0, ram: 0 } },
    status: { state: 'ready', running: true, message: '', network: { host_ip: '', pod_ip: '10.210.0.5' }, containers: [] },
  };
}

const line = (pod: string, node: string, service = 'web'): ShippedLogLine => ({
  namespace: 'default',
  service,
  pod,
  container: 'web',
  node,
  stream: 'stdout',
  time: '2030-01-01T00:00:00.000000001Z',
  line: 'hello',
});

describe('ClusterState: what nodes say about themselves', () => {
  let dir: string;
  let store: Store;
  let cluster: ClusterState;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-reports-'));
    store = new Store(dir);
    await store.open();
    cluster = new ClusterState(store, 'test');
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the pod reports of many nodes that arrive together in one commit, each only for its own pods', async () => {
    await store.txn(async (tx) => {
      for (let i = 0; i < 20; i++) tx.put(keys.pod('default', `p${i}`), pod(`p${i}`, `n${i}`));
    });
    const commits = new Set<number>();
    const unwatch = store.watch(keys.pod('default'), (ev) => void commits.add(ev.revision));
    const status = (ip: string) => ({ state: 'error' as const, running: false, message: 'crashed', network: { host_ip: '', pod_ip: ip }, containers: [] });
    // Each node reports its own pod, and (refused silently) the next node's.
    await Promise.all(Array.from({ length: 20 }, (_, i) => cluster.reportPods(`n${i}`, { pods: [{ namespace: 'default', name: `p${i}`, status: status(`10.0.0.${i + 1}`) }, { namespace: 'default', name: `p${(i + 1) % 20}`, status: status('10.9.9.9') }] })));
    unwatch();
    const stored = await store.list<Pod>(keys.pod('default'));
    expect(stored.map((p) => [p.meta.name, p.status.state, p.status.network.pod_ip]).sort()).toEqual(Array.from({ length: 20 }, (_, i) => [`p${i}`, 'error', `10.0.0.${i + 1}`]).sort());
    expect(commits.size).toBeLessThan(20);
  });

  it('takes labels at the first report only; later reports keep the stored ones; an admin changes them', async () => {
    expect((await cluster.reportNode('n1', report({ labels: { pool: 'work' } }))).meta.labels).toEqual({ pool: 'work' });
    // The node tries to relabel itself to draw pods of services that select pool=gpu.
    await cluster.reportNode('n1', report({ labels: { pool: 'gpu' } }));
    expect((await cluster.node('n1')).meta.labels).toEqual({ pool: 'work' });
    expect((await cluster.labelNode('n1', { set: { pool: 'gpu', zone: 'a' } })).meta.labels).toEqual({ pool: 'gpu', zone: 'a' });
    expect((await cluster.labelNode('n1', { remove: ['zone'] })).meta.labels).toEqual({ pool: 'gpu' });
    await cluster.reportNode('n1', report({ labels: {} }));
    expect((await cluster.node('n1')).meta.labels).toEqual({ pool: 'gpu' });
    await expect(cluster.labelNode('nope', { set: { a: 'b' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(cluster.labelNode('n1', { set: { 'bad key': 'x' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuses a node address or pod address that is not an IP, naming the field, and stores nothing', async () => {
    // Both throw before they start a transaction.
    const later = <T>(fn: () => Promise<T>) => Promise.resolve().then(fn);
    await expect(later(() => cluster.reportNode('n1', report({ addresses: ['not-an-ip'] })))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { fields: [{ field: 'addresses.0' }] } });
    await expect(cluster.nodes()).resolves.toEqual([]);
    await cluster.reportNode('n1', report());
    await store.txn(async (tx) => tx.put(keys.pod('default', 'web-1'), pod('web-1', 'n1')));
    const forged = { pods: [{ namespace: 'default', name: 'web-1', status: { state: 'ready', running: true, network: { host_ip: '', pod_ip: 'not-an-ip' } } }] };
    await expect(later(() => cluster.reportPods('n1', forged))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { fields: [{ field: 'pods.0.status.network.pod_ip' }] } });
    expect((await cluster.pod('default', 'web-1')).status.network.pod_ip).toBe('10.210.0.5');
  });

  it('leaves a stored backend or node address that is not an IP out of the service table and the overlay map', async () => {
    const svc = { kind: 'Service', version: 'v1', meta: { ...newMeta({ name: 'web' }), namespace: 'default' }, spec: { network: { ports: ['80:8080/tcp'] } }, status: { state: 'ready', network: { ip: '10.96.0.10', ports: [] } } } as unknown as Service;
    const other = { ...svc, meta: { ...svc.meta, name: 'api' }, status: { ...svc.status, network: { ip: '10.96.0.11', ports: [] } } } as Service;
    const ep = (name: string, upstreams: Endpoint['spec']['upstreams']): Endpoint => ({ kind: 'Endpoint', version: 'v1', meta: { ...newMeta({ name }), namespace: 'default' }, spec: { ports: [], upstreams }, status: {} });
    await cluster.reportNode('n1', report());
    await cluster.reportNode('n2', report({ addresses: ['192.168.7.3'] }));
    await store.txn(async (tx) => {
      tx.put(keys.service('default', 'web'), svc);
      tx.put(keys.service('default', 'api'), other);
      // Data written before reports were checked.
      tx.put(keys.endpoint('default', 'web'), ep('web', [{ pod: 'web-1', ip: 'not-an-ip' }, { pod: 'web-2', ip: '10.210.1.5' }]));
      tx.put(keys.endpoint('default', 'api'), ep('api', [{ pod: 'api-1', ip: '10.210.0.7' }]));
      const n2 = (await tx.get(keys.node('n2')))!;
      tx.put(keys.node('n2'), { ...n2, status: { ...(n2 as unknown as { status: object }).status, addresses: ['not-an-ip'] } } as typeof n2);
    });
    const table = await cluster.serviceTable();
    expect(table.services).toEqual([
      { ip: '10.96.0.11', port: 80, protocol: 'tcp', scheduler: 'rr', backends: [{ ip: '10.210.0.7', port: 8080 }] },
      { ip: '10.96.0.10', port: 80, protocol: 'tcp', scheduler: 'rr', backends: [{ ip: '10.210.1.5', port: 8080 }] },
    ]);
    expect(table.dns.pods.map((p) => p.ip).sort()).toEqual(['10.210.0.7', '10.210.1.5']);
    expect((await cluster.networkMap()).map((n) => n.name)).toEqual(['n1']);
  });

  it('rebuilds and announces the service table only when what it shows changes, not for every service write', async () => {
    const svc = { kind: 'Service', version: 'v1', meta: { ...newMeta({ name: 'web' }), namespace: 'default' }, spec: { replicas: 2, network: { ports: ['80:8080/tcp'] } }, status: { state: 'provisioning', replicas: { desired: 2, ready: 0 }, network: { ip: '10.96.0.10', ports: [] } } } as unknown as Service;
    const ep = (upstreams: Endpoint['spec']['upstreams']): Endpoint => ({ kind: 'Endpoint', version: 'v1', meta: { ...newMeta({ name: 'web' }), namespace: 'default' }, spec: { ports: [], upstreams }, status: {} });
    let changes = 0;
    const off = cluster.onTableChange(() => changes++);
    const put = (key: string, v: Service | Endpoint) => store.txn(async (tx) => tx.put(key, v));
    await put(keys.service('default', 'web'), svc);
    await put(keys.endpoint('default', 'web'), ep([]));
    expect(changes).toBe(2); // a new service and a new endpoint
    const first = await cluster.serviceTable();
    // Its pods getting ready, its replicas, its message: not in the table.
    await put(keys.service('default', 'web'), { ...svc, spec: { ...svc.spec, replicas: 3 }, status: { ...svc.status, state: 'ready', message: 'x', replicas: { desired: 3, ready: 3 } } } as Service);
    await put(keys.endpoint('default', 'web'), { ...ep([]), spec: { ip: '10.96.0.10', ports: ['80:8080/tcp'], upstreams: [] } });
    expect(changes).toBe(2);
    expect(await cluster.serviceTable()).toBe(first);
    // A backend, a port, the address, being deleted: each in the table.
    await put(keys.endpoint('default', 'web'), ep([{ pod: 'web-1', ip: '10.210.0.5' }]));
    await put(keys.service('default', 'web'), { ...svc, spec: { ...svc.spec, network: { ports: ['81:8080/tcp'] } } } as Service);
    await put(keys.service('default', 'web'), { ...svc, status: { ...svc.status, network: { ip: '10.96.0.11', ports: [] } } } as Service);
    await put(keys.service('default', 'web'), { ...svc, status: { ...svc.status, state: 'destroying' } } as Service);
    expect(changes).toBe(6);
    expect((await cluster.serviceTable()).services).toEqual([]);
    off();
    await store.txn(async (tx) => tx.del(keys.service('default', 'web')));
    expect(changes).toBe(6);
  });

  describe('log lines', () => {
    beforeEach(async () => {
      await store.txn(async (tx) => {
        tx.put(keys.pod('default', 'mine'), pod('mine', 'n1'));
        tx.put(keys.pod('default', 'theirs'), pod('theirs', 'n2'));
      });
    });

    it("takes lines of the node's own pods", async () => {
      await expect(cluster.requireLogSources('n1', [line('mine', 'n1'), line('mine', 'n1')])).resolves.toBeUndefined();
    });

    it("refuses lines of another node's pod, of a pod that does not exist, under another service, or naming another node: 403 naming each", async () => {
      const lines = [line('mine', 'n1'), line('theirs', 'n1'), line('ghost', 'n1'), line('mine', 'n1', 'billing'), line('theirs', 'n2')];
      const err = await cluster.requireLogSources('n1', lines).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'FORBIDDEN', status: 403 });
      const fields = (err as { details: { fields: { field: string; reason: string }[] } }).details.fields;
      expect(fields.map((f) => f.field)).toEqual(['lines.1', 'lines.2', 'lines.3.service', 'lines.4.node']);
      expect(fields[0].reason).toBe('pod "theirs" of namespace "default" is not bound to node "n1"');
      expect((err as Error).message).toMatch(/^lines\.1: pod "theirs" .*; lines\.2: .* \(\+1 more\)$/);
    });

    it('still takes the last lines of a pod deleted a moment ago, from its node only', async () => {
      await store.txn(async (tx) => tx.del(keys.pod('default', 'mine')));
      await expect(cluster.requireLogSources('n1', [line('mine', 'n1')])).resolves.toBeUndefined();
      await expect(cluster.requireLogSources('n2', [line('mine', 'n2')])).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(cluster.requireLogSources('n1', [line('mine', 'n1', 'billing')])).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });
  });
});
