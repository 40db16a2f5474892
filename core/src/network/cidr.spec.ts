import { formatCidr, isPrivate, overlaps, parseCidr, subnets } from './cidr';

describe('cidr', () => {
  it('parses and formats', () => {
    expect(formatCidr(parseCidr('10.210.0.0/16')!)).toBe('10.210.0.0/16');
    expect(parseCidr('10.210.0.1/16')).toBeUndefined();
    expect(parseCidr('10.300.0.0/16')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
  });
  it('knows overlaps and private ranges', () => {
    expect(overlaps(parseCidr('10.0.0.0/8')!, parseCidr('10.210.0.0/16')!)).toBe(true);
    expect(overlaps(parseCidr('10.210.0.0/16')!, parseCidr('10.211.0.0/16')!)).toBe(false);
    expect(isPrivate(parseCidr('172.20.0.0/16')!)).toBe(true);
    expect(isPrivate(parseCidr('172.0.0.0/24')!)).toBe(false);
  });
  it('splits into subnets', () => {
    expect([...subnets(parseCidr('10.1.0.0/22')!, 24)].map(formatCidr)).toEqual(['10.1.0.0/24', '10.1.1.0/24', '10.1.2.0/24', '10.1.3.0/24']);
  });
});
