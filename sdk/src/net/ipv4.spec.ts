import { LbError } from '../errors';
import { broadcast, contains, formatCidr, formatIp, gateway, ipBytes, ipFromBytes, isPrivate, nth, overlaps, parseCidr, parseIp, size, subnets, tryParseCidr } from './ipv4';

describe('ipv4', () => {
  it('parses and formats IPv4 addresses', () => {
    expect(parseIp('10.210.3.7')).toBe(0x0ad20307);
    expect(parseIp('255.255.255.255')).toBe(0xffffffff);
    expect(formatIp(0xffffffff)).toBe('255.255.255.255');
    expect(formatIp(parseIp('0.0.0.0'))).toBe('0.0.0.0');
    expect(ipFromBytes(ipBytes('192.168.1.20'))).toBe('192.168.1.20');
  });

  it.each(['10.0.0', '10.0.0.256', '10.0.0.01', 'a.b.c.d', '', '10.0.0.1.2', '-1.0.0.0'])('rejects address %j', (ip) => {
    expect(() => parseIp(ip)).toThrow(LbError);
  });

  it('parses subnets and computes their landmarks', () => {
    const c = parseCidr('10.210.3.0/24');
    expect(formatCidr(c)).toBe('10.210.3.0/24');
    expect(size(c)).toBe(256);
    expect(formatIp(gateway(c))).toBe('10.210.3.1');
    expect(formatIp(broadcast(c))).toBe('10.210.3.255');
    expect(formatIp(nth(c, 2))).toBe('10.210.3.2');
    expect(() => nth(c, 256)).toThrow(LbError);
    expect(contains(c, '10.210.3.200')).toBe(true);
    expect(contains(c, '10.210.4.0')).toBe(false);
    expect(formatIp(broadcast(parseCidr('10.0.0.0/8')))).toBe('10.255.255.255');
    expect(size(parseCidr('0.0.0.0/0'))).toBe(2 ** 32);
    expect(contains(parseCidr('0.0.0.0/0'), '1.2.3.4')).toBe(true);
  });

  it.each(['10.210.3.1/24', '10.210.3.0', '10.210.3.0/33', '10.210.3.0/x'])('rejects subnet %j', (c) => {
    expect(() => parseCidr(c)).toThrow(LbError);
  });


  it('knows overlaps, private ranges and subnets', () => {
    expect(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.210.0.0/16'))).toBe(true);
    expect(overlaps(parseCidr('10.210.0.0/16'), parseCidr('10.211.0.0/16'))).toBe(false);
    expect(isPrivate(parseCidr('172.20.0.0/16'))).toBe(true);
    expect(isPrivate(parseCidr('172.0.0.0/24'))).toBe(false);
    expect([...subnets(parseCidr('10.1.0.0/22'), 24)].map(formatCidr)).toEqual(['10.1.0.0/24', '10.1.1.0/24', '10.1.2.0/24', '10.1.3.0/24']);
    expect(tryParseCidr('10.1.0.1/16')).toBeUndefined();
  });
});
