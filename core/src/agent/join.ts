// How an agent gets and keeps its credentials: the first start trades a join token for the node's own
// credential (and, over TLS, a certificate for a key made here); the join token's CA hash pins the
// server before the token is sent. Credentials live in the data dir (0600), written whole or not at all.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caHash, validity } from '../tls/cert-info';
import { LbClient, LbError, isLbError, type ClientTls } from '@lastbackend/sdk';
import type { Logger } from '../kernel/logger';

/** Key pairs are made only at join and renewal: the certificate library stays unloaded otherwise. */
const newKeyPair = () => (require('../tls/pki') as typeof import('../tls/pki')).newKeyPair();

export interface Credentials {
  server: string;
  node: string;
  /** The node's bearer credential. */
  token: string;
  /** Where the agent serves the API server, registered at join. */
  address?: string;
  /** Over TLS: the CA bundle it pinned, its certificate and key. */
  ca?: string;
  cert?: string;
  key?: string;
  /** Over plain HTTP: what the API server presents to this agent. */
  agent_key?: string;
}

export interface JoinToken {
  /** What is sent as the bearer token. */
  bearer: string;
  /** SHA-256 of the CA bundle the server must serve (absent for a plain-HTTP server's token). */
  caHash?: string;
}

/** `lbj.<id>.<secret>[.<ca hash>]` */
export function parseJoinToken(token: string): JoinToken {
  const parts = token.trim().split('.');
  if (parts[0] !== 'lbj' || (parts.length !== 3 && parts.length !== 4) || parts.some((p) => !p))
    throw new LbError('INVALID_ARGUMENT', 'token: not a join token (lbj.…)', { fix: 'make one with `lb token create --role node`' });
  if (parts.length === 4 && !/^[0-9a-f]{64}$/.test(parts[3])) throw new LbError('INVALID_ARGUMENT', 'token: its CA hash is not a SHA-256');
  return { bearer: parts.slice(0, 3).join('.'), ...(parts[3] ? { caHash: parts[3] } : {}) };
}

export const isHttps = (servers: string) => servers.split(',').every((s) => s.trim().startsWith('https://'));

export function clientTls(c: Credentials): ClientTls | undefined {
  return c.ca ? { ca: c.ca, ...(c.cert && c.key ? { cert: c.cert, key: c.key } : {}) } : undefined;
}

export function nodeClient(c: Credentials, server: string, timeout?: number): LbClient {
  const tls = clientTls(c);
  return new LbClient({ server, token: c.token, ...(timeout ? { timeout } : {}), ...(tls ? { tls } : {}) });
}

/**
 * The CA bundle a server serves, checked against the join token's hash before anything secret is sent.
 * The connection itself cannot be verified yet: the hash is what makes it trusted.
 */
export async function pinnedCa(servers: string, token: JoinToken): Promise<string> {
  if (!token.caHash)
    throw new LbError('INVALID_ARGUMENT', 'token: this join token carries no CA hash, so the server cannot be verified', {
      fix: 'use a join token made by a server that runs TLS (`lb token create --role node` prints lbj.<id>.<secret>.<hash>)',
    });
  const { Agent } = require('undici') as typeof import('undici');
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  const errors: string[] = [];
  try {
    for (const server of servers.split(',').map((s) => s.trim().replace(/\/+$/, ''))) {
      let bundle: string;
      try {
        const res = await fetch(`${server}/cacerts`, { dispatcher, signal: AbortSignal.timeout(10_000) } as RequestInit);
        if (!res.ok) throw new Error(`answered ${res.status}`);
        bundle = await res.text();
      } catch (e) {
        errors.push(`${server}: ${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}`);
        continue;
      }
      if (caHash(bundle) !== token.caHash)
        throw new LbError('UNAUTHORIZED', `the CA served by ${server} does not match the join token's hash: this is not the cluster the token was made for`, {
          fix: 'check --server, or make a new token on the right server',
        });
      return bundle;
    }
  } finally {
    await dispatcher.close();
  }
  throw new LbError('UNAVAILABLE', `cannot fetch the CA from ${errors.join('; ')}`, { fix: 'check --server and that the API server runs' });
}

export function readCredentials(file: string, canRejoin: boolean, log: Logger): Credentials | undefined {
  let c: Partial<Credentials> | undefined;
  try {
    c = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
  } catch {
    // handled below
  }
  if (c && typeof c === 'object' && ['server', 'node', 'token'].every((k) => typeof c[k as keyof Credentials] === 'string')) return c as Credentials;
  if (canRejoin) {
    log.warn(`${file} is unreadable; joining again with the join token`);
    return undefined;
  }
  throw new LbError('FAILED_PRECONDITION', `${file} is unreadable, so this node cannot sign in`, {
    fix: `remove ${file} and start the agent with --token <join token> (from \`lb token create --role node\`) to join again`,
  });
}

