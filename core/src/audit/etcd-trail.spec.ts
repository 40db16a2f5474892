// The etcd audit trail against a real etcd: two servers write to one trail without overwriting each
// other, reads come in time order with filters, a follower sees every server's new records once, and
// records carry a lease of max_age.
import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { startLocalEtcd, type LocalEtcd } from '../ha/local-etcd';
import { EtcdTrail } from './etcd-trail';
import type { AuditRecord } from './trail';

const rec = (i: number, server: string, who = 'admin', time = new Date().toISOString()): AuditRecord => ({
  time,
  who,
  from: '127.0.0.1',
  method: 'DELETE',
  route: '/namespace/:ns',
  path: `/namespace/n${i}`,
  namespace: `n${i}`,
  status: 204,
  server,
});

async function all(t: EtcdTrail, f: Parameters<EtcdTrail['records']>[0] = {}): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of t.records(f)) out.push(r);
  return out;
}

describe('EtcdTrail', () => {
  let etcd: LocalEtcd;
  let client: Etcd3;
  beforeAll(async () => {
    etcd = await startLocalEtcd();
    client = new Etcd3({ hosts: etcd.endpoint });
  }, 30_000);
  afterAll(async () => {
    client?.close();
    await etcd?.stop();
  });

  it('keeps every server\'s records (none overwritten), in time order, filtered; follows every server; leased for max_age', async () => {
    const ns = client.namespace(`/audit-${randomBytes(4).toString('hex')}/`).namespace('audit/');
    const a = new EtcdTrail(ns, { maxAge: 3600, server: 'a', flushMs: 10_000 });
    const b = new EtcdTrail(ns, { maxAge: 3600, server: 'b', flushMs: 10_000 });
    const old = new Date(Date.now() - 7200_000).toISOString();
    a.append(rec(0, 'a', 'admin', old));
    await new Promise((r) => setTimeout(r, 5));
    // Same time, same sequence numbers on both servers: the keys still differ.
    for (let i = 1; i <= 4; i++) (i % 2 ? a : b).append(rec(i, i % 2 ? 'a' : 'b', i === 3 ? 'bob' : 'admin'));
    await b.flush();
    // In key order: write time first (within one millisecond, by server).
    const read = (await all(a)).map((r) => r.namespace!);
    expect(read[0]).toBe('n0');
    expect([...read].sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    expect(await all(a)).toHaveLength(5);
    expect((await all(a, { who: 'bob' })).map((r) => r.namespace)).toEqual(['n3']);
    // `since` reads from the key of that time on (the old record's key is older too).
    expect((await all(b, { since: Date.now() - 60_000 })).map((r) => r.namespace).sort()).toEqual(['n1', 'n2', 'n3', 'n4']);

    const ctl = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const r of b.records({ since: Date.now() - 1000 }, { follow: true, signal: ctl.signal })) {
        seen.push(`${r.server}:${r.namespace}`);
        if (seen.length === 6) ctl.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    b.append(rec(5, 'b'));
    await b.flush();
    a.append(rec(6, 'a'));
    await a.close(); // close flushes (and ends followers of a; this one follows b)
    await following;
    expect(seen.slice(4)).toEqual(['b:n5', 'a:n6']);

    const keys = await ns.getAll().keys();
    expect(keys).toHaveLength(7);
    const lease = (await ns.get(keys[0]).exec()).kvs[0].lease;
    expect(Number(lease)).toBeGreaterThan(0);
    const ttl = await client.leaseClient.leaseTimeToLive({ ID: lease });
    expect(Number(ttl.grantedTTL)).toBe(3600 + 360);
    await b.close();
  }, 30_000);
});
