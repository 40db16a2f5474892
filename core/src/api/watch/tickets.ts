// Watch tickets: what a browser's EventSource, which cannot send headers, authenticates a watch with,
// so that a bearer token never goes into a URL (URLs end up in logs, history and proxies). A ticket is
// random, lives 60 s, opens one watch (GET <list>?watch=true; of one list path when asked so) and
// nothing else, once, as the principal (role and namespaces) that asked for it. Tickets are kept in the
// store, by their hash only (`watch-ticket/<sha256>`, with the caller and the expiry): a ticket issued by
// one server opens a watch on any server of the cluster (behind a load balancer too), and taking it is
// one transaction that deletes it, so it works once across the cluster. Expired ones are swept when
// tickets are issued.
import { createHash, randomBytes } from 'node:crypto';
import type { ApiCaller } from '../../auth/permissions';
import { keys } from '../../store/keys';
import type { Store, StoredObject } from '../../store/store';

export const TICKET_PARAM = 'ticket';
export const TICKET_TTL_MS = 60_000;
/** Tickets outstanding at once: a flood of asks cannot grow the store without bound. */
export const MAX_TICKETS = 10_000;

const hash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

interface StoredTicket extends StoredObject {
  caller: ApiCaller;
  /** The one list path it may watch; absent: any. */
  path?: string;
  /** Unix ms. */
  expires: number;
}

export class WatchTickets {
  constructor(
    private readonly store: Store,
    private readonly ttlMs = TICKET_TTL_MS,
    private readonly now: () => number = Date.now,
    private readonly max = MAX_TICKETS,
  ) {}

  async issue(caller: ApiCaller, path?: string): Promise<{ ticket: string; expires: string }> {
    const ticket = `lbw.${randomBytes(24).toString('base64url')}`;
    const expires = this.now() + this.ttlMs;
    // A copy: the ticket acts with the caller's scope as it was when asked for.
    const stored: StoredTicket = {
      meta: { revision: 0 },
      caller: { ...caller, ...(caller.namespaces ? { namespaces: [...caller.namespaces] } : {}) },
      ...(path === undefined ? {} : { path }),
      expires,
    };
    await this.store.txn(async (tx) => {
      const held = await tx.entries<StoredTicket>(keys.watchTicket());
      const live = held.filter(([k, t]) => (t.expires > this.now() ? true : (tx.del(k), false)));
      // Past the bound the ones that expire first go.
      live.sort(([, a], [, b]) => a.expires - b.expires);
      for (const [k] of live.slice(0, Math.max(0, live.length - this.max + 1))) tx.del(k);
      tx.put(keys.watchTicket(hash(ticket)), stored);
    });
    return { ticket, expires: new Date(expires).toISOString() };
  }

  /** What a ticket stands for, once (on any server): a used, expired or unknown ticket is undefined. */
  async take(ticket: string): Promise<{ caller: ApiCaller; path?: string } | undefined> {
    const key = keys.watchTicket(hash(ticket));
    const t = await this.store.txn(async (tx) => {
      const held = await tx.get<StoredTicket>(key);
      if (held) tx.del(key);
      return held;
    });
    return t && t.expires > this.now() ? { caller: t.caller, ...(t.path === undefined ? {} : { path: t.path }) } : undefined;
  }
}
