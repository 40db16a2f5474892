import { NAMESPACED } from '../../auth/permissions';
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
  it('a ticket works once, within its time, as its caller and for its path', () => {
    let now = 1000;
    const t = new WatchTickets(60_000, () => now);
    const caller = { role: 'viewer' as const, token: 'id1', namespaces: ['a'] };
    const a = t.issue(caller, '/namespace/a/service');
    expect(a.ticket).toMatch(/^lbw\.[\w-]{32}$/);
    expect(t.take(a.ticket)).toEqual({ caller, path: '/namespace/a/service' });
    expect(t.take(a.ticket)).toBeUndefined();
    const b = t.issue(caller);
    now += 60_000;
    expect(t.take(b.ticket)).toBeUndefined();
    expect(t.take('lbw.guessed')).toBeUndefined();
  });
});
