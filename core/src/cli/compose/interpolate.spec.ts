import { interpolateAll, interpolateString } from './interpolate';

const env: Record<string, string> = { SET: 'value', EMPTY: '', PORT: '8080' };
const run = (s: string) => {
  const unset: string[] = [];
  const out = interpolateString(s, { lookup: (n) => env[n], unset: (n) => unset.push(n), where: 'services.web.image' });
  return { out, unset };
};

describe('compose interpolation', () => {
  it('expands $VAR and ${VAR}, keeps $$ as $ and a lone $', () => {
    expect(run('a-$SET-${SET}-$$SET-$-x').out).toBe('a-value-value-$SET-$-x');
    expect(run('${PORT}:80').out).toBe('8080:80');
  });

  it('takes defaults with :- (unset or empty) and - (unset only), nested ones too', () => {
    expect(run('${NOPE:-d}|${EMPTY:-d}|${EMPTY-d}|${NOPE-d}|${SET:-d}').out).toBe('d|d||d|value');
    expect(run('${NOPE:-${SET}-x}').out).toBe('value-x');
    expect(run('${NOPE:-${ALSO:-deep}}').out).toBe('deep');
  });

  it('replaces with :+ and + when set', () => {
    expect(run('${SET:+yes}|${EMPTY:+yes}|${EMPTY+yes}|${NOPE+yes}').out).toBe('yes||yes|');
  });

  it('reports a variable used unset without a default, which becomes ""', () => {
    expect(run('x${NOPE}y')).toEqual({ out: 'xy', unset: ['NOPE'] });
  });

  it('refuses a missing required variable with its message, naming where it is used', () => {
    expect(() => run('${NOPE:?give the password}')).toThrow('services.web.image: required variable NOPE is not set: give the password');
    expect(() => run('${EMPTY:?}')).toThrow('required variable EMPTY is empty');
    expect(run('${EMPTY?must be set}').out).toBe('');
    expect(() => run('${NOPE?must be set}')).toThrow('required variable NOPE is not set: must be set');
  });

  it('refuses an unclosed or malformed reference', () => {
    expect(() => run('${SET')).toThrow('without its closing }');
    expect(() => run('${1BAD}')).toThrow('is not a variable reference');
    expect(() => run('${SET/x/y}')).toThrow('unknown modifier');
  });

  it('interpolates values at every depth, not keys', () => {
    const out = interpolateAll({ services: { $SET: { ports: ['${PORT}:80'], n: 3 } } }, (n) => env[n], () => undefined);
    expect(out).toEqual({ services: { $SET: { ports: ['8080:80'], n: 3 } } });
  });
});
