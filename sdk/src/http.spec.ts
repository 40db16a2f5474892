import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { httpRequest, tlsAgent } from './http';

// The module object itself (an ES namespace's properties cannot be spied on): tls.connect makes its contexts through it.
const tls = require('node:tls') as typeof import('node:tls');

/** A port nothing listens on (free when asked). */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe('httpRequest over https', () => {
  it('to a server that cannot be reached: refused, with no TLS set up (no secure context made)', async () => {
    const made = jest.spyOn(tls, 'createSecureContext');
    try {
      const port = await closedPort();
      const agent = tlsAgent({});
      const call = httpRequest(`https://127.0.0.1:${port}/version`, { method: 'GET', headers: {}, signal: new AbortController().signal, agent });
      await expect(call).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(made).not.toHaveBeenCalled();
    } finally {
      made.mockRestore();
    }
  });

  it('once TCP is up, TLS goes over it: a server that is no TLS server fails the handshake', async () => {
    // A TCP server that closes each connection at once: the TLS handshake over it is cut.
    const srv = createServer((c) => c.destroy());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const made = jest.spyOn(tls, 'createSecureContext');
    try {
      const { port } = srv.address() as AddressInfo;
      const call = httpRequest(`https://127.0.0.1:${port}/version`, { method: 'GET', headers: {}, signal: new AbortController().signal, agent: tlsAgent({}) });
      await expect(call).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE/) });
      expect(made).toHaveBeenCalledTimes(1);
    } finally {
      made.mockRestore();
      await new Promise((r) => srv.close(r));
    }
  });
});
