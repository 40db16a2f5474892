import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '@lastbackend/sdk';
import { keys } from '../store/keys';
import { Store } from '../store/store';
import { Resources } from './resources';
import { SecretBox } from './secret-box';
import { randomBytes } from 'node:crypto';

const svc = (name: string, ports: string[] = ['80:8080/tcp']) => ({
  kind: 'Service',
  meta: { name },
  spec: { replicas: 1, network: { ports }, template: { containers: [{ name: 'c', image: { name: 'img' } }] } },
});

describe('service VIPs', () => {
  let dir: string;
  let store: Store;
  let r: Resources;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-res-'));
    store = new Store(dir);
    await store.open();
    r = new Resources(store, SecretBox.withKey(randomBytes(32)), '10.96.0.0/29');
    await r.createNamespace({ kind: 'Namespace', meta: { name: 'ns' } });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives each service with ports a stable VIP, none without ports, and reuses a freed one', async () => {
    expect((await r.createService('ns', svc('a'))).status.network.ip).toBe('10.96.0.2');
    expect((await r.createService('ns', svc('b'))).status.network.ip).toBe('10.96.0.3');
    expect((await r.createService('ns', svc('c', []))).status.network.ip).toBeUndefined();
    // stable across updates
    expect((await r.updateService('ns', 'a', { spec: { replicas: 3 } })).status.network.ip).toBe('10.96.0.2');
    // freed with its object (the controller deletes it once its pods are gone)
    await store.txn(async (tx) => tx.del(keys.service('ns', 'a')));
    expect((await r.createService('ns', svc('d'))).status.network.ip).toBe('10.96.0.2');
    // ports removed → VIP released
    expect((await r.updateService('ns', 'b', { spec: { network: { ports: [] } } })).status.network.ip).toBeUndefined();
  });

  it('never writes status.replicas (the controller does) but answers with it', async () => {
    expect((await r.createService('ns', svc('a'))).status.replicas).toEqual({ desired: 1, ready: 0 });
    expect((await store.get<Service>(keys.service('ns', 'a')))!.status.replicas).toBeUndefined();
    // What the controller counted stays; desired follows the spec at once.
    await store.txn(async (tx) => {
      const s = (await tx.get<Service>(keys.service('ns', 'a')))!;
      const counted: Service = { ...s, status: { ...s.status, replicas: { desired: 1, ready: 1 } } };
      tx.put(keys.service('ns', 'a'), counted);
    });
    expect((await r.updateService('ns', 'a', { spec: { replicas: 3 } })).status.replicas).toEqual({ desired: 3, ready: 1 });
    expect((await store.get<Service>(keys.service('ns', 'a')))!.status.replicas).toEqual({ desired: 1, ready: 1 });
    expect((await r.getService('ns', 'a')).status.replicas).toEqual({ desired: 3, ready: 1 });
    expect((await r.listServices('ns'))[0].status.replicas).toEqual({ desired: 3, ready: 1 });
  });

  it('refuses a service when the service CIDR is exhausted, storing nothing', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) await r.createService('ns', svc(n)); // .2 - .6 of a /29
    await expect(r.createService('ns', svc('f'))).rejects.toThrow(/no free address left in service_cidr 10\.96\.0\.0\/29/);
    expect(await store.get<Service>(keys.service('ns', 'f'))).toBeUndefined();
  });
});

describe('secrets at rest', () => {
  it('stores secret values sealed, shows them masked, reveals them only through reveal()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-sec-'));
    const store = new Store(dir);
    await store.open();
    try {
      const r = new Resources(store, SecretBox.withKey(randomBytes(32)));
      await r.createNamespace({ kind: 'Namespace', meta: { name: 'ns' } });
      const shown = await r.createObject('secret', 'ns', { kind: 'Secret', meta: { name: 'db' }, spec: { data: { password: 'hunter2' } } });
      expect((shown.spec as { data: Record<string, string> }).data).toEqual({ password: '******' });
      const raw = JSON.stringify(await store.get(keys.object('secret', 'ns', 'db')));
      expect(raw).not.toContain('hunter2');
      expect(raw).toContain('enc:v2:');
      expect(await r.reveal('secret', 'ns', 'db')).toEqual({ password: 'hunter2' });
      // applying the same values again changes nothing
      const again = await r.apply('ns', { manifests: [{ kind: 'Secret', meta: { name: 'db' }, spec: { data: { password: 'hunter2' } } }] });
      expect(again[0].action).toBe('unchanged');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('namespace policy on every write of a template', () => {
  let dir: string;
  let store: Store;
  let r: Resources;
  const withCap = (name: string, cap: string) => {
    const m = svc(name, []);
    return { ...m, spec: { ...m.spec, template: { containers: [{ name: 'c', image: { name: 'img' }, security: { capabilities: { add: [cap] } } }] } } };
  };
  const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`);
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-res-'));
    store = new Store(dir);
    await store.open();
    r = new Resources(store, SecretBox.withKey(randomBytes(32)));
    await r.createNamespace({ kind: 'Namespace', meta: { name: 'ns' } });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('create, update and the original deployment write are refused alike, storing nothing', async () => {
    expect(await code(r.createService('ns', withCap('a', 'SYS_ADMIN')))).toMatch(/^FORBIDDEN: namespace "ns" has policy "baseline", which does not allow spec\.template\.containers\.0\.security\.capabilities\.add\.0/);
    expect(await store.get(keys.service('ns', 'a'))).toBeUndefined();
    await r.createService('ns', withCap('a', 'NET_BIND_SERVICE'));
    const before = await store.get(keys.service('ns', 'a'));
    expect(await code(r.updateService('ns', 'a', { spec: { template: withCap('a', 'NET_ADMIN').spec.template } }))).toMatch(/^FORBIDDEN: .*"baseline"/);
    expect(await code(r.createDeployment('ns', 'a', { spec: { template: withCap('a', 'NET_ADMIN').spec.template } }))).toMatch(/^FORBIDDEN: .*"baseline"/);
    expect(await store.get(keys.service('ns', 'a'))).toEqual(before);
  });

  it('an apply that makes a namespace privileged takes its services; tightening it while they ask for more is refused, naming them', async () => {
    const ns = { kind: 'Namespace', meta: { name: 'ops' }, spec: { policy: 'privileged' } };
    expect(await r.apply('ops', { manifests: [ns, withCap('vpn', 'NET_ADMIN')] })).toEqual([
      { kind: 'Namespace', name: 'ops', action: 'created' },
      { kind: 'Service', namespace: 'ops', name: 'vpn', action: 'created' },
    ]);
    expect(await code(r.updateNamespace('ops', { ...ns, spec: { policy: 'baseline' } }))).toMatch(/^FAILED_PRECONDITION: namespace "ops" cannot take policy "baseline": service "vpn" asks for more/);
    expect((await r.getNamespace('ops')).spec.policy).toBe('privileged');
    await r.deleteService('ops', 'vpn');
    expect((await r.updateNamespace('ops', { ...ns, spec: { policy: 'restricted' } })).spec.policy).toBe('restricted');
    // An update without a policy (the original's clients send none) keeps it; an apply without one means baseline.
    expect((await r.updateNamespace('ops', { kind: 'Namespace', meta: { name: 'ops', description: 'x' }, spec: { resources: { limits: { ram: '1gib' } } } })).spec.policy).toBe('restricted');
    await r.apply('ops', { manifests: [{ kind: 'Namespace', meta: { name: 'ops' } }] });
    expect((await r.getNamespace('ops')).spec.policy).toBeUndefined();
  });
});
