import { randomBytes } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { startLocalEtcd, type LocalEtcd } from './local-etcd';
import { EtcdLeadership, SoleLeadership, type LeaderDuty } from './leader';

const quiet = { info: () => undefined, warn: () => undefined };

async function until(ok: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A duty that records how many copies run at once. */
function counter() {
  const c = { running: 0, max: 0, starts: 0 };
  const make = (): LeaderDuty => ({
    start: async () => {
      c.starts++;
      c.running++;
      c.max = Math.max(c.max, c.running);
    },
    stop: async () => {
      c.running--;
    },
  });
  return { c, make };
}

describe('SoleLeadership (level)', () => {
  it('leads from the start and stops its duty', async () => {
    const { c, make } = counter();
    const l = new SoleLeadership('one', make);
    await l.start();
    expect(l.isLeader()).toBe(true);
    expect(await l.status()).toMatchObject({ backend: 'level', leader: true, leader_id: 'one' });
    await l.stop();
    expect(c.running).toBe(0);
  });
});

describe('EtcdLeadership', () => {
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

  it('elects one of three; when it stops another takes over; the duty never runs twice at once', async () => {
    const ns = client.namespace(`/lead-${randomBytes(4).toString('hex')}/`);
    const { c, make } = counter();
    const all = ['a', 'b', 'c'].map((id) => new EtcdLeadership(ns, id, 2, make, quiet, 100));
    for (const l of all) await l.start();
    await until(() => all.some((l) => l.isLeader()), 'a leader');
    await new Promise((r) => setTimeout(r, 300));
    expect(all.filter((l) => l.isLeader())).toHaveLength(1);
    const first = all.find((l) => l.isLeader())!;
    for (const l of all) expect((await l.status()).leader_id).toBe(first.id);

    const t0 = Date.now();
    await first.stop();
    const rest = all.filter((l) => l !== first);
    await until(() => rest.some((l) => l.isLeader()), 'a new leader');
    // A clean stop resigns: no need to wait for the lease to run out.
    expect(Date.now() - t0).toBeLessThan(1500);
    for (const l of rest) await l.stop();
    expect(c.max).toBe(1);
    expect(c.running).toBe(0);
    expect(c.starts).toBe(2);
  });

  it('a leader whose lease is gone (as after kill -9, or cut off from etcd) stops its duty; another takes over', async () => {
    const ns = client.namespace(`/lead-${randomBytes(4).toString('hex')}/`);
    const { c, make } = counter();
    const a = new EtcdLeadership(ns, 'a', 2, make, quiet, 100);
    await a.start();
    await until(() => a.isLeader(), 'a leads');
    const b = new EtcdLeadership(ns, 'b', 2, make, quiet, 100);
    await b.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(b.isLeader()).toBe(false);
    // The election key is named by its lease: revoke a's lease behind its back.
    const keys = await ns.getAll().prefix('election/leader/').sort('Create', 'Ascend').keys();
    await client.leaseClient.leaseRevoke({ ID: keys[0].split('/').pop()! });
    await until(() => b.isLeader(), 'b leads', 10_000);
    await until(() => !a.isLeader(), 'a steps down', 10_000);
    // Only b's duty runs now. (Both may have run for the moment it took a to see its key go: safe,
    // since every write is a serialisable txn; after kill -9 there is no such moment.)
    expect(c.running).toBe(1);
    await a.stop();
    await b.stop();
    expect(c.running).toBe(0);
  }, 20_000);
});
