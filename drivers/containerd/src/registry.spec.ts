// The registry client's auth handshakes, against a small in-process HTTP server on 127.0.0.1.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LbError } from '@lastbackend/sdk';
import { parseReference } from './reference';
import { MEDIA, RegistryClient } from './registry';

const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: {}, layers: [] }));
const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;

let server: Server;
let port = 0;
let mode: 'bearer' | 'basic' = 'bearer';
const seen: string[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  const auth = req.headers.authorization ?? '';
  seen.push(`${req.url} ${auth}`);
  if (req.url?.startsWith('/token')) {
    const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
    if (auth !== basic) return void res.writeHead(401).end();
    const url = new URL(req.url, 'http://x');
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify({ token: `t-${url.searchParams.get('scope')}` }));
  }
  const ok = mode === 'bearer' ? auth === 'Bearer t-repository:team/app:pull' : auth === `Basic ${Buffer.from('u:p').toString('base64')}`;
  if (!ok) {
    const challenge =
      mode === 'bearer'
        ? `Bearer realm="http://127.0.0.1:${port}/token",service="test",scope="repository:team/app:pull"`
        : 'Basic realm="test"';
    return void res.writeHead(401, { 'www-authenticate': challenge }).end();
  }
  if (req.url === '/v2/team/app/manifests/1') {
    res.writeHead(200, { 'content-type': MEDIA.dockerManifest });
    return void res.end(manifest);
  }
  res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => (seen.length = 0));

const client = (auth?: { username: string; password: string }) =>
  new RegistryClient(parseReference(`127.0.0.1:${port}/team/app:1`), true, auth);

describe('RegistryClient', () => {
  it('answers a Bearer challenge with a token fetched with the credentials', async () => {
    mode = 'bearer';
    const m = await client({ username: 'u', password: 'p' }).manifest('1');
    expect(m).toEqual({ mediaType: MEDIA.dockerManifest, digest, body: manifest });
    expect(seen.map((s) => s.split(' ')[0])).toEqual(['/v2/team/app/manifests/1', expect.stringMatching(/^\/token\?/), '/v2/team/app/manifests/1']);
  });

  it('answers a Basic challenge with the credentials', async () => {
    mode = 'basic';
    await expect(client({ username: 'u', password: 'p' }).manifest('1')).resolves.toMatchObject({ digest });
  });

  it('fails with UNAUTHORIZED without credentials and NOT_FOUND for a missing manifest', async () => {
    mode = 'basic';
    await expect(client().manifest('1')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const err = await client({ username: 'u', password: 'p' })
      .manifest('2')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LbError);
    expect((err as LbError).code).toBe('NOT_FOUND');
  });

  it('reports an unreachable registry as UNAVAILABLE', async () => {
    const closed = new RegistryClient(parseReference('127.0.0.1:9/team/app:1'), true, undefined);
    await expect(closed.manifest('1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
