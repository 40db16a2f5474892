// Watch tickets: what a browser's EventSource, which cannot send headers, authenticates a watch with,
// so that a bearer token never goes into a URL (URLs end up in logs, history and proxies). A ticket is
// random, lives 60 s, opens one watch (GET <list>?watch=true; of one list path when asked so) and
// nothing else, once, as the principal (role and namespaces) that asked for it. Tickets are kept hashed in this server's memory: a ticket is
// good on the server that issued it only (behind a load balancer, the SSE request must reach the same
// server, e.g. by sticky sessions); a server restart forgets them, and the client asks again.
import { createHash, randomBytes } from 'node:crypto';
import type { ApiCaller } from '../../auth/permissions';

export const TICKET_PARAM = 'ticket';
export const TICKET_TTL_MS = 60_000;
/** Tickets outstanding at once: a flood of asks cannot grow memory without bound. */
const MAX_TICKETS = 10_000;

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

interface Ticket {
  caller: ApiCaller;
  /** The one list path it may watch; absent: any. */
  path?: string;
  expires: number;
}

export class WatchTickets {
  private readonly held = new Map<string, Ticket>();

  constructor(
    private readonly ttlMs = TICKET_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  issue(caller: ApiCaller, path?: string): { ticket: string; expires: string } {
    this.sweep();
    if (this.held.size >= MAX_TICKETS) this.held.delete(this.held.keys().next().value as string);
    const ticket = `lbw.${randomBytes(24).toString('base64url')}`;
    const expires = this.now() + this.ttlMs;
    // A copy: the ticket acts with the caller's scope as it was when asked for.
    this.held.set(hash(ticket), { caller: { ...caller, ...(caller.namespaces ? { namespaces: [...caller.namespaces] } : {}) }, ...(path === undefined ? {} : { path }), expires });
    return { ticket, expires: new Date(expires).toISOString() };
  }

  /** What a ticket stands for, once: a used, expired or unknown ticket is undefined. */
  take(ticket: string): Omit<Ticket, 'expires'> | undefined {
    const key = hash(ticket);
    const t = this.held.get(key);
    this.held.delete(key);
    return t && t.expires > this.now() ? { caller: t.caller, ...(t.path === undefined ? {} : { path: t.path }) } : undefined;
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, t] of this.held) if (t.expires <= now) this.held.delete(k);
  }
}
