import { NamespaceManifest } from './manifests';
import { parseEgressEntry } from './egress';
import { formatAddr, parseAddr, parseNet, netContains, netWithin } from '../net/addr';

describe('egress entries', () => {
  it('reads URL prefixes, host patterns and CIDRs', () => {
    expect(parseEgressEntry('https://queue.example.com/jobs/')).toMatchObject({ type: 'url', protocol: 'https:', host: 'queue.example.com', port: 443, path: '/jobs/' });
    expect(parseEgressEntry('http://127.0.0.1:8080')).toMatchObject({ type: 'url', host: '127.0.0.1', port: 8080, path: '/', addr: { family: 4 } });
    expect(parseEgressEntry('*.Example.com:8443')).toMatchObject({ type: 'host', host: 'example.com', wildcard: true, port: 8443 });
    expect(parseEgressEntry('queue.example.com')).toMatchObject({ type: 'host', host: 'queue.example.com', wildcard: false });
    expect(parseEgressEntry('[::1]:8080')).toMatchObject({ type: 'host', host: '::1', port: 8080, addr: { family: 6, value: 1n } });
    expect(parseEgressEntry('::1')).toMatchObject({ type: 'host', addr: { family: 6, value: 1n } });
    expect(parseEgressEntry('10.1.0.0/16')).toMatchObject({ type: 'cidr', net: { family: 4, prefix: 16 } });
    expect(parseEgressEntry('fd00:ec2::254/128')).toMatchObject({ type: 'cidr', net: { family: 6, prefix: 128 } });
  });

  it('refuses what is none of them, saying why', () => {
    expect(parseEgressEntry('ftp://x.example.com/')).toMatch(/scheme ftp is not allowed/);
    expect(parseEgressEntry('https://u:p@x.example.com/')).toMatch(/user or password/);
    expect(parseEgressEntry('https://x.example.com/?a=1')).toMatch(/without \? or #/);
    expect(parseEgressEntry('10.1.0.1/16')).toMatch(/bits set past the prefix/);
    expect(parseEgressEntry('*.com')).toMatch(/at least two labels/);
    expect(parseEgressEntry('bad_host')).toMatch(/not a host name/);
    expect(parseEgressEntry('example.com:0')).toMatch(/port "0"/);
    expect(parseEgressEntry('')).toBe('is empty');
  });

  it('a Namespace manifest takes spec.egress, and names a bad entry by its index and text', () => {
    const ok = NamespaceManifest.parse({ kind: 'Namespace', meta: { name: 'q' }, spec: { egress: { allow: ['127.0.0.1/32'] }, policy: 'restricted' } });
    expect(ok.spec).toEqual({ egress: { allow: ['127.0.0.1/32'] }, policy: 'restricted' });
    const bad = NamespaceManifest.safeParse({ kind: 'Namespace', meta: { name: 'q' }, spec: { egress: { allow: ['example.com', 'ftp://x/'] } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues).toEqual([expect.objectContaining({ path: ['spec', 'egress', 'allow', 1], message: expect.stringContaining('"ftp://x/" scheme ftp is not allowed') })]);
    expect(NamespaceManifest.safeParse({ kind: 'Namespace', meta: { name: 'q' }, spec: { egress: { allow: [], deny: [] } } }).success).toBe(false);
  });
});

describe('addresses', () => {
  it('reads IPv4, IPv6 and IPv4-mapped IPv6 (as IPv4)', () => {
    expect(parseAddr('127.0.0.1')).toEqual({ family: 4, value: 0x7f000001n });
    expect(parseAddr('::ffff:127.0.0.1')).toEqual({ family: 4, value: 0x7f000001n });
    expect(parseAddr('::ffff:7f00:1')).toEqual({ family: 4, value: 0x7f000001n });
    expect(parseAddr('[fe80::1]')).toEqual({ family: 6, value: (0xfe80n << 112n) | 1n });
    expect(parseAddr('fe80::1%eth0')).toBeUndefined();
    expect(parseAddr('example.com')).toBeUndefined();
    expect(formatAddr(parseAddr('fd00:ec2:0:0:0:0:0:254')!)).toBe('fd00:ec2::254');
    expect(formatAddr(parseAddr('10.0.0.1')!)).toBe('10.0.0.1');
  });

  it('networks contain addresses and other networks', () => {
    const n = parseNet('10.210.0.0/16')!;
    expect(netContains(n, parseAddr('10.210.3.4')!)).toBe(true);
    expect(netContains(n, parseAddr('10.211.0.1')!)).toBe(false);
    expect(netContains(parseNet('::/0')!, parseAddr('10.0.0.1')!)).toBe(false);
    expect(netWithin(parseNet('10.210.1.0/24')!, n)).toBe(true);
    expect(netWithin(parseNet('10.0.0.0/8')!, n)).toBe(false);
    expect(parseNet('10.0.0.1/8')).toBeUndefined();
    expect(parseNet('::1/129')).toBeUndefined();
  });
});
