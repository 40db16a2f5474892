// The auth middleware finds a request's route (and so its permission) with this matcher: it must find
// the route the router would, for every spelling the router accepts, and never two.
import { routeMatcher } from './route-match';
import { allRoutes } from './routes';

const match = routeMatcher(allRoutes());

describe('routeMatcher', () => {
  it('finds each route from a concrete path, and only that route', () => {
    for (const r of allRoutes()) {
      const path = r.path.replace(/:(\w+)/g, (_, n: string) => `x-${n}`);
      const m = match(r.method, path);
      expect(`${m?.def.method} ${m?.def.path}`).toBe(`${r.method} ${r.path}`);
      const others = allRoutes().filter((o) => o !== r && o.method === r.method && routeMatcher([o])(r.method, path));
      expect(others.map((o) => o.path)).toEqual([]);
    }
  });

  it('matches as the router does: any case, a trailing slash, HEAD as GET; parameters decoded', () => {
    expect(match('GET', '/NameSpace/a%2Db/Service/')).toMatchObject({ def: { path: '/namespace/:ns/service' }, params: { ns: 'a-b' } });
    expect(match('HEAD', '/namespace/b/secret/x')).toMatchObject({ def: { method: 'GET', path: '/namespace/:ns/secret/:name' }, params: { ns: 'b', name: 'x' } });
    expect(match('GET', '/namespace/a%2Fb')).toMatchObject({ params: { ns: 'a/b' } });
  });

  it('matches nothing for an unknown path, method or bad percent-encoding', () => {
    expect(match('GET', '/namespace/a/nothing')).toBeUndefined();
    expect(match('PATCH', '/namespace/a')).toBeUndefined();
    expect(match('OPTIONS', '/namespace')).toBeUndefined();
    expect(match('GET', '/namespace/%E0%A4%A')).toBeUndefined();
    expect(match('GET', '/namespace//service')).toBeUndefined();
  });
});
