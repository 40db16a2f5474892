import { duplicateJsonKey } from './duplicate-json-key';

describe('duplicateJsonKey', () => {
  it('finds a key given twice in one object, at any depth, by its path', () => {
    expect(duplicateJsonKey('{"a": 1, "a": 2}')).toBe('a');
    expect(duplicateJsonKey('{"drivers": {"cri": {"package": "x"}, "cri": {}}}')).toBe('drivers.cri');
    expect(duplicateJsonKey('{"list": [{"b": 1}, {"c": 1, "c": 2}]}')).toBe('list[1].c');
    expect(duplicateJsonKey('[[1, 2], {"x": {"y": 1, "y": 1}}]')).toBe('[1].x.y');
  });

  it('compares keys as JSON reads them: escapes undone, quotes and braces inside strings are text', () => {
    expect(duplicateJsonKey('{"a": 1, "\\u0061": 2}')).toBe('a');
    expect(duplicateJsonKey('{"a\\"b": "}{,:[", "a\\"b": 0}')).toBe('a"b');
    expect(duplicateJsonKey('{"k": "\\\\", "l": "a:b,c", "m": ["{", "}"]}')).toBeUndefined();
  });

  it('lets the same key appear in different objects', () => {
    expect(duplicateJsonKey('{"a": {"name": 1}, "b": {"name": 2}, "c": [{"name": 3}, {"name": 4}]}')).toBeUndefined();
    expect(duplicateJsonKey('1')).toBeUndefined();
    expect(duplicateJsonKey('"x"')).toBeUndefined();
  });
});
