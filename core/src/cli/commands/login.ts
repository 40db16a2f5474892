// `lb login`, `lb context` and `lb ca hash` (`lb ca rotate|status`: ./ca.ts): several clusters and identities in one CLI config, as
// kubectl's contexts. A login pins the server's CA by the hash its admin gives out (`lb ca hash` on a
// machine that trusts the cluster, the line `lb server` logs on start, or the end of a join token): the
// CA is fetched from the server's public /cacerts, and stored only when its SHA-256 matches. Nothing is
// stored when the CA does not match or the server refuses the token.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { LbError } from '@lastbackend/sdk/errors';
import { checkContextName, cliConfigPath, contextName, listContexts, readCliFile, removeContext, saveContext, useContext, type CliConfig } from '../cli-config';
import { CliContext, usage } from '../context';
import { sdkClient } from '../lazy';
import { renderTable } from '../output';
import { registerCaRotation } from './ca';

/** What a CA is pinned by: the SHA-256 of the bundle exactly as /cacerts serves it (as join tokens pin it). */
export const caHashOf = (bundle: string): string => createHash('sha256').update(bundle).digest('hex');

/** `sha256:HEX` or `HEX` → HEX. */
export function parseCaHash(value: string): string {
  const hex = value.trim().toLowerCase().replace(/^sha256:/, '');
  if (!/^[0-9a-f]{64}$/.test(hex)) throw usage(`ca-hash: "${value}" must be sha256:<64 hex digits> (\`lb ca hash\` prints it)`);
  return hex;
}

/** A context's default name: the server's host. */
export function contextNameFor(server: string): string {
  const host = new URL(server).hostname.replace(/^\[|\]$/g, '').replace(/[^-A-Za-z0-9_.@]/g, '-');
  return /^[A-Za-z0-9]/.test(host) ? host : `ip6${host}`; // an IPv6 address such as ::1
}

