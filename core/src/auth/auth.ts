// Who is calling: the admin (the server's token), a join token (may only join a node), or a node's
// own credential (may only read its manifest and write its status). Only hashes of join tokens and
// node credentials are stored; the secrets are shown once, when they are made.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LbError, notFound, parseOrThrow } from '@lastbackend/sdk';
import { z } from 'zod';
import { keys } from '../store/keys';
import { newMeta } from '../store/meta';
import type { Store } from '../store/store';

export type Principal = { role: 'admin' } | { role: 'join'; token: string } | { role: 'node'; node: string };

export interface JoinToken {
  kind: 'Token';
  version: 'v1';
  meta: ReturnType<typeof newMeta>;
  spec: { role: 'node'; hash: string; expires?: string; description?: string };
  status: Record<string, never>;
}

export interface NodeCredential {
  kind: 'Credential';
  version: 'v1';
  meta: ReturnType<typeof newMeta>;
  /** hash: of the node's bearer token; agent_key: what the server presents to the node's agent. */
  spec: { hash: string; agent_key: string };
  status: Record<string, never>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const hex = (s: string) => sha256(s).toString('hex');
const sameHash = (a: Buffer, hexB: string) => {
  const b = Buffer.from(hexB, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
};
const secret = () => randomBytes(24).toString('base64url');

export const TokenRequest = z
  .object({
    role: z.literal('node', { error: 'must be "node"' }).default('node'),
    ttl: z.number().int().min(60).max(10 * 365 * 86400).optional().describe('seconds until the token expires'),
    description: z.string().max(256).optional(),
  })
  .strict();

export const JoinRequest = z
  .object({ name: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be a lowercase host name') })
  .strict();

export class Auth {
  private readonly adminHash: Buffer;

  constructor(
    private readonly store: Store,
    adminToken: string,
  ) {
    this.adminHash = sha256(adminToken);
  }

  /** The caller behind a bearer token, or undefined when the token is not valid. */
  async authenticate(bearer: string): Promise<Principal | undefined> {
    const h = sha256(bearer);
    if (timingSafeEqual(h, this.adminHash)) return { role: 'admin' };
    const [kind, id] = bearer.split('.', 3);
    if (kind === 'lbj' && id) {
      const t = await this.store.get<JoinToken>(keys.token(id));
      if (t && sameHash(h, t.spec.hash) && (!t.spec.expires || Date.parse(t.spec.expires) > Date.now())) return { role: 'join', token: id };
    }
    if (kind === 'lbn' && id) {
      const c = await this.store.get<NodeCredential>(keys.credential(id));
      if (c && sameHash(h, c.spec.hash)) return { role: 'node', node: id };
    }
    return undefined;
  }

  /** A new join token; its secret is in the answer only. */
  async createToken(body: unknown): Promise<{ id: string; token: string; role: 'node'; expires?: string }> {
    const req = parseOrThrow(TokenRequest, body ?? {}, 'invalid token request');
    const id = randomBytes(6).toString('hex');
    const token = `lbj.${id}.${secret()}`;
    const expires = req.ttl ? new Date(Date.now() + req.ttl * 1000).toISOString() : undefined;
    const t: JoinToken = {
      kind: 'Token',
      version: 'v1',
      meta: newMeta({ name: id }),
      spec: { role: req.role, hash: hex(token), ...(expires ? { expires } : {}), ...(req.description ? { description: req.description } : {}) },
      status: {},
    };
    await this.store.txn(async (tx) => tx.put(keys.token(id), t));
    return { id, token, role: req.role, ...(expires ? { expires } : {}) };
  }

  async listTokens() {
    return (await this.store.list<JoinToken>(keys.token())).map((t) => ({ id: t.meta.name, role: t.spec.role, created: t.meta.created, expires: t.spec.expires, description: t.spec.description }));
  }

  deleteToken(id: string): Promise<void> {
    return this.store.txn(async (tx) => {
      if (!(await tx.get(keys.token(id)))) throw notFound(`token "${id}"`);
      tx.del(keys.token(id));
    });
  }

  /**
   * Joins (or re-joins) a node: issues its own credential, replacing an earlier one. The node object
   * itself appears with its first status report.
   */
  async join(body: unknown): Promise<{ node: string; token: string; agent_key: string }> {
    const { name } = parseOrThrow(JoinRequest, body, 'invalid join request');
    const token = `lbn.${name}.${secret()}`;
    const agentKey = secret();
    const c: NodeCredential = { kind: 'Credential', version: 'v1', meta: newMeta({ name }), spec: { hash: hex(token), agent_key: agentKey }, status: {} };
    await this.store.txn(async (tx) => tx.put(keys.credential(name), c));
    return { node: name, token, agent_key: agentKey };
  }

  async agentKey(node: string): Promise<string | undefined> {
    return (await this.store.get<NodeCredential>(keys.credential(node)))?.spec.agent_key;
  }
}

/** What each kind of caller may do. Admin: everything. Join: join. Node: its own node's routes. */
export function allowed(p: Principal, method: string, path: string): boolean {
  if (p.role === 'admin') return true;
  if (p.role === 'join') return method === 'POST' && path === '/cluster/join';
  const m = /^\/cluster\/node\/([^/]+)(\/(status|pod|stream|logs|ref\/(?:secret|config)\/[^/]+\/[^/]+))?$/.exec(path);
  if (!m || decodeURIComponent(m[1]) !== p.node) return false;
  const sub = m[3]?.startsWith('ref/') ? 'ref' : m[3];
  return (
    ((sub === undefined || sub === 'stream' || sub === 'ref') && method === 'GET') ||
    ((sub === 'status' || sub === 'pod') && method === 'PUT') ||
    (sub === 'logs' && method === 'POST')
  );
}

export function forbidden(p: Principal): LbError {
  return new LbError('FORBIDDEN', p.role === 'node' ? `node "${p.node}" may only read its own manifest and write its own status` : 'a join token may only join a node');
}
