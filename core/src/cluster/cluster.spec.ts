// Node registration and deletion against a real level store on disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Auth } from '../auth/auth';
import { SecretBox } from '../state/secret-box';
import { Store } from '../store/store';
import { ClusterState } from './cluster';

const report = { capacity: { cpu: 4000, ram: 8 * 1024 ** 3, pods: 110 } };

describe('ClusterState nodes', () => {
  let dir: string;
  let store: Store;
  let cluster: ClusterState;
  let auth: Auth;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-cluster-'));
    store = new Store(dir);
    await store.open();
    cluster = new ClusterState(store, 'test');
    auth = new Auth(store, 'admin-token-for-the-test', SecretBox.withKey(randomBytes(32)));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a heartbeat with the credential of a node deleted meanwhile is refused and does not bring the node back', async () => {
    const t = await auth.createToken({});
    await auth.join(t.id, { name: 'n1', address: '127.0.0.1' });
    await cluster.reportNode('n1', report, { credentialed: true });
    await cluster.deleteNode('n1');
    const refused = cluster.reportNode('n1', report, { credentialed: true });
    await expect(refused).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(refused).rejects.toThrow(/node "n1" was deleted/);
    expect(await cluster.nodes()).toEqual([]);
  });

  it('frees a deleted node\'s subnet for the next node', async () => {
    const a = await cluster.reportNode('a', report);
    const b = await cluster.reportNode('b', report);
    await cluster.deleteNode('a');
    const c = await cluster.reportNode('c', report);
    expect(c.spec.network!.subnet).toBe(a.spec.network!.subnet);
    expect(c.spec.network!.subnet).not.toBe(b.spec.network!.subnet);
  });
});