/** The CA bundle a server serves, trusted only because its hash is the one given. */
export async function pinnedCa(server: string, hash: string): Promise<string> {
  const { Agent } = require('undici') as typeof import('undici');
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  let bundle: string;
  try {
    const res = await fetch(`${server}/cacerts`, { dispatcher, signal: AbortSignal.timeout(10_000) } as RequestInit);
    if (!res.ok) throw new LbError('FAILED_PRECONDITION', `${server}/cacerts answered ${res.status}: the server serves no CA bundle`);
    bundle = await res.text();
  } catch (e) {
    if (e instanceof LbError) throw e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new LbError('UNAVAILABLE', `cannot fetch the CA from ${server}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, { fix: 'check --server and that the API server runs' });
  } finally {
    await dispatcher.close();
  }
  const got = caHashOf(bundle);
  if (got !== hash)
    throw new LbError('FAILED_PRECONDITION', `the CA served by ${server} has hash sha256:${got}, not the sha256:${hash} given: not logged in, nothing stored`, {
      fix: 'check --server and the hash with the cluster\'s admin (`lb ca hash`): a different CA may mean someone is in between',
    });
  return bundle;
}

interface LoginOptions {
  server: string;
  token?: string;
  caHash?: string;
}

async function readToken(ctx: CliContext): Promise<string> {
  let text = '';
  for await (const chunk of ctx.io.stdin) text += chunk.toString();
  const token = text.trim().split('\n')[0]?.trim();
  if (!token) throw new LbError('INVALID_ARGUMENT', 'token: give --token TOKEN, or the token on stdin');
  return token;
}

export async function runLogin(ctx: CliContext, nameArg: string | undefined, opts: LoginOptions): Promise<void> {
  let url: URL;
  try {
    url = new URL(opts.server);
  } catch {
    throw usage(`server: "${opts.server}" must be a URL such as https://lb.example.com:2967`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw usage(`server: "${opts.server}" must be an https:// (or http://) URL`);
  const server = opts.server.replace(/\/+$/, '');
  const name = checkContextName(nameArg ?? contextNameFor(server));
  if (url.protocol === 'http:' && opts.caHash) throw usage('ca-hash: a plain http:// server has no CA to pin');
  const token = opts.token ?? (await readToken(ctx));
  const ca = opts.caHash ? await pinnedCa(server, parseCaHash(opts.caHash)) : undefined;
  // The token must be one the server knows: a call it refuses with 401 stores nothing. A 403 is a token
  // known but not allowed to list namespaces (a scoped one): it is kept.
  const client = new (sdkClient().LbClient)({ server, token, timeout: 15_000, ...(ca ? { tls: { ca } } : {}) });
  try {
    await client.namespaces();
  } catch (e) {
    if (e instanceof LbError && e.code === 'FORBIDDEN') {
      /* a known token */
    } else if (e instanceof LbError && e.code === 'UNAUTHORIZED') {
      throw new LbError('UNAUTHORIZED', `${server} refused the token: not logged in, nothing stored`, { fix: 'check --token with whoever made it' });
    } else if (!ca && url.protocol === 'https:' && /certificate|self.signed|unable to verify/i.test(`${(e as Error).message} ${String((e as { cause?: unknown }).cause ?? '')}`)) {
      throw new LbError('FAILED_PRECONDITION', `the certificate of ${server} is not signed by a CA this machine trusts: not logged in, nothing stored`, {
        fix: 'ask the cluster\'s admin for the CA hash (`lb ca hash`) and pass --ca-hash sha256:HEX',
      });
    } else throw e;
  }
  const entry: CliConfig = { server, token, ...(ca ? { ca } : {}) };
  saveContext(name, entry, ctx.io.env, true);
  ctx.out(`logged in to ${server} as context "${name}" (now the current one; stored in ${cliConfigPath(ctx.io.env)})`);
}

export function registerLogin(program: Command, ctx: CliContext): void {
  program
    .command('login')
    .description('store a server, a token and the server\'s CA (pinned by its hash) as a named context, and use it')
    .argument('[name]', 'the context\'s name (default: the server\'s host)')
    .requiredOption('--server <url>', 'the API server, e.g. https://lb.example.com:2967')
    .option('--token <token>', 'the token to use (default: read from stdin, which keeps it out of the shell history)')
    .option('--ca-hash <sha256:hex>', 'the SHA-256 of the cluster CA, from its admin (`lb ca hash`); without it the server\'s certificate must be trusted by this machine')
    .action((name: string | undefined, opts: LoginOptions) => runLogin(ctx, name, opts));

  const context = program.command('context').description('the CLI\'s contexts (a server, a token and a CA each): list, switch, remove');
  context
    .command('ls')
    .description('list the contexts; * marks the one in use (tokens are never shown)')
    .action(() => {
      const file = readCliFile(ctx.io.env);
      const current = contextName(file, ctx.io.env, ctx.contextName);
      const rows = Object.entries(listContexts(file)).map(([name, c]) => [name === current ? '*' : '', name, c.server, c.ca ? `sha256:${caHashOf(c.ca).slice(0, 16)}…` : '-']);
      ctx.out(renderTable(['CURRENT', 'NAME', 'SERVER', 'CA'], rows).trimEnd());
    });
  context
    .command('use')
    .description('make a context the current one (`lb --context NAME` or LB_CONTEXT pick one for a single command)')
    .argument('<name>')
    .action((name: string) => {
      useContext(name, ctx.io.env);
      ctx.out(`context "${name}" is now the current one`);
    });
  context
    .command('rm')
    .alias('delete')
    .description('forget a context and its token')
    .argument('<name>')
    .action((name: string) => {
      removeContext(name, ctx.io.env);
      ctx.out(`context "${name}" removed`);
    });

  const ca = program.command('ca').description('the cluster CA: its hash, its rotation');
  registerCaRotation(ca, ctx);
  ca.command('hash')
    .description('print the SHA-256 of the cluster CA, which `lb login --ca-hash` pins: from a data dir, a PEM file, or the context in use')
    .option('--data-dir <dir>', 'a server\'s data dir (its tls/ca.crt)')
    .option('--file <pem>', 'a CA bundle file')
    .action((opts: { dataDir?: string; file?: string }) => {
      const file = opts.file ?? (opts.dataDir ? join(opts.dataDir, 'tls', 'ca.crt') : undefined);
      let bundle: string | undefined;
      if (file) {
        try {
          bundle = readFileSync(file, 'utf8');
        } catch (e) {
          throw new LbError('INVALID_ARGUMENT', `cannot read ${file}: ${(e as Error).message}`);
        }
      } else bundle = ctx.settings().tls?.ca;
      if (!bundle) throw new LbError('FAILED_PRECONDITION', 'the context in use has no CA (a plain http:// server, or one with a publicly trusted certificate)', { fix: 'give --data-dir DIR or --file PEM' });
      ctx.out(`sha256:${caHashOf(bundle)}`);
    });
}
