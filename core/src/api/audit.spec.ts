import { appliedObjects } from './audit';
import { routeMatcher } from './route-match';
import { audited, auditRule } from './route';
import { allRoutes, ROUTES, OBJECT_ROUTES } from './routes';

describe('audit recorder', () => {
  const match = routeMatcher(allRoutes());

  it('finds the route template and its parameters of a path, as Express routes it', () => {
    expect(match('POST', '/namespace/dev/apply')).toMatchObject({ def: ROUTES.apply, params: { ns: 'dev' } });
    expect(match('PUT', '/namespace/dev/service/web')).toMatchObject({ def: ROUTES.updateService, params: { ns: 'dev', svc: 'web' } });
    expect(match('GET', '/namespace/dev/secret/db%20x')).toMatchObject({ def: OBJECT_ROUTES.secret.get, params: { ns: 'dev', name: 'db x' } });
    expect(match('PUT', '/cluster/driver')?.def).toBe(ROUTES.swapDrivers);
    expect(match('PUT', '/cluster/driver/cri')?.def).toBe(ROUTES.swapDriver);
    expect(match('DELETE', '/cluster/token/abc')).toMatchObject({ def: ROUTES.revokeToken, params: { id: 'abc' } });
    expect(match('POST', '/no/such/route')).toBeUndefined();
    // As Express routes them: any case, a trailing slash.
    expect(match('DELETE', '/Namespace/dev/SERVICE/web/')).toMatchObject({ def: ROUTES.deleteService, params: { ns: 'dev', svc: 'web' } });
  });

  it("records every change, the sensitive reads and refused reads, but never an agent's routine traffic", () => {
    const routine = [ROUTES.reportNode, ROUTES.reportPods, ROUTES.shipLogs, ROUTES.reportEvents, ROUTES.nodeStream, ROUTES.agentKey] as const;
    for (const r of allRoutes()) {
      const rule = (routine as readonly object[]).includes(r) ? 'none' : r.method !== 'GET' ? 'all' : undefined;
      if (rule) expect({ route: `${r.method} ${r.path}`, rule: auditRule(r) }).toEqual({ route: `${r.method} ${r.path}`, rule });
    }
    const reads = allRoutes().filter((d) => d.method === 'GET' && auditRule(d) === 'all').map((d) => d.path).sort();
    expect(reads).toEqual([
      '/cluster/node/:node/ref/:kind/:ns/:name',
      '/cluster/snapshot',
      '/namespace/:ns/job/:job/logs',
      '/namespace/:ns/job/:job/task/:task/logs',
      '/namespace/:ns/secret',
      '/namespace/:ns/secret/:name',
      '/namespace/:ns/service/:svc/logs',
      '/namespace/:ns/task/:task/logs',
    ]);
    for (const r of [ROUTES.exec, ROUTES.join, ROUTES.createToken, ROUTES.revokeToken, ROUTES.deleteNode, ROUTES.swapDriver, ROUTES.updateNamespace]) expect(audited(r, 200)).toBe(true);
    expect([200, 404, 401, 403].map((s) => audited(ROUTES.namespaces, s))).toEqual([false, false, true, true]);
    expect([401, 403].map((s) => audited(ROUTES.reportNode, s))).toEqual([false, false]);
  });

  it("names an apply's manifests by kind and name only, in either form, and bounded", () => {
    expect(appliedObjects({ manifests: [{ kind: 'Service', meta: { name: 'web' }, spec: { secret: 'x' } }, { kind: 'Secret', meta: { name: 'db' }, spec: { data: { p: 'hunter2' } } }] })).toEqual(['service/web', 'secret/db']);
    expect(appliedObjects({ services: { web: {} }, secrets: { db: { data: { p: 'hunter2' } } } })).toEqual(['service/web', 'secret/db']);
    expect(appliedObjects({ manifests: [{ kind: 7 }] })).toEqual(['?/?']);
    expect(appliedObjects('nope')).toBeUndefined();
    expect(appliedObjects({ manifests: Array.from({ length: 150 }, (_, i) => ({ kind: 'Config', meta: { name: `c${i}` } })) })).toHaveLength(101);
  });
});
