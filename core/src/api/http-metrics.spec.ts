// The API's metrics and access log, with a request and an answer as Express hands them over.
import { EventEmitter } from 'node:events';
import type { NextFunction, Response } from 'express';
import { createLogger } from '../kernel/logger';
import { httpRequests } from '../metrics/metrics';
import type { AuthedRequest } from './auth';
import { httpObserver, UNMATCHED } from './http-metrics';

function call(observe: ReturnType<typeof httpObserver>, req: Partial<AuthedRequest>, status: number, sent = true) {
  const res = Object.assign(new EventEmitter(), { req, statusCode: status, headersSent: sent });
  observe(req as AuthedRequest, res as unknown as Response, (() => undefined) as NextFunction);
  res.emit('close');
  res.emit('close'); // counted once, however often it closes
}

describe('API request metrics and access log', () => {
  it('counts by the route template the router matched, else the route table, else "unmatched"; code 0 when no answer went out', () => {
    const lines: string[] = [];
    const observe = httpObserver(createLogger('info', 'lb', (l) => void lines.push(l), 'json').child('access'));
    const count = (method: string, route: string, code: string) => httpRequests.labels(method, route, code).count;
    const before = [count('GET', '/namespace/:ns/service/:svc', '200'), count('DELETE', '/namespace/:ns/service/:svc', '403'), count('GET', UNMATCHED, '404'), count('GET', '/cluster', '0')];

    call(observe, { method: 'GET', route: { path: '/namespace/:ns/service/:svc' }, path: '/namespace/shop/service/web', principal: { role: 'admin' } } as never, 200);
    // refused before routing: matched here from the path; the names in it never become labels
    call(observe, { method: 'DELETE', path: '/namespace/shop/service/web' }, 403);
    call(observe, { method: 'GET', path: '/no/such/thing' }, 404);
    call(observe, { method: 'GET', path: '/cluster' }, 200, false);

    const after = [count('GET', '/namespace/:ns/service/:svc', '200'), count('DELETE', '/namespace/:ns/service/:svc', '403'), count('GET', UNMATCHED, '404'), count('GET', '/cluster', '0')];
    expect(after.map((n, i) => n - before[i])).toEqual([1, 1, 1, 1]);

    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toHaveLength(4);
    expect(entries[0]).toMatchObject({ scope: 'lb:access', msg: 'GET /namespace/:ns/service/:svc 200', method: 'GET', route: '/namespace/:ns/service/:svc', status: 200, who: 'admin' });
    expect(entries[1]).toMatchObject({ route: '/namespace/:ns/service/:svc', status: 403, who: 'anonymous' });
    expect(typeof entries[0].duration_ms).toBe('number');
    expect(lines.join('')).not.toContain('shop');
  });
});
