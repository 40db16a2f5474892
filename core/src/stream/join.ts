// Two connections joined into one tunnel (lb port-forward: local client ↔ API ↔ agent ↔ pod): bytes flow
// both ways with back-pressure, an end of input is passed on (a half-close), and a connection that closes or
// fails closes the other once what it was sent is written.
import type { Duplex } from 'node:stream';

/** The protocol of a port-forward connection after its upgrade: the TCP bytes as they are. */
export const TCP_PROTOCOL = 'lb-tcp.v1';

/** Joins a and b; resolves once both are closed. */
export function joinStreams(a: Duplex, b: Duplex): Promise<void> {
  const closed = (s: Duplex) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
  const closeAfterFlush = (s: Duplex) => {
    if (s.destroyed) return;
    if (s.writableFinished) return void s.destroy();
    s.once('finish', () => s.destroy());
    s.end();
  };
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.once('close', () => closeAfterFlush(b));
  b.once('close', () => closeAfterFlush(a));
  // One already gone (a client that left while the other was being connected).
  if (a.destroyed) closeAfterFlush(b);
  if (b.destroyed) closeAfterFlush(a);
  return Promise.all([closed(a), closed(b)]).then(() => undefined);
}
