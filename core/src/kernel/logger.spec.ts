import { createLogger, redactSecrets } from './logger';

describe('logger', () => {
  it('never writes the value of an x-lastbackend-token parameter, however a line quotes it', () => {
    const lines: string[] = [];
    const log = createLogger('debug', 'lb', (l) => void lines.push(l));
    log.error('GET /namespace?x-lastbackend-token=s3cret-1&tail=5 failed', { url: 'https://h/x?a=1&X-LastBackend-Token=s3cret-2' });
    log.warn('proxy saw /x?x%2Dlastbackend%2Dtoken%3Ds3cret-3 and {"x-lastbackend-token":"s3cret-4"}');
    const out = lines.join('');
    for (const s of ['s3cret-1', 's3cret-2', 's3cret-3', 's3cret-4']) expect(out).not.toContain(s);
    expect(out).toContain('x-lastbackend-token=[REDACTED]&tail=5');
    expect(redactSecrets('nothing to hide')).toBe('nothing to hide');
  });
});

describe('logger, JSON format', () => {
  it('writes one JSON object per line with time, level, scope, message and the meta; redacted too', () => {
    const lines: string[] = [];
    const log = createLogger('info', 'lb', (l) => void lines.push(l), 'json').child('api');
    log.info('GET /x 200', { status: 200, url: '/x?x-lastbackend-token=s3cret' });
    log.debug('not written');
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    const o = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(o).toMatchObject({ level: 'info', scope: 'lb:api', msg: 'GET /x 200', status: 200, url: '/x?x-lastbackend-token=[REDACTED]' });
    expect(Number.isNaN(Date.parse(o.time as string))).toBe(false);
    // meta cannot pass for the entry's own fields
    const spoof = createLogger('info', 'lb', (l) => void lines.push(l), 'json');
    spoof.warn('real', { msg: 'fake', level: 'debug' });
    expect(JSON.parse(lines[1])).toMatchObject({ msg: 'real', level: 'warn' });
  });
});
