// `lb audit`: the cluster's audit trail, one line per call (time, who, from, what, outcome); -f follows.
import type { Command } from 'commander';
import type { AuditRecord } from '@lastbackend/sdk/client';
import { parseSince } from '../args';
import { CliContext, usage } from '../context';

interface AuditOptions {
  since?: string;
  who?: string;
  follow?: boolean;
  output: string;
}

/** time  who  from  METHOD path [kind/name, …]  status [reason] */
export function formatAuditRecord(r: AuditRecord): string {
  const objects = r.objects?.length ? ` [${r.objects.join(', ')}]` : '';
  const outcome = r.status === 0 ? 'no answer' : `${r.status}${r.reason ? ` ${r.reason}` : ''}`;
  return `${r.time}  ${r.who}  ${r.from}  ${r.method} ${r.path}${objects}  ${outcome}`;
}

export async function runAudit(ctx: CliContext, opts: AuditOptions): Promise<void> {
  if (opts.output !== 'text' && opts.output !== 'json') throw usage(`output: must be text or json, not "${opts.output}"`);
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  const ctl = new AbortController();
  const stop = opts.follow ? ctx.io.onInterrupt(() => ctl.abort()) : () => undefined;
  try {
    for await (const r of ctx.client().audit({ since, who: opts.who, follow: !!opts.follow, signal: ctl.signal })) {
      ctx.out(opts.output === 'json' ? JSON.stringify(r) : formatAuditRecord(r));
    }
  } catch (e) {
    if (!ctl.signal.aborted) throw e;
  } finally {
    stop();
  }
}

export function registerAudit(program: Command, ctx: CliContext): void {
  program
    .command('audit')
    .description("the audit trail (admin only): every change and sensitive read through the API, who made it, from where, and its outcome")
    .option('--since <time>', 'only records since a duration ago (30s, 10m, 1h) or an ISO time')
    .option('--who <name>', 'only calls by this caller: admin, node/NAME, a token name, anonymous')
    .option('-f, --follow', 'keep streaming new records until interrupted')
    .option('-o, --output <format>', 'text (one line per record) or json (one object per line)', 'text')
    .action((opts: AuditOptions) => runAudit(ctx, opts));
}
