// Writes racing for the last room in a quota: each fits alone, together they do not. On level one server
// runs its transactions one at a time; on etcd two servers (two stores on one prefix) race, and a
// transaction whose view another commit changed is retried, so its quota check sees that commit.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { etcdClient } from '../ha/etcd-client';
import { startLocalEtcd, type LocalEtcd } from '../ha/local-etcd';
import { EtcdStore } from '../store/etcd-store';
import { Store } from '../store/store';
import { Resources } from './resources';
import { SecretBox } from './secret-box';

const svc = (name: string, replicas = 1) => ({
  kind: 'Service',
  meta: { name },
  spec: { replicas, template: { containers: [{ name: 'c', image: { name: 'img' }, resources: { requests: { cpu: '100m', ram: '64mib' } } }] } },
});
const box = SecretBox.withKey(randomBytes(32));

async function race(servers: Resources[]): Promise<{ ok: number; refused: number }> {
  await servers[0].createNamespace({ kind: 'Namespace', meta: { name: 'team' }, spec: { resources: { limits: { services: 3, pods: 100 } } } });
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => servers[i % servers.length].apply('team', { manifests: [svc(`s${i}`)] })));
  const refused = results.filter((r) => r.status === 'rejected' && /services 1 requested \+ 3 used > limit 3/.test(String(r.reason))).length;
  return { ok: results.filter((r) => r.status === 'fulfilled').length, refused };
}

describe('parallel writes cannot together pass a quota', () => {
  it('level: of 10 creates that each fit alone, exactly the 3 the quota holds succeed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-quota-'));
    const store = new Store(dir);
    await store.open();
    try {
      const r = new Resources(store, box);
      expect(await race([r])).toEqual({ ok: 3, refused: 7 });
      expect(await r.listServices('team')).toHaveLength(3);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('etcd', () => {
    let etcd: LocalEtcd | undefined;
    let client: Etcd3 | undefined;
    beforeAll(async () => {
      etcd = await startLocalEtcd();
      client = etcdClient({ endpoints: [etcd.endpoint], prefix: '/', lease_ttl: 5 });
    }, 30_000);
    afterAll(async () => {
      client?.close();
      await etcd?.stop();
    });

    it('two servers on one etcd: of 10 creates split between them, exactly the 3 the quota holds succeed', async () => {
      const prefix = `/lb-quota-${randomBytes(4).toString('hex')}/`;
      const stores = [new Store(new EtcdStore(client!.namespace(prefix))), new Store(new EtcdStore(client!.namespace(prefix)))];
      for (const s of stores) await s.open();
      try {
        const servers = stores.map((s) => new Resources(s, box));
        expect(await race(servers)).toEqual({ ok: 3, refused: 7 });
        const names = (await servers[1].listServices('team')).map((s) => s.meta.name);
        expect(names).toHaveLength(3);
        // scales too: 3 pods used, each scale to 40 fits alone (42 ≤ 100), three together would not (120)
        const scaled = await Promise.allSettled(names.map((n, i) => servers[i % 2].updateService('team', n, { spec: { replicas: 40 } })));
        expect(scaled.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
        expect((await servers[0].getNamespace('team')).status.resources?.used.pods).toBe(81);
      } finally {
        for (const s of stores) await s.close();
      }
    });
  });
});
