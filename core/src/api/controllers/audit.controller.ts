// GET /audit: the audit trail as NDJSON, oldest first; with follow=true it stays open and sends new
// records as they are written (with etcd: every server's).
import { Controller, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import { LbError } from '@lastbackend/sdk';
import type { AuditTrail } from '../../audit/trail';
import { QueryOf, Route } from '../route';
import { AuditQuery, ROUTES } from '../routes';

export const AUDIT_TRAIL = 'lb:audit-trail';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86400_000 };

/** `since`: unix seconds, or a duration ago (90s, 10m, 1h30m, 2d), as ms since the epoch. */
export function sinceMs(v: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Math.floor(Number(v) * 1000);
  let ms = 0;
  for (const m of v.toLowerCase().matchAll(/(\d+)([smhd])/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return now - ms;
}

@Controller()
export class AuditController {
  constructor(@Inject(AUDIT_TRAIL) private readonly trail: AuditTrail | undefined) {}

  @Route(ROUTES.audit)
  async records(@QueryOf() q: z.output<typeof AuditQuery>, @Res() res: Response) {
    if (!this.trail) throw new LbError('FAILED_PRECONDITION', 'this server keeps no audit trail');
    const ctl = new AbortController();
    res.on('close', () => ctl.abort());
    const records = this.trail.records({ since: q.since === undefined ? undefined : sinceMs(q.since), who: q.who }, { follow: q.follow === 'true', signal: ctl.signal });
    res.status(200).setHeader('content-type', 'application/x-ndjson');
    res.flushHeaders();
    try {
      for await (const r of records) {
        if (!res.write(JSON.stringify(r) + '\n')) await new Promise((done) => res.once('drain', done));
      }
    } catch {
      /* the client went away, or the trail closed */
    }
    res.end();
  }
}
