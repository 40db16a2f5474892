import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readJsonResponse } from './bounded-json';

describe('readJsonResponse (an agent answer, read bounded)', () => {
  let server: Server;
  let url = '';
  let sentBytes = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok') return void res.end(JSON.stringify({ exitCode: 0, stdout: 'hi', stderr: '' }));
      if (req.url === '/deep') return void res.end('['.repeat(100_000));
      if (req.url === '/declared') return void res.writeHead(200, { 'content-length': String(64 * 1024 * 1024) }).end('{}');
      if (req.url === '/bad') return void res.end('{"exitCode":');
      // Chunked, without end: a reader that does not stop would buffer all of it.
      sentBytes = 0;
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = () => {
        while (sentBytes < 256 * 1024 * 1024 && res.write(chunk)) sentBytes += chunk.length;
        if (sentBytes < 256 * 1024 * 1024) res.once('drain', pump);
        else res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  it('parses an answer under the limit', async () => {
    await expect(readJsonResponse(await fetch(`${url}/ok`), 1024, 'agent')).resolves.toEqual({ exitCode: 0, stdout: 'hi', stderr: '' });
  });

  it('stops reading a stream past the limit', async () => {
    await expect(readJsonResponse(await fetch(`${url}/endless`), 1024 * 1024, 'node agent of "n1"')).rejects.toThrow('node agent of "n1": the answer is larger than 1048576 bytes');
    expect(sentBytes).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a declared length over the limit, deep nesting and bad JSON', async () => {
    await expect(readJsonResponse(await fetch(`${url}/declared`), 1024, 'agent')).rejects.toThrow('larger than 1024 bytes');
    await expect(readJsonResponse(await fetch(`${url}/deep`), 1024 * 1024, 'agent')).rejects.toThrow('agent: the answer is JSON nested deeper than 64 levels');
    await expect(readJsonResponse(await fetch(`${url}/bad`), 1024, 'agent')).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^agent: the answer is not JSON/) });
  });
});
