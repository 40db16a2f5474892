// The API on a unix socket, for clients on this machine (the CLI `lb server` configures): plain HTTP, the
// way docker's CLI reaches its engine, so a local command sets up no TLS (a context and a handshake on
// both ends, ~20 ms of the CLI's time). The same app answers, so every check is the same: a request
// still needs its token. Only the server's own user can connect: the file is made 0600 (connecting to a
// unix socket takes write permission on it) inside a umask that leaves nobody else a moment to.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { LbError } from '@lastbackend/sdk';

/** Whether a server answers on the socket at path (a live one is never taken over). */
function inUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Listens on the socket at path, `serve` attaching the handlers to the server made for it. */
export async function listenLocalSocket(path: string, serve: (server: Server) => void): Promise<{ close(): Promise<void> }> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    /* nothing there */
  }
  if (stat) {
    if (!stat.isSocket()) throw new LbError('FAILED_PRECONDITION', `socket: ${path} exists and is not a socket`, { fix: 'remove it, or set socket in the config to another path ("" for none)' });
    if (await inUse(path)) throw new LbError('FAILED_PRECONDITION', `socket: another server answers on ${path}`, { fix: 'stop it, or set socket in the config to another path ("" for none)' });
    unlinkSync(path); // left by a server that did not stop cleanly
  }
  const server: Server = createServer();
  serve(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // listen() binds, so makes the file, before it returns: the umask is back before any other code runs.
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => (server.off('error', reject), resolve()));
    } finally {
      process.umask(umask);
    }
  });
  chmodSync(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          try {
            unlinkSync(path);
          } catch {
            /* gone already */
          }
          resolve();
        });
        // Watches and streams would hold close() open.
        server.closeAllConnections();
      }),
  };
}
