// POST /watch/ticket: a short-lived ticket that opens one watch as the caller (api/watch/tickets.ts).
import { Controller, Req } from '@nestjs/common';
import type { z } from 'zod';
import { LbError } from '@lastbackend/sdk';
import { isApiCaller } from '../../auth/auth';
import type { AuthedRequest } from '../auth';
import { Payload, Route } from '../route';
import { ROUTES, type WatchTicketRequest } from '../routes';
import { WatchTickets } from '../watch/tickets';

@Controller()
export class WatchController {
  constructor(private readonly tickets: WatchTickets) {}

  @Route(ROUTES.watchTicket)
  ticket(@Req() req: AuthedRequest, @Payload() body: z.output<typeof WatchTicketRequest>) {
    const p = req.principal;
    if (!p || !isApiCaller(p)) throw new LbError('FORBIDDEN', 'a watch ticket takes a token with a role');
    return this.tickets.issue(p, body.path);
  }
}
