import { randomHex } from './random-hex';

describe('randomHex', () => {
  it('gives the asked number of bytes as hex, never the same bytes twice across pool refills', () => {
    const seen = new Set<string>();
    // 3 × 4096 bytes: the pool is drawn again several times, and a draw straddling its end starts a new one.
    for (let i = 0; i < 2500; i++) {
      const h = randomHex(5);
      expect(h).toMatch(/^[0-9a-f]{10}$/);
      seen.add(h);
    }
    expect(seen.size).toBe(2500);
    expect(randomHex(5000)).toMatch(/^[0-9a-f]{10000}$/);
  });
});
