import { contextNameFor, parseCaHash } from './login';

describe('lb login helpers', () => {
  it('takes a CA hash as sha256:HEX or HEX, and nothing else', () => {
    const hex = 'ab'.repeat(32);
    expect(parseCaHash(`sha256:${hex}`)).toBe(hex);
    expect(parseCaHash(`SHA256:${hex.toUpperCase()}`)).toBe(hex);
    expect(parseCaHash(hex)).toBe(hex);
    for (const bad of ['sha256:abc', `md5:${hex}`, `${hex}00`, '']) expect(() => parseCaHash(bad)).toThrow(/ca-hash: .* must be sha256:<64 hex digits>/);
  });

  it("names a context after the server's host by default", () => {
    expect(contextNameFor('https://lb.example.com:2967')).toBe('lb.example.com');
    expect(contextNameFor('https://10.0.0.5:2967/')).toBe('10.0.0.5');
    expect(contextNameFor('https://[::1]:2967')).toBe('ip6--1');
  });
});
