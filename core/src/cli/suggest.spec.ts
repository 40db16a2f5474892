import { didYouMean, editDistance, suggest } from './suggest';

describe('edit distance', () => {
  it.each([
    ['get', 'get', 0],
    ['gte', 'get', 1], // an adjacent swap is one edit
    ['gt', 'get', 1],
    ['gett', 'get', 1],
    ['srvice', 'service', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ])('%s → %s: %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('suggestions', () => {
  const commands = ['get', 'delete', 'inspect', 'logs', 'exec', 'export', 'secret', 'scale'];
  it('offers the nearest candidates, ties in order', () => {
    expect(suggest('gte', commands)).toEqual(['get']);
    expect(suggest('delte', commands)).toEqual(['delete']);
    expect(suggest('exex', commands)).toEqual(['exec']);
    expect(suggest('expor', commands)).toEqual(['export']);
    expect(suggest('exc', commands)).toEqual(['exec']);
    expect(suggest('scret', commands)).toEqual(['secret']);
    expect(suggest('loga', ['logs', 'logo'])).toEqual(['logs', 'logo']);
  });

  it('offers nothing for words that are not near (more than 3 edits, or less than 60% alike)', () => {
    expect(suggest('gadgets', commands)).toEqual([]);
    expect(suggest('zz', commands)).toEqual([]);
    expect(suggest('a', ['abc'])).toEqual([]); // 2 edits of 3 letters
    expect(suggest('a', ['b'])).toEqual([]); // one-letter candidates are never offered
  });

  it('phrases them as one line', () => {
    expect(didYouMean('gte', commands)).toBe(': did you mean "get"?');
    expect(didYouMean('loga', ['logs', 'logo'])).toBe(': did you mean one of "logs", "logo"?');
    expect(didYouMean('gadgets', commands)).toBe('');
  });
});
