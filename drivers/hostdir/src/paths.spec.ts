import { LbError } from '@lastbackend/sdk';
import { checkFiles, checkRef, filesDir, isInside, parseRefKey, refErrors, subPathSegments, volumeDir } from './paths';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof LbError ? e.code : 'not an LbError';
  }
};

describe('refErrors / checkRef', () => {
  it.each(['a', 'default', 'my-app-2', '0', 'a'.repeat(63)])('accepts the DNS label %p', (label) => {
    expect(refErrors({ namespace: label, name: label })).toEqual([]);
    expect(checkRef({ namespace: label, name: label, extra: 1 } as never)).toEqual({ namespace: label, name: label });
  });

  it.each(['', '.', '..', 'a/b', '/abs', 'UPPER', 'dots.in', '-lead', 'trail-', 'a_b', 'a b', 'a\0b', 'a'.repeat(64), 'é'])('refuses %j', (label) => {
    const errs = refErrors({ namespace: 'ok', name: label });
    expect(errs).toHaveLength(1);
    expect(errs[0].field).toBe('name');
    expect(refErrors({ namespace: label, name: 'ok' })[0].field).toBe('namespace');
    expect(code(() => checkRef({ namespace: label, name: 'ok' }))).toBe('INVALID_ARGUMENT');
  });

  it('names every bad field and the reason', () => {
    try {
      checkRef({ namespace: '..', name: 'a/b' });
      throw new Error('not thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(LbError);
      const err = e as LbError;
      expect(err.details.fields?.map((f) => f.field)).toEqual(['namespace', 'name']);
      expect(err.message).toMatch(/namespace: must be a DNS label/);
    }
    expect(refErrors({ namespace: 1, name: '' })).toEqual([
      { field: 'namespace', reason: 'must be a string' },
      { field: 'name', reason: 'must not be empty' },
    ]);
    expect(refErrors(null)[0].field).toBe('');
  });

  it('parseRefKey round-trips valid keys only', () => {
    expect(parseRefKey('ns/name')).toEqual({ namespace: 'ns', name: 'name' });
    for (const bad of ['ns', 'ns/a/b', '../x', 'NS/x', 'ns/']) expect(parseRefKey(bad)).toBeUndefined();
  });
});

describe('subPathSegments', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['.', []],
    ['./', []],
    ['a', ['a']],
    ['a/b', ['a', 'b']],
    ['./a//b/', ['a', 'b']],
    ['a/./b', ['a', 'b']],
    ['..a/b..', ['..a', 'b..']],
    ['.hidden', ['.hidden']],
  ])('normalises %p', (input, want) => {
    expect(subPathSegments(input)).toEqual(want);
  });

  it.each(['..', '../x', 'a/../../x', 'a/..', 'a/../b', '/etc', '/', 'a\0b', 'x'.repeat(5000), `a/${'x'.repeat(256)}`])('refuses %j', (input) => {
    expect(code(() => subPathSegments(input))).toBe('INVALID_ARGUMENT');
  });

  it('refuses non-strings', () => {
    expect(code(() => subPathSegments(3))).toBe('INVALID_ARGUMENT');
  });

  it('names the field', () => {
    try {
      subPathSegments('../x');
    } catch (e) {
      expect((e as LbError).details.fields).toEqual([{ field: 'subPath', reason: 'must not contain ".." segments' }]);
    }
  });
});

describe('isInside', () => {
  it.each([
    ['/r/v', '/r/v', true],
    ['/r/v', '/r/v/a', true],
    ['/r/v', '/r/v/a/b', true],
    ['/r/v', '/r/v/..a', true],
    ['/r/v', '/r/v2', false],
    ['/r/v', '/r', false],
    ['/r/v', '/r/x', false],
    ['/r/v', '/etc', false],
    ['/r/v', 'r/v/a', false],
    ['/', '/anything', true],
  ])('isInside(%p, %p) is %p', (parent, child, want) => {
    expect(isInside(parent, child)).toBe(want);
  });
});

describe('checkFiles', () => {
  it('accepts plain file names', () => {
    const files = { 'a.txt': 'x', '.env': '', 'A_b-1.conf': 'y', '..x': 'z' };
    expect(checkFiles(files)).toBe(files);
    expect(checkFiles({})).toEqual({});
  });

  it.each(['.', '..', '', 'a/b', '../x', '/etc/passwd', 'a b', 'a\0', 'ü', 'x'.repeat(256)])('refuses the key %j', (key) => {
    expect(code(() => checkFiles({ ok: 'x', [key]: 'y' }))).toBe('INVALID_ARGUMENT');
  });

  it('refuses non-string contents and non-objects', () => {
    expect(code(() => checkFiles({ a: 1 }))).toBe('INVALID_ARGUMENT');
    expect(code(() => checkFiles(null))).toBe('INVALID_ARGUMENT');
    expect(code(() => checkFiles(['a']))).toBe('INVALID_ARGUMENT');
  });
});

describe('directories', () => {
  it('places volumes and files under the root', () => {
    expect(volumeDir('/r', { namespace: 'ns', name: 'v' })).toBe('/r/ns/v');
    expect(filesDir('/r', { namespace: 'ns', name: 'v' })).toBe('/r/.files/ns/v');
  });
});
