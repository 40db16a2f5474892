import { ERROR_CODES, LbError, decodeErrorBody, errorBody, reasonForStatus, statusText, type ErrorCode } from './errors';

describe('error bodies on the wire', () => {
  it("are the original's {code: status, status: phrase, message} plus reason and fields", () => {
    const e = new LbError('NOT_FOUND', 'service "web" not found');
    expect(JSON.parse(JSON.stringify(e))).toEqual({ code: 404, status: 'Not Found', message: 'service "web" not found', reason: 'NOT_FOUND' });
    const bad = new LbError('INVALID_ARGUMENT', 'invalid input', { fields: [{ field: 'meta.name', reason: 'required' }] });
    expect(bad.toJSON()).toEqual({ code: 400, status: 'Bad Request', message: 'invalid input', reason: 'INVALID_ARGUMENT', fields: [{ field: 'meta.name', reason: 'required' }] });
  });

  it('give every code word a reason phrase, and the status back to the same word where it is the only one', () => {
    for (const [word, { status }] of Object.entries(ERROR_CODES)) {
      expect(statusText(status)).toMatch(/^[A-Z][A-Za-z ]+$/);
      const back = reasonForStatus(status);
      expect(ERROR_CODES[back].status).toBe(status);
      if (Object.values(ERROR_CODES).filter((c) => c.status === status).length === 1) expect(back).toBe(word as ErrorCode);
    }
  });

  it('decode from today\'s body, the older one (code was the word) and the bare original one', () => {
    const today = decodeErrorBody(409, errorBody(409, 'ALREADY_EXISTS', 'namespace "a" already exists'));
    expect(today).toMatchObject({ code: 'ALREADY_EXISTS', status: 409, message: 'namespace "a" already exists' });
    const older = decodeErrorBody(400, { code: 'INVALID_ARGUMENT', message: 'bad', fields: [{ field: 'f', reason: 'r' }, { junk: 1 }] });
    expect(older).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'bad', details: { fields: [{ field: 'f', reason: 'r' }] } });
    expect(decodeErrorBody(404, { code: 404, status: 'Not Found', message: 'Namespace not found' })).toMatchObject({ code: 'NOT_FOUND', message: 'Namespace not found' });
    expect(decodeErrorBody(401, { code: 401, status: 'Unauthorized', message: 'Unauthorized' }).code).toBe('UNAUTHORIZED');
    expect(decodeErrorBody(503, { code: 503, status: 'Service Unavailable', message: 'x' })).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(decodeErrorBody(418, {}).code).toBe('INVALID_ARGUMENT');
    expect(decodeErrorBody(502, undefined, '<html>bad gateway</html>')).toMatchObject({ code: 'INTERNAL', message: '<html>bad gateway</html>' });
    expect(decodeErrorBody(500, null).message).toBe('HTTP 500 Internal Server Error');
    expect(decodeErrorBody(500, { reason: 'NO_SUCH_WORD', message: 'm' }, '', 'UNAVAILABLE').code).toBe('UNAVAILABLE');
  });
});
