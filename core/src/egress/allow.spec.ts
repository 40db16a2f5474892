import { addr as ip, type addr } from '@lastbackend/sdk';
import { judge, namesUrl, parseAllow, targetOf, type Target } from './allow';
import { classify, clusterRanges, HOST_RANGES } from './classify';

const A = (s: string): addr.Addr => ip.parseAddr(s)!;
const T = (u: string): Target => targetOf(new URL(u)) as Target;
const cluster = clusterRanges({ nodes: ['192.168.1.10'], pods: ['10.210.0.0/16'], services: ['10.211.0.0/16'], api: ['192.168.1.2'] });
const ranges = [...HOST_RANGES, ...cluster];
const verdict = (allow: string[], url: string, resolved: string[]) => judge('ns', T(url), parseAllow(allow), resolved.map(A), ranges);

describe('egress: address classification', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.169.254', 'link-local (the metadata range)'],
    ['fd00:ec2::254', 'in the metadata range'],
    ['fe80::1', 'link-local'],
    ['192.168.1.10', "a node's address"],
    ['192.168.1.2', "the API server's address"],
    ['10.210.4.5', 'in the pod network 10.210.0.0/16'],
    ['10.211.0.1', 'in the service network 10.211.0.0/16'],
  ])('%s is %s', (a, what) => {
    expect(classify(A(a), ranges).map((r) => r.what)).toEqual([what]);
  });

  it.each(['93.184.216.34', '10.0.0.1', '192.168.1.11', '2606:4700::1111', 'fd00:ec2::253'])('%s is ordinary', (a) => {
    expect(classify(A(a), ranges)).toEqual([]);
  });
});

describe('egress: matching URLs', () => {
  const e = (s: string) => parseAllow([s])[0]!;
  it('a URL prefix names its scheme, host, port and the paths under it', () => {
    expect(namesUrl(e('https://q.example.com/jobs/'), T('https://q.example.com/jobs/next?x=1'))).toBe(true);
    expect(namesUrl(e('https://q.example.com/jobs/'), T('https://q.example.com:443/jobs/'))).toBe(true);
    expect(namesUrl(e('https://q.example.com/jobs/'), T('https://q.example.com/admin'))).toBe(false);
    expect(namesUrl(e('https://q.example.com/jobs/'), T('https://q.example.com/jobs/../admin'))).toBe(false);
    expect(namesUrl(e('https://q.example.com/jobs/'), T('http://q.example.com/jobs/'))).toBe(false);
    expect(namesUrl(e('https://q.example.com/jobs/'), T('https://q.example.com:8443/jobs/'))).toBe(false);
    expect(namesUrl(e('https://q.example.com'), T('https://q.example.com.evil.net/'))).toBe(false);
  });
  it('a host pattern names any path, any port unless it gives one; *. names subdomains only', () => {
    expect(namesUrl(e('q.example.com'), T('http://Q.example.com:9000/x'))).toBe(true);
    expect(namesUrl(e('q.example.com:9000'), T('http://q.example.com:9001/x'))).toBe(false);
    expect(namesUrl(e('*.example.com'), T('https://a.b.example.com/'))).toBe(true);
    expect(namesUrl(e('*.example.com'), T('https://example.com/'))).toBe(false);
    expect(namesUrl(e('*.example.com'), T('https://badexample.com/'))).toBe(false);
    expect(namesUrl(e('[::1]:80'), T('http://[0:0::1]/'))).toBe(true);
  });
});

describe('egress: judging a call', () => {
  it('an ordinary address is allowed by a name entry or a CIDR containing it', () => {
    expect(verdict(['q.example.com'], 'https://q.example.com/', ['93.184.216.34'])).toEqual({ ok: true });
    expect(verdict(['93.184.216.0/24'], 'https://q.example.com/', ['93.184.216.34'])).toEqual({ ok: true });
    expect(verdict(['other.example.com'], 'https://q.example.com/', ['93.184.216.34'])).toEqual({ ok: false, reason: `q.example.com (93.184.216.34) is not allowed by namespace "ns"'s egress` });
  });

  it('loopback is refused unless the literal IP or a CIDR inside loopback names it', () => {
    expect(verdict(['http://127.0.0.1:8080/'], 'http://127.0.0.1:8080/x', ['127.0.0.1'])).toEqual({ ok: true });
    expect(verdict(['127.0.0.1'], 'http://127.0.0.1:8080/x', ['127.0.0.1'])).toEqual({ ok: true });
    expect(verdict(['127.0.0.1/32'], 'http://localhost:8080/x', ['127.0.0.1'])).toEqual({ ok: true });
    expect(verdict(['localhost'], 'http://localhost:8080/x', ['127.0.0.1'])).toEqual({ ok: false, reason: `localhost (127.0.0.1) is loopback and not allowed by namespace "ns"'s egress` });
    expect(verdict(['0.0.0.0/0'], 'http://127.0.0.1/', ['127.0.0.1'])).toEqual({ ok: false, reason: `127.0.0.1 is loopback and not allowed by namespace "ns"'s egress` });
    expect(verdict(['q.example.com'], 'http://q.example.com/', ['::ffff:127.0.0.2'])).toEqual({ ok: false, reason: `q.example.com (127.0.0.2) is loopback and not allowed by namespace "ns"'s egress` });
    expect(verdict(['127.0.0.2'], 'http://[::ffff:127.0.0.2]/', ['::ffff:127.0.0.2'])).toEqual({ ok: true });
  });

  it('the metadata range and the cluster are refused to a name entry and a wide CIDR', () => {
    expect(verdict(['meta.example.com'], 'http://meta.example.com/', ['169.254.169.254'])).toMatchObject({ reason: expect.stringContaining('(169.254.169.254) is link-local (the metadata range)') });
    expect(verdict(['10.0.0.0/8'], 'http://10.210.3.4/', ['10.210.3.4'])).toMatchObject({ reason: expect.stringContaining('is in the pod network 10.210.0.0/16') });
    expect(verdict(['10.211.0.0/16'], 'http://10.211.0.7/', ['10.211.0.7'])).toEqual({ ok: true });
    expect(verdict(['node.example.com'], 'http://node.example.com/', ['192.168.1.10'])).toMatchObject({ reason: expect.stringContaining("is a node's address") });
  });

  it('every resolved address must pass: one bad address refuses the call', () => {
    expect(verdict(['q.example.com'], 'https://q.example.com/', ['93.184.216.34', '127.0.0.1'])).toMatchObject({ ok: false, reason: expect.stringContaining('(127.0.0.1) is loopback') });
    expect(verdict(['q.example.com'], 'https://q.example.com/', [])).toEqual({ ok: false, reason: 'q.example.com resolved to no address' });
  });
});
