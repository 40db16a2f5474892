// `lb ca rotate`: the cluster CA replaced online (the server's tls/ca-rotation.ts). The CLI starts the
// rotation, shows which nodes hold a certificate from the new CA as their agents renew, and drops the old
// CA once all do (or at --timeout with --force). The answer's new bundle was received over a connection
// verified with the old CA, so the context in use takes it; other clients run `lb login` again.
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import type { CaStatus } from '@lastbackend/sdk/client';
import { LbError } from '@lastbackend/sdk/errors';
import { parseDuration } from '../args';
import type { CliContext } from '../context';

const POLL_MS = 1000;

/** One progress line: how many nodes hold a certificate from the new CA, and who is still waited for. */
export function progressLine(s: CaStatus): string {
  const done = s.nodes.length - s.pending.length;
  return `${done}/${s.nodes.length} node(s) on the new CA${s.pending.length ? ` (waiting for: ${s.pending.join(', ')})` : ''}`;
}

/** `lb ca status` and `lb ca rotate`, under the `ca` command login.ts makes (beside `lb ca hash`). */
export function registerCaRotation(ca: Command, ctx: CliContext): void {
  ca.command('status')
    .description('whether a CA rotation is under way, and which nodes hold a certificate from the CA that issues now')
    .action(async () => {
      const s = await ctx.client().caStatus();
      ctx.out(`CA ${s.current}${s.next ? `, rotating to ${s.next}` : ''} (bundle sha256:${s.ca_hash})`);
      ctx.out(progressLine(s));
    });
  ca.command('refresh')
    .description('store the CA bundle the server serves now in the context in use, fetched over a connection verified with the CA it holds (run it while `lb ca rotate` runs, and once more after)')
    .action(async () => {
      if (ctx.io.env.LB_CA_FILE !== undefined) throw new LbError('FAILED_PRECONDITION', 'LB_CA_FILE names the CA: no context holds it', { fix: 'update that file (a server rewrites its <data dir>/tls/ca.crt), or unset LB_CA_FILE' });
      if (!ctx.settings().tls?.ca) throw new LbError('FAILED_PRECONDITION', 'the context in use pins no CA (a plain http:// server, or one with a publicly trusted certificate)');
      const bundle = await ctx.client().caBundle();
      const kept = ctx.keepCa(bundle);
      if (!kept) throw new LbError('NOT_FOUND', 'no context is in use: nothing to update', { fix: 'log in with `lb login NAME --server URL --ca-hash sha256:HEX`' });
      ctx.out(`sha256:${createHash('sha256').update(bundle).digest('hex')}`);
      ctx.err(`context "${kept}" now trusts the CA bundle the server serves (${(bundle.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length} certificate(s))`);
    });
  ca.command('rotate')
    .description('roll the cluster CA: agents get certificates from a new CA, then the old one is dropped; the context in use trusts the new CA')
    .option('--timeout <duration>', 'how long to wait for every node to renew: 30s, 5m, 1h', '5m')
    .option('--force', 'at the timeout, drop the old CA anyway (nodes still on it must join again)')
    .action(async (opts: { timeout: string; force?: boolean }) => {
      const timeout = parseDuration(opts.timeout, 'timeout');
      const client = ctx.client();
      let s = await client.rotateCa();
      ctx.err(`CA rotation: new CA ${s.next} beside ${s.current}; both are trusted until the old one is dropped`);
      const deadline = Date.now() + timeout * 1000;
      let shown = '';
      for (;;) {
        const line = progressLine(s);
        if (line !== shown) ctx.err((shown = line));
        if (!s.pending.length) break;
        if (Date.now() >= deadline) {
          if (opts.force) break;
          throw new LbError('TIMEOUT', `node(s) ${s.pending.join(', ')} did not renew within ${opts.timeout}: the old CA is still trusted`, {
            fix: 'start those agents and run `lb ca rotate` again (it carries on), or add --force to drop the old CA anyway (those nodes must then join again)',
          });
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
        s = await client.caStatus();
      }
      const r = await client.finishCaRotation(s.pending.length > 0);
      const kept = ctx.keepCa(r.bundle);
      ctx.out(`sha256:${r.ca_hash}`);
      if (r.cut_off.length) ctx.err(`cut off (must join again with a new join token): ${r.cut_off.join(', ')}`);
      ctx.err(
        [
          `old CA dropped; ${kept ? `context "${kept}" now trusts the new CA` : 'no context was changed (LB_CA_FILE names the CA: the server rewrote <data dir>/tls/ca.crt)'}`,
          'join tokens made before the rotation pin the old CA: make new ones with `lb token create --role node`',
          `other clients: \`lb ca refresh\` while a rotation is open, else \`lb login NAME --server URL --ca-hash sha256:${r.ca_hash}\``,
        ].join('\n'),
      );
    });
}
