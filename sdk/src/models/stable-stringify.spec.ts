// stableStringify gives the same text as the plain definition below (sorted keys, undefined left out, an
// array's undefined as nothing), on random values and the awkward ones.
import { stableStringify } from './pod-progress';

/** The definition: what stableStringify must always equal. */
function reference(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${reference(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A small seeded generator (LCG), so a failure replays. */
function random(seed: number) {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (k) {
    case 0: return null;
    case 1: return undefined;
    case 2: return r() < 0.5;
    case 3: return Math.floor(r() * 2000) - 1000 + (r() < 0.3 ? r() : 0);
    case 4: return ['', 'a', 'é"\\\n', '\u2028', 'key'][Math.floor(r() * 5)];
    case 5: return r() < 0.5 ? -0 : NaN;
    case 6: return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 5); i > 0; i--) o[['b', 'a', '10', '2', 'z"q', ''][Math.floor(r() * 6)]] = value(r, depth + 1);
      return o;
    }
  }
}

describe('stableStringify', () => {
  it('equals the definition on 5,000 random values (seed 18)', () => {
    const r = random(18);
    for (let i = 0; i < 5000; i++) {
      const v = value(r, 0);
      expect(stableStringify(v)).toBe(reference(v));
    }
  });

  it('sorts keys, leaves undefined members out, and writes an array hole or undefined as nothing', () => {
    const awkward: unknown[] = [{ b: 1, a: { d: undefined, c: [1, undefined, , 3] } }, [undefined], {}, [], new Date(0), { f: () => 1 }, 'x', 0];
    for (const v of awkward) expect(stableStringify(v)).toBe(reference(v));
    expect(stableStringify({ b: 1, a: { d: undefined, c: [1, undefined, 3] } })).toBe('{"a":{"c":[1,,3]},"b":1}');
  });
});
