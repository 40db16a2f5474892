import { createLogger } from '../kernel/logger';
import { startApiFixture, type ApiFixture } from '../openapi/api-fixture';
import { splitQueryToken, takeQueryToken } from './query-token';

describe('splitQueryToken', () => {
  it('takes every x-lastbackend-token out, keeps the rest as sent, and gives the first value', () => {
    expect(splitQueryToken('/namespace')).toEqual({ url: '/namespace' });
    expect(splitQueryToken('/namespace?tail=5')).toEqual({ url: '/namespace?tail=5' });
    expect(splitQueryToken('/namespace?x-lastbackend-token=abc')).toEqual({ url: '/namespace', token: 'abc' });
    expect(splitQueryToken('/a?tail=5&x-lastbackend-token=abc&pod=p%2F1')).toEqual({ url: '/a?tail=5&pod=p%2F1', token: 'abc' });
    expect(splitQueryToken('/a?x-lastbackend-token=one&x-lastbackend-token=two&b=1#frag')).toEqual({ url: '/a?b=1#frag', token: 'one' });
    expect(splitQueryToken('/a?x%2Dlastbackend%2Dtoken=t%2Bx&X-LastBackend-Token=other')).toEqual({ url: '/a', token: 't+x' });
    expect(splitQueryToken('/a?x-lastbackend-token')).toEqual({ url: '/a', token: '' });
    expect(splitQueryToken('/a?x-lastbackend-token=%zz')).toEqual({ url: '/a', token: '%zz' });
  });

  it('rewrites url and originalUrl of the request, and leaves a request without one alone', () => {
    const req = { url: '/x?x-lastbackend-token=s3cret&y=1', originalUrl: '/x?x-lastbackend-token=s3cret&y=1' };
    expect(takeQueryToken(req)).toBe('s3cret');
    expect(req).toEqual({ url: '/x?y=1', originalUrl: '/x?y=1' });
    expect(takeQueryToken(req)).toBeUndefined();
    expect(req.url).toBe('/x?y=1');
  });
});

describe('the API with ?x-lastbackend-token=', () => {
  let api: ApiFixture;
  const lines: string[] = [];
  beforeAll(async () => {
    api = await startApiFixture('test', createLogger('debug', 'lb', (l) => void lines.push(l)));
  });
  afterAll(() => api.close());

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(api.url + path, { headers });
    return { status: res.status, text: await res.text() };
  };

  it('accepts the token in the query instead of the header', async () => {
    expect(await get(`/namespace?x-lastbackend-token=${api.adminToken}`)).toMatchObject({ status: 200 });
    expect(await get(`/namespace?x-lastbackend-token=wrong`)).toMatchObject({ status: 401 });
    expect(await get('/namespace?x-lastbackend-token=')).toMatchObject({ status: 401 });
  });

  it('lets the query win over the header, as the original does', async () => {
    expect(await get('/namespace?x-lastbackend-token=wrong', { authorization: `Bearer ${api.adminToken}` })).toMatchObject({ status: 401 });
    expect(await get(`/namespace?x-lastbackend-token=${api.adminToken}`, { authorization: 'Bearer wrong' })).toMatchObject({ status: 200 });
  });

  it("keeps the route's other query parameters, and no answer or log line holds the token", async () => {
    const bad = await get(`/namespace/none/service/web/logs?tail=many&x-lastbackend-token=${api.adminToken}`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ reason: 'INVALID_ARGUMENT', message: expect.stringContaining('tail') });
    const missing = await get(`/no/such/route?x-lastbackend-token=${api.adminToken}`);
    expect(missing.status).toBe(404);
    for (const r of [bad, missing]) expect(r.text).not.toContain(api.adminToken);
    expect(lines.join('')).not.toContain(api.adminToken);
  });
});
