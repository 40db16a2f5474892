import { normalizePort, parseEnvPair, parseRevision, parseSince, parseWholeNumber, splitCommand } from './args';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const NOW_S = NOW / 1000;

describe('--since', () => {
  it.each([
    ['30s', NOW_S - 30],
    ['10m', NOW_S - 600],
    ['1h', NOW_S - 3600],
    ['2d', NOW_S - 2 * 86400],
    ['1h30m', NOW_S - 5400],
    ['10M', NOW_S - 600],
    ['45', NOW_S - 45],
  ])('%s ago', (v, expected) => expect(parseSince(v, NOW)).toBe(expected));

  it('takes ISO times', () => {
    expect(parseSince('2024-05-01T11:00:00Z', NOW)).toBe(NOW_S - 3600);
    expect(parseSince('2024-05-01T11:00:00.900Z', NOW)).toBe(NOW_S - 3600);
    expect(parseSince('2024-05-01', NOW)).toBe(Date.parse('2024-05-01') / 1000);
  });

  it('takes unix seconds', () => expect(parseSince('1714560000', NOW)).toBe(1714560000));

  it.each(['', 'yesterday', '10x', '-5m', '2024-13-45T99:00:00Z', 'm10'])('rejects %j', (v) =>
    expect(() => parseSince(v, NOW)).toThrow(/^since: /),
  );
});

describe('whole numbers', () => {
  it('accepts 0 and up', () => {
    expect(parseWholeNumber('0', 'replicas')).toBe(0);
    expect(parseWholeNumber('12', 'replicas')).toBe(12);
  });
  it.each(['-1', '1.5', 'abc', '', '1e3', ' '])('rejects %j', (v) =>
    expect(() => parseWholeNumber(v, 'replicas')).toThrow('replicas: must be a whole number ≥ 0'),
  );
});

describe('--to', () => {
  it('takes vN or N', () => {
    expect(parseRevision('v3')).toBe(3);
    expect(parseRevision('3')).toBe(3);
    expect(parseRevision('V12')).toBe(12);
  });
  it.each(['v0', '0', 'x', 'v', 'v1.5', ''])('rejects %j', (v) => expect(() => parseRevision(v)).toThrow(/^to: /));
});

describe('--port', () => {
  it.each([
    ['80', '80:80/tcp'],
    ['80:8080', '80:8080/tcp'],
    ['53/udp', '53:53/udp'],
    ['53:5353/UDP', '53:5353/udp'],
    ['80:8080/tcp', '80:8080/tcp'],
  ])('%s → %s', (v, expected) => expect(normalizePort(v)).toBe(expected));
  it('leaves what it does not understand for the schema to report', () => expect(normalizePort('http')).toBe('http'));
});

describe('--env', () => {
  it('splits at the first "="', () => {
    expect(parseEnvPair('A=1')).toEqual({ name: 'A', value: '1' });
    expect(parseEnvPair('URL=a=b')).toEqual({ name: 'URL', value: 'a=b' });
    expect(parseEnvPair('EMPTY=')).toEqual({ name: 'EMPTY', value: '' });
  });
  it.each(['A', '=1', ''])('rejects %j', (v) => expect(() => parseEnvPair(v)).toThrow('must be KEY=VALUE'));
});

describe('--command', () => {
  it('splits words like a shell', () => {
    expect(splitCommand('httpd -f -p 8080')).toEqual(['httpd', '-f', '-p', '8080']);
    expect(splitCommand(`sh -c 'echo hi; sleep 1'`)).toEqual(['sh', '-c', 'echo hi; sleep 1']);
    expect(splitCommand(`echo "a \\"b\\" c" d\\ e ''`)).toEqual(['echo', 'a "b" c', 'd e', '']);
    expect(splitCommand('  spaced   out  ')).toEqual(['spaced', 'out']);
    expect(splitCommand('')).toEqual([]);
  });
  it('rejects an open quote', () => expect(() => splitCommand(`sh -c 'oops`)).toThrow('unterminated'));
});
