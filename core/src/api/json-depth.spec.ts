import { MAX_JSON_DEPTH, exceedsJsonDepth } from './json-depth';

const b = (s: string) => Buffer.from(s, 'utf8');
const nested = (n: number, open = '[', close = ']') => open.repeat(n) + close.repeat(n);

describe('exceedsJsonDepth', () => {
  it('allows exactly the limit and refuses one level more, arrays and objects alike', () => {
    expect(exceedsJsonDepth(b(nested(64)), 64)).toBe(false);
    expect(exceedsJsonDepth(b(nested(65)), 64)).toBe(true);
    expect(exceedsJsonDepth(b('{"a":'.repeat(64) + '1' + '}'.repeat(64)), 64)).toBe(false);
    expect(exceedsJsonDepth(b('{"a":'.repeat(65) + '1' + '}'.repeat(65)), 64)).toBe(true);
    expect(exceedsJsonDepth(b('[{"a":[{"b":[1]}]}]'), 4)).toBe(true);
    expect(exceedsJsonDepth(b('[{"a":[{"b":[1]}]}]'), 5)).toBe(false);
  });

  it('counts depth, not the number of brackets: wide documents pass', () => {
    expect(exceedsJsonDepth(b('[' + '[],'.repeat(100_000) + '[]]'), 2)).toBe(false);
    expect(exceedsJsonDepth(b('{"a":{},"b":{"c":[]},"d":[[],[]]}'), 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(exceedsJsonDepth(b(JSON.stringify({ a: '[[[[[[[[{{{{{{{' })), 1)).toBe(false);
    expect(exceedsJsonDepth(b(JSON.stringify({ a: 'say \\"[[[[[[\\" and \\\\', b: '"{{{{' })), 1)).toBe(false);
    // After a string that ends in an escaped backslash, brackets count again.
    expect(exceedsJsonDepth(b('["\\\\", [[1]]]'), 2)).toBe(true);
  });

  it('reads UTF-8 text byte by byte without mistaking multi-byte characters', () => {
    expect(exceedsJsonDepth(b(JSON.stringify({ 'ключ': '€[😀', nested: [[['ü']]] })), 4)).toBe(false);
    expect(exceedsJsonDepth(b(JSON.stringify({ 'ключ': '€[😀', nested: [[['ü']]] })), 3)).toBe(true);
  });

  it('refuses 8 MB of "[" at once (JSON.parse would take seconds), and scans 8 MB of flat JSON fast', () => {
    const brackets = Buffer.alloc(8 * 1024 * 1024, '[');
    let t = process.hrtime.bigint();
    expect(exceedsJsonDepth(brackets)).toBe(true);
    const refuse = Number(process.hrtime.bigint() - t) / 1e6;
    const flat = b(JSON.stringify({ lines: Array.from({ length: 80_000 }, (_, i) => ({ i, line: `[${'x'.repeat(80)}]` })) }));
    t = process.hrtime.bigint();
    expect(exceedsJsonDepth(flat)).toBe(false);
    const scan = Number(process.hrtime.bigint() - t) / 1e6;
    // eslint-disable-next-line no-console
    console.log(`depth scan: 8 MiB of "[" refused in ${refuse.toFixed(2)} ms; ${(flat.length / 1e6).toFixed(1)} MB of flat JSON in ${scan.toFixed(1)} ms`);
    expect(MAX_JSON_DEPTH).toBe(64);
  });

  it('leaves malformed text to JSON.parse (unbalanced closers do not hide depth that follows)', () => {
    expect(exceedsJsonDepth(b(']]]]' + nested(3)), 3)).toBe(false);
    expect(exceedsJsonDepth(b(']]]]' + nested(4)), 3)).toBe(true);
    expect(exceedsJsonDepth(b('"unterminated [[[['), 1)).toBe(false);
    expect(exceedsJsonDepth(b(''), 1)).toBe(false);
  });
});
