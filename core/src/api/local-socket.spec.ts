import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenLocalSocket } from './local-socket';

const get = (socketPath: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/x' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });

const answer = (server: import('node:http').Server) => server.on('request', (_req, res) => res.end('answered'));

describe('listenLocalSocket', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-sock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("serves through the handlers given, only to the server's user (0600), and removes the file when closed", async () => {
    const path = join(dir, 'api.sock');
    const local = await listenLocalSocket(path, answer);
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    expect(await get(path)).toBe('answered');
    await local.close();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over the socket a killed server left, never one a live server answers on, nor a file that is no socket', async () => {
    const path = join(dir, 'api.sock');
    // A process that dies without closing leaves its socket file behind.
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => child.stdout.once('data', r));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(lstatSync(path).isSocket()).toBe(true);
    const local = await listenLocalSocket(path, answer);
    expect(await get(path)).toBe('answered');

    // Now a live one answers there: a second server is refused and the first still answers.
    await expect(listenLocalSocket(path, answer)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('another server answers') });
    expect(await get(path)).toBe('answered');
    await local.close();

    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'data');
    await expect(listenLocalSocket(file, answer)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('is not a socket') });
    expect(existsSync(file)).toBe(true);
  });

  it('is not held open by a connection that stays (a watch)', async () => {
    const path = join(dir, 'api.sock');
    const local = await listenLocalSocket(path, (s) => s.on('request', (_req, res) => res.write('streaming')));
    await new Promise<void>((resolve) => request({ socketPath: path, path: '/watch' }, () => resolve()).end());
    await local.close();
    expect(existsSync(path)).toBe(false);
  });
});
