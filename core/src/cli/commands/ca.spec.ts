// What `lb ca rotate` prints while agents renew.
import { progressLine } from './ca';

describe('progressLine', () => {
  const status = (nodes: [string, boolean][]) => ({
    rotating: true,
    ca_hash: 'h',
    current: 'a',
    next: 'b',
    nodes: nodes.map(([name, on_new_ca]) => ({ name, on_new_ca })),
    pending: nodes.filter(([, on]) => !on).map(([n]) => n),
  });

  it('counts the nodes on the new CA and names the ones waited for', () => {
    expect(progressLine(status([['a', true], ['b', false], ['c', false]]))).toBe('1/3 node(s) on the new CA (waiting for: b, c)');
    expect(progressLine(status([['a', true]]))).toBe('1/1 node(s) on the new CA');
    expect(progressLine(status([]))).toBe('0/0 node(s) on the new CA');
  });
});
