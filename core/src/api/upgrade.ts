// HTTP upgrades (lb exec -i/-t, lb port-forward) come in at one place: the server's 'upgrade' event hands
// each to the application as a request with a response on its connection, so it passes the same
// middlewares as any call (metrics, the audit trail, the bearer check with the route's permission and
// scope, body limits) and reaches its route's handler; a refusal is an ordinary JSON answer, after which
// the connection closes. Only a handler of an upgrade route (RouteDef answer `upgrade`) switches
// protocols, with acceptUpgrade(); any other route answers as it always does.
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { LbError } from '@lastbackend/sdk';

const PENDING = new WeakMap<IncomingMessage, { socket: Duplex; head: Buffer }>();

export function hookUpgrades(server: Server, app: (req: IncomingMessage, res: ServerResponse) => void): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined); // a client gone; 'close' follows
    PENDING.set(req, { socket, head });
    const res = new ServerResponse(req);
    // An answer that is not a switch ends the connection: it is not an HTTP/1.1 keep-alive one any more.
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', () => {
      if (PENDING.delete(req)) socket.end();
    });
    app(req, res);
  });
}

/** Whether the request asks to switch to `protocol` (through hookUpgrades). */
const asks = (req: IncomingMessage, protocol: string): boolean =>
  PENDING.has(req) && (req.headers.upgrade ?? '').toLowerCase().split(/\s*,\s*/).includes(protocol.toLowerCase());

/** Refuses (400) a request that does not ask for this upgrade: called before any work is done. */
export function requireUpgrade(req: IncomingMessage, protocol: string): void {
  if (!asks(req, protocol))
    throw new LbError('INVALID_ARGUMENT', `this route opens a stream: send the request with "Connection: Upgrade" and "Upgrade: ${protocol}" (lb exec -it and lb port-forward do)`);
}

/** Answers 101 and hands over the connection (with any bytes that came after the request). */
export function acceptUpgrade(req: IncomingMessage, res: ServerResponse, protocol: string): Duplex {
  requireUpgrade(req, protocol);
  const { socket, head } = PENDING.get(req)!;
  PENDING.delete(req);
  // Through the response, so that the audit trail and the metrics see the 101 (and its duration, at close).
  res.writeHead(101, { connection: 'Upgrade', upgrade: protocol });
  res.flushHeaders();
  const s = socket as Partial<Socket>;
  s.setTimeout?.(0);
  s.setNoDelay?.(true);
  s.setKeepAlive?.(true, 30_000);
  if (head.length) socket.unshift(head);
  return socket;
}