export function writeCredentials(file: string, c: Credentials): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(c, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export const credentialsFile = (dataDir: string) => join(dataDir, 'credentials.json');

/** A credential from any of the servers is good on all of them: they share one store. Schemes may differ (an upgrade to TLS). */
function sameCluster(stored: string, given: string): boolean {
  const split = (s: string) => s.split(',').map((x) => x.trim().replace(/\/+$/, '').replace(/^https?:\/\//, ''));
  const known = new Set(split(stored));
  return split(given).some((s) => known.has(s));
}

export interface JoinOptions {
  server: string;
  node: string;
  dataDir: string;
  address: string;
  joinToken?: string;
}

/** The node's credentials: the stored ones while the server accepts them, else a fresh join. */
export async function credentials(o: JoinOptions, log: Logger): Promise<Credentials> {
  const file = credentialsFile(o.dataDir);
  const token = o.joinToken ? parseJoinToken(o.joinToken) : undefined;
  const tls = isHttps(o.server);
  let c = existsSync(file) ? readCredentials(file, !!token, log) : undefined;
  if (c && sameCluster(c.server, o.server) && c.node === o.node) {
    if (tls && !c.cert) c = await upgradeToTls(c, o, token, log);
    // Still valid? A revoked credential falls back to joining again.
    try {
      const client = nodeClient(c, o.server, 10_000);
      await client.request('GET', `/cluster/node/${encodeURIComponent(c.node)}`);
      // Over plain HTTP the key servers present to this agent is theirs to say (it is derived, not stored).
      if (!tls) c = { ...c, agent_key: (await client.request<{ key: string }>('GET', `/cluster/node/${encodeURIComponent(c.node)}/agent-key`)).key };
      return c;
    } catch (e) {
      if (!isLbError(e) || (e.code !== 'UNAUTHORIZED' && e.code !== 'FORBIDDEN' && e.code !== 'NOT_FOUND')) throw e;
      if (e.code === 'NOT_FOUND') return c;
      log.warn(`the stored credential of node ${c.node} was refused (${e.message}); joining again`);
    }
  }
  if (!token) throw new LbError('UNAUTHORIZED', `node ${o.node} has not joined ${o.server} yet`, { fix: 'pass --token with a join token from `lb token create --role node`' });
  const fresh = await joinWith(o, token);
  writeCredentials(file, fresh);
  log.info(`node ${fresh.node} joined ${o.server}${tls ? ' over TLS' : ''}`);
  return fresh;
}

async function joinWith(o: JoinOptions, token: JoinToken): Promise<Credentials> {
  const ca = isHttps(o.server) ? await pinnedCa(o.server, token) : undefined;
  const keys = ca ? await newKeyPair() : undefined;
  const client = new LbClient({ server: o.server, token: token.bearer, timeout: 15_000, ...(ca ? { tls: { ca } } : {}) });
  try {
    const r = await client.join(o.node, { address: o.address, ...(keys ? { public_key: keys.publicKey } : {}) });
    return {
      server: o.server,
      node: r.node,
      token: r.token,
      address: o.address,
      ...(ca && keys && r.certificate ? { ca: r.ca ?? ca, cert: r.certificate, key: keys.key } : {}),
      ...(r.agent_key ? { agent_key: r.agent_key } : {}),
    };
  } catch (e) {
    if (isLbError(e) && (e.code === 'UNAUTHORIZED' || e.code === 'FORBIDDEN' || e.code === 'ALREADY_EXISTS'))
      throw new LbError(e.code, `join refused by ${o.server}: ${e.message}`);
    throw e;
  }
}

/**
 * An agent that joined over plain HTTP, now pointed at the server's https:// URL: it pins the CA with a
 * join token's hash and gets its first certificate with its own credential (the token is not used up).
 */
async function upgradeToTls(c: Credentials, o: JoinOptions, token: JoinToken | undefined, log: Logger): Promise<Credentials> {
  if (!token) throw new LbError('UNAUTHORIZED', `node ${c.node} joined over plain HTTP and the server now runs TLS`, { fix: 'start the agent once with --token <a join token from `lb token create --role node`> to pin the cluster CA' });
  const ca = await pinnedCa(o.server, token);
  const keys = await newKeyPair();
  const address = c.address ?? o.address;
  const r = await nodeClient({ ...c, ca }, o.server, 15_000).renewCertificate(c.node, keys.publicKey, address);
  const up: Credentials = { server: o.server, node: c.node, token: c.token, address, ca, cert: r.certificate, key: keys.key };
  writeCredentials(credentialsFile(o.dataDir), up);
  log.info(`node ${c.node} moved to TLS: certificate until ${r.expires}`);
  return up;
}

/** When the certificate should be renewed (ms since epoch): when a third of its life is left. */
export function renewalTime(cert: string): number {
  const { from, to } = validity(cert);
  return to - (to - from) / 3;
}

/**
 * A new key and certificate (before the old one expires, or because the CA changed); the caller starts
 * using them. The CA bundle to trust next is the answer's, else `bundle` (fetched over a verified
 * connection), else the one held.
 */
export async function renewCertificate(c: Credentials, dataDir: string, bundle?: string): Promise<Credentials> {
  const keys = await newKeyPair();
  const r = await nodeClient(c, c.server, 15_000).renewCertificate(c.node, keys.publicKey);
  const next: Credentials = { ...c, cert: r.certificate, key: keys.key, ca: r.ca ?? bundle ?? c.ca };
  writeCredentials(credentialsFile(dataDir), next);
  return next;
}
