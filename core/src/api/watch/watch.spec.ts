import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NAMESPACED } from '../../auth/permissions';
import { keys } from '../../store/keys';
import { Store } from '../../store/store';
import { allRoutes } from '../routes';
import { WatchTickets } from './tickets';
import { watchQuery } from './watch';

describe('watchable routes', () => {
  it('every GET that answers a list can be watched, but the drivers and resource use (not stored objects)', () => {
    const lists = allRoutes().filter((r) => r.method === 'GET' && 'json' in r.answer && r.answer.list);
    expect(lists.filter((r) => !r.watch).map((r) => r.path)).toEqual(['/cluster/driver', '/namespace/:ns/stats', '/cluster/stats']);
  });

  it('a watch of a namespaced read without :ns in its path narrows to the caller\'s namespaces', () => {
    const unscoped = allRoutes().filter((r) => r.watch && NAMESPACED.has(r.permission) && !r.path.includes(':ns') && !r.watch.namespaceOf);
    expect(unscoped.map((r) => r.path)).toEqual([]);
  });
});

describe('watchQuery', () => {
  it('reads watch and revision, and names what is wrong', () => {
    expect(watchQuery('/namespace')).toBeUndefined();
    expect(watchQuery('/namespace?watch=false')).toBeUndefined();
    expect(watchQuery('/namespace?watch=true')).toEqual({});
    expect(watchQuery('/namespace?watch=true&revision=12')).toEqual({ revision: 12 });
    expect(watchQuery('/namespace?watch=true', '7')).toEqual({ revision: 7 });
    expect(() => watchQuery('/namespace?watch=yes')).toThrow(expect.objectContaining({ details: { fields: [{ field: 'watch', reason: 'must be true or false' }] } }));
    expect(() => watchQuery('/namespace?watch=true&revision=-1')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('WatchTickets', () => {
  let dir = '';
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-tickets-'));
    store = new Store(dir);
    await store.open();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const caller = { role: 'viewer' as const, token: 'id1', namespaces: ['a'] };

  it('a ticket works once, within its time, as its caller and for its path', async () => {
    let now = 1000;
    const t = new WatchTickets(store, 60_000, () => now);
    const a = await t.issue(caller, '/namespace/a/service');
    expect(a.ticket).toMatch(/^lbw\.[\w-]{32}$/);
    expect(await t.take(a.ticket)).toEqual({ caller, path: '/namespace/a/service' });
    expect(await t.take(a.ticket)).toBeUndefined();
    const b = await t.issue(caller);
    now += 60_000;
    expect(await t.take(b.ticket)).toBeUndefined();
    expect(await t.take('lbw.guessed')).toBeUndefined();
    // Kept by its hash only.
    expect(JSON.stringify(await store.entries(keys.watchTicket()))).not.toContain(b.ticket);
  });

  it('a ticket one server issued opens a watch on another sharing its store, once across both', async () => {
    const [s1, s2, s3] = [new WatchTickets(store), new WatchTickets(store), new WatchTickets(store)];
    const a = await s1.issue(caller);
    expect(await s2.take(a.ticket)).toEqual({ caller });
    expect(await s3.take(a.ticket)).toBeUndefined();
    expect(await s1.take(a.ticket)).toBeUndefined();
    // Taken at once on two servers: one of them gets it.
    const b = await s1.issue(caller);
    const got = await Promise.all([s2.take(b.ticket), s3.take(b.ticket), s1.take(b.ticket)]);
    expect(got.filter(Boolean)).toHaveLength(1);
  });

  it('expired tickets are swept when one is issued, and at most `max` are kept (those that expire first go)', async () => {
    let now = 1000;
    const t = new WatchTickets(store, 60_000, () => now, 3);
    await t.issue(caller);
    now += 60_000;
    const live = [];
    for (let i = 0; i < 4; i++) {
      live.push(await t.issue(caller));
      now += 1;
    }
    expect(await store.entries(keys.watchTicket())).toHaveLength(3);
    expect(await t.take(live[0].ticket)).toBeUndefined();
    for (const l of live.slice(1)) expect(await t.take(l.ticket)).toEqual({ caller });
  });
});
