import { normalizeHost, renderConfig, routingOrder, validatePath, validateRoutes, type IngressRoute } from './render';

const settings = { http: { host: '127.0.0.1', port: 8080 }, https: { host: '127.0.0.1', port: 8443 }, certDir: '/w/gen-1/certs' };
const be = (port: number) => ({ ip: '10.0.0.1', port });
const route = (name: string, hosts: string[], rules: IngressRoute['rules'], tls?: IngressRoute['tls']): IngressRoute => ({
  namespace: 'demo',
  name,
  hosts,
  rules,
  ...(tls ? { tls } : {}),
});
const PEM = { cert: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----', key: '-----BEGIN PRIVATE KEY-----\ny\n-----END PRIVATE KEY-----' };

function render(routes: IngressRoute[], s = settings) {
  const v = validateRoutes(routes, { https: !!s.https });
  return { ...v, text: renderConfig(v.accepted, s) };
}
const frontend = (text: string, name: string) => {
  const m = new RegExp(`^frontend ${name}\\n([\\s\\S]*?)\\n\\n`, 'm').exec(text);
  return m ? m[1].split('\n').map((l) => l.trim()) : [];
};

describe('render', () => {
  it('renders an empty config: 404 for everything, no https bind without certificates', () => {
    const { text } = render([]);
    expect(text).toContain('bind 127.0.0.1:8080');
    expect(text).not.toContain('frontend https');
    expect(text).toContain('default_backend lb_not_found');
    expect(text).toMatch(/backend lb_not_found\n\s+http-request return status 404/);
    expect(text).toMatch(/timeout connect 5s[\s\S]*timeout client 30s[\s\S]*timeout server 30s/);
  });

  it('orders use_backend lines by path length, longest prefix first, across routes', () => {
    const { text, rejected } = render([
      route('a', ['a.test'], [
        { path: '/', backends: [be(1)] },
        { path: '/api/v1', backends: [be(2)] },
      ]),
      route('b', ['a.test'], [{ path: '/api', backends: [be(3)] }]),
      route('c', ['c.test'], [{ path: '/static/img', backends: [be(4)] }]),
    ]);
    expect(rejected).toEqual([]);
    const uses = frontend(text, 'http').filter((l) => l.startsWith('use_backend'));
    expect(uses).toEqual([
      'use_backend be_demo.c.0 if { var(txn.host) -m str c.test } { path_beg /static/img }',
      'use_backend be_demo.a.1 if { var(txn.host) -m str a.test } { path_beg /api/v1 }',
      'use_backend be_demo.b.0 if { var(txn.host) -m str a.test } { path_beg /api }',
      'use_backend be_demo.a.0 if { var(txn.host) -m str a.test }',
    ]);
    expect(text).toMatch(/backend be_demo.a.1\n\s+balance roundrobin\n\s+server s0 10.0.0.1:2/);
  });

  it('answers 503 from a rule without backends and lists every backend as a server', () => {
    const { text } = render([
      route('x', ['x.test'], [
        { path: '/', backends: [] },
        { path: '/two', backends: [be(1), { ip: '::1', port: 81 }] },
      ]),
    ]);
    expect(text).toMatch(/backend be_demo.x.0\n\s+http-request return status 503/);
    expect(text).toMatch(/backend be_demo.x.1\n\s+balance roundrobin\n\s+server s0 10.0.0.1:1\n\s+server s1 \[::1\]:81/);
  });

  it('redirects tls.redirect routes to https on the http frontend only, and binds https with the cert dir', () => {
    const { text } = render([
      route('s', ['secure.test'], [{ path: '/', backends: [be(1)] }], { ...PEM, redirect: true }),
      route('p', ['plain.test'], [{ path: '/', backends: [be(2)] }], { ...PEM, redirect: false }),
    ]);
    expect(frontend(text, 'http')).toContain('use_backend lb_redirect_https if { var(txn.host) -m str secure.test }');
    expect(frontend(text, 'http')).toContain('use_backend be_demo.p.0 if { var(txn.host) -m str plain.test }');
    expect(frontend(text, 'https')).toContain('use_backend be_demo.s.0 if { var(txn.host) -m str secure.test }');
    expect(frontend(text, 'https')).toContain('bind 127.0.0.1:8443 ssl crt /w/gen-1/certs alpn h2,http/1.1');
    expect(text).toContain('http-request redirect location https://%[var(txn.host)]:8443%[url] code 301');
  });

  it('omits the port in the redirect when https is on 443, and has no redirect backend without redirects', () => {
    const s443 = { ...settings, https: { host: '0.0.0.0', port: 443 } };
    expect(render([route('s', ['s.test'], [{ path: '/', backends: [] }], { ...PEM, redirect: true })], s443).text).toContain(
      'redirect location https://%[var(txn.host)]%[url] code 301',
    );
    expect(render([route('s', ['s.test'], [{ path: '/', backends: [] }], { ...PEM, redirect: false })]).text).not.toContain('lb_redirect_https');
  });

  it('matches on the lowercased Host without port, and on SNI over https when Host is missing', () => {
    const { text } = render([route('s', ['s.test'], [{ path: '/', backends: [] }], { ...PEM, redirect: false })]);
    expect(frontend(text, 'http')).toContain('http-request set-var(txn.host) req.hdr(host),field(1,:),lower');
    expect(frontend(text, 'https')).toContain('http-request set-var(txn.host) ssl_fc_sni,lower if !{ req.hdr(host) -m found }');
  });
});

describe('validation', () => {
  it('normalises hosts (case, whitespace, trailing dot, duplicates)', () => {
    expect(normalizeHost(' A.Test. ')).toEqual({ host: 'a.test' });
    const { accepted } = validateRoutes([route('a', ['A.test', 'a.TEST', 'b.test'], [{ path: '/', backends: [] }])]);
    expect(accepted[0].hosts).toEqual(['a.test', 'b.test']);
  });

  it.each([
    ['', /empty/],
    ['*.a.test', /wildcard/],
    ['a.test:80', /port/],
    ['a..test', /DNS name/],
    ['-a.test', /DNS name/],
    ['a b.test', /DNS name/],
    ['a.test"; x', /DNS name/],
    ['x'.repeat(64) + '.test', /DNS name/],
  ])('rejects host %j', (h, why) => {
    const { accepted, rejected } = validateRoutes([route('a', [h], [{ path: '/', backends: [] }])]);
    expect(accepted).toEqual([]);
    expect(rejected).toEqual([{ route: 'demo/a', reason: expect.stringMatching(why) }]);
  });

  it.each(['api', '/a b', '/a"b', "/a'b", '/a#b', '/a?b', '/a\\b', '/${X}', '/a\nb'])('rejects path %j', (p) => {
    expect(validatePath(p)).toBeDefined();
    expect(validateRoutes([route('a', ['a.test'], [{ path: p, backends: [] }])]).rejected).toHaveLength(1);
  });

  it('accepts ordinary paths', () => {
    for (const p of ['/', '/api', '/api/v1/', '/a-b_c.d~e', '/%7Euser', '/x:y@z']) expect(validatePath(p)).toBeUndefined();
  });

  it('rejects bad backends, empty hosts/rules, duplicate paths, and tls without an https listener', () => {
    const { accepted, rejected } = validateRoutes(
      [
        route('ip', ['a.test'], [{ path: '/', backends: [{ ip: 'nope', port: 80 }] }]),
        route('port', ['a.test'], [{ path: '/', backends: [{ ip: '10.0.0.1', port: 0 }] }]),
        route('nohosts', [], [{ path: '/', backends: [] }]),
        route('norules', ['a.test'], []),
        route('dup', ['a.test'], [
          { path: '/x', backends: [] },
          { path: '/x', backends: [] },
        ]),
        route('tls', ['t.test'], [{ path: '/', backends: [] }], { ...PEM, redirect: true }),
        route('ok', ['ok.test'], [{ path: '/', backends: [] }]),
      ],
      { https: false },
    );
    expect(accepted.map((r) => r.key)).toEqual(['demo/ok']);
    expect(Object.fromEntries(rejected.map((r) => [r.route, r.reason]))).toEqual({
      'demo/ip': expect.stringMatching(/not an IP/),
      'demo/port': expect.stringMatching(/1-65535/),
      'demo/nohosts': expect.stringMatching(/host/),
      'demo/norules': expect.stringMatching(/rule/),
      'demo/dup': expect.stringMatching(/twice/),
      'demo/tls': expect.stringMatching(/https listener/),
    });
  });

  it('rejects the later route (by namespace/name) when a host and path is already routed', () => {
    const { accepted, rejected } = validateRoutes([
      route('b', ['a.test'], [{ path: '/api', backends: [] }]),
      route('a', ['a.test'], [{ path: '/api', backends: [] }]),
      route('c', ['a.test'], [{ path: '/other', backends: [] }]),
    ]);
    expect(accepted.map((r) => r.key)).toEqual(['demo/a', 'demo/c']);
    expect(rejected).toEqual([{ route: 'demo/b', reason: 'host/path already routed by demo/a' }]);
  });

  it('builds a PEM of cert + key for tls routes', () => {
    const { accepted } = validateRoutes([route('s', ['s.test'], [{ path: '/', backends: [] }], { ...PEM, redirect: false })]);
    expect(accepted[0].pemFile).toBe('demo.s.pem');
    expect(accepted[0].pem).toBe(`${PEM.cert}\n${PEM.key}\n`);
    expect(routingOrder(accepted)).toHaveLength(1);
  });
});
