import { isSelf, parseResolvConf, parseUpstream } from './resolv';

describe('resolv', () => {
  it('parses nameserver lines', () => {
    const text = [
      '# generated',
      'search example.com',
      'nameserver 10.0.0.2',
      'nameserver   fe80::1%eth0  # link-local',
      'nameserver bogus',
      'nameserver 10.0.0.2',
      '; nameserver 10.0.0.9',
      'options ndots:5',
    ].join('\n');
    expect(parseResolvConf(text)).toEqual(['10.0.0.2', 'fe80::1']);
  });

  it('parses upstream specs', () => {
    expect(parseUpstream('1.2.3.4')).toEqual({ host: '1.2.3.4', port: 53 });
    expect(parseUpstream('1.2.3.4:5353')).toEqual({ host: '1.2.3.4', port: 5353 });
    expect(parseUpstream('::1')).toEqual({ host: '::1', port: 53 });
    expect(parseUpstream('[::1]:5353')).toEqual({ host: '::1', port: 5353 });
    for (const bad of ['', 'dns.google', '1.2.3.4:0', '1.2.3.4:99999', '[::1]:x']) expect(() => parseUpstream(bad)).toThrow();
  });

  it('recognises its own listen address as a forwarding loop', () => {
    expect(isSelf({ host: '127.0.0.1', port: 53 }, '127.0.0.1', 53)).toBe(true);
    expect(isSelf({ host: '127.0.0.1', port: 53 }, '0.0.0.0', 53)).toBe(true);
    expect(isSelf({ host: '127.0.0.53', port: 53 }, '127.0.0.1', 53)).toBe(false);
    expect(isSelf({ host: '127.0.0.1', port: 53 }, '127.0.0.1', 5353)).toBe(false);
  });
});
