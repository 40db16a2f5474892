// Contract: every error the API answers decodes into the original's errors.Http ({code, status,
// message}: test/contract/original/errors.ts), code being the HTTP status, beside our reason word; and
// the SDK client turns it back into an LbError with that word.
import { ERROR_CODES, LbClient, statusText, type ErrorCode } from '@lastbackend/sdk';
import { OriginalHttpError } from '../../../test/contract/original/errors';
import { startApiFixture, type ApiFixture } from '../openapi/api-fixture';

describe('error answers (the original errors.Http plus reason and fields)', () => {
  let api: ApiFixture;
  beforeAll(async () => {
    api = await startApiFixture();
  });
  afterAll(() => api.close());

  const call = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = api.adminToken, ...rest } = init;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const res = await fetch(api.url + path, { ...rest, headers });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  const cases: [string, () => Promise<{ status: number; body: unknown }>, number, ErrorCode][] = [
    ['no token', () => call('/namespace', { token: null }), 401, 'UNAUTHORIZED'],
    ['an unknown token', () => call('/namespace', { token: 'nope' }), 401, 'UNAUTHORIZED'],
    ['an unknown route', () => call('/no/such/route'), 404, 'NOT_FOUND'],
    ['a missing namespace', () => call('/namespace/absent'), 404, 'NOT_FOUND'],
    ['body that is not JSON', () => call('/namespace', { method: 'POST', body: '{"meta":' }), 400, 'INVALID_ARGUMENT'],
    ['an invalid manifest', () => call('/namespace', { method: 'POST', body: JSON.stringify({ kind: 'Namespace', meta: { name: 'Not A Name!' } }) }), 400, 'INVALID_ARGUMENT'],
    ['a body over the limit', () => call('/namespace', { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(300 * 1024) }) }), 413, 'PAYLOAD_TOO_LARGE'],
  ];

  it.each(cases)('%s: decodes into the original type, code = HTTP status, with our reason', async (_what, send, status, reason) => {
    const { status: got, body } = await send();
    expect(got).toBe(status);
    const original = OriginalHttpError.safeParse(body);
    expect(original.error?.issues ?? []).toEqual([]);
    expect(body).toMatchObject({ code: status, status: statusText(status), reason, message: expect.stringMatching(/\S/) });
    expect(ERROR_CODES[reason].status).toBe(status);
  });

  it('names the refused fields beside the message', async () => {
    const { body } = await call('/namespace', { method: 'POST', body: JSON.stringify({ kind: 'Namespace', meta: { name: 'Not A Name!' } }) });
    expect(body).toMatchObject({ fields: expect.arrayContaining([{ field: 'meta.name', reason: expect.stringMatching(/\S/) }]) });
  });

  it('the SDK client reads the reason word back (LbError.code)', async () => {
    const client = new LbClient({ server: api.url, token: api.adminToken });
    await expect(client.namespace('absent')).rejects.toMatchObject({ name: 'LbError', code: 'NOT_FOUND', status: 404 });
    await expect(new LbClient({ server: api.url, token: 'nope' }).namespaces()).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'invalid token' });
  });
});
