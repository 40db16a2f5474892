// Join tokens and node credentials against a real level store and a real cluster CA: the take-over
// attacks of issue 11 (token reuse, a taken name, the server's own node) and what a node must present.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../state/secret-box';
import { keys } from '../store/keys';
import { Store } from '../store/store';
import { ClusterTls } from '../tls/cluster-tls';
import { identity, serialOf, type PeerIdentity } from '../tls/cert-info';
import { newKeyPair } from '../tls/pki';
import { allowed, Auth, principalName, type NodeCredential } from './auth';

describe('Auth', () => {
  let dir: string;
  let store: Store;
  let tls: ClusterTls;
  let auth: Auth;
  const box = SecretBox.withKey(randomBytes(32));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-auth-'));
    store = new Store(join(dir, 'state'));
    await store.open();
    tls = await ClusterTls.open(store, box, { san: [], node_cert_days: 365 }, dir, 'srv@https://127.0.0.1:1', ['127.0.0.1']);
    auth = new Auth(store, 'admin-token-for-the-test', box, tls);
    await auth.reserveServerNode('server-node');
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const bearerOf = (token: string) => token.split('.').slice(0, 3).join('.');
  const joinAs = async (token: string, name: string) => {
    const p = await auth.authenticate(bearerOf(token));
    if (p?.role !== 'join') throw new Error(`not a join token: ${JSON.stringify(p)}`);
    const k = await newKeyPair();
    return { ...(await auth.join(p.token, { name, address: '127.0.0.1', public_key: k.publicKey })), key: k.key };
  };
  const peerOf = (cert: string): PeerIdentity => {
    const c = new (require('node:crypto').X509Certificate)(cert) as { subject: string; serialNumber: string; validTo: string };
    const subject = Object.fromEntries(c.subject.split('\n').map((l) => l.split('=')));
    return identity({ subject, serialNumber: c.serialNumber, valid_to: c.validTo })!;
  };

  it('a join token carries the CA hash and is used up by its first join', async () => {
    const t = await auth.createToken({});
    expect(t.token.split('.')[3]).toBe(tls.hash);
    expect(t.uses_left).toBe(1);
    expect(Date.parse(t.expires) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    const first = await joinAs(t.token, 'n-once');
    expect(first.certificate).toContain('BEGIN CERTIFICATE');
    // Reused: the token is gone, and the node that joined keeps working.
    expect(await auth.authenticate(bearerOf(t.token))).toBeUndefined();
    const p = await auth.authenticate(first.token, peerOf(first.certificate!));
    expect(p).toEqual({ role: 'node', node: 'n-once', certified: true });
  });

  it('--uses N allows N joins, then none', async () => {
    const t = await auth.createToken({ uses: 2 });
    await joinAs(t.token, 'n-a');
    expect((await auth.listTokens()).find((x) => x.id === t.id)?.uses_left).toBe(1);
    await joinAs(t.token, 'n-b');
    expect(await auth.authenticate(bearerOf(t.token))).toBeUndefined();
  });

  it('refuses a join under a name that already has a credential, and the existing one still works', async () => {
    const t1 = await auth.createToken({});
    const real = await joinAs(t1.token, 'n-victim');
    const t2 = await auth.createToken({});
    await expect(joinAs(t2.token, 'n-victim')).rejects.toMatchObject({ code: 'ALREADY_EXISTS', message: expect.stringMatching(/n-victim.*has already joined.*lb delete node n-victim/) });
    expect(await auth.authenticate(real.token, peerOf(real.certificate!))).toMatchObject({ role: 'node', node: 'n-victim', certified: true });
    // The refused join did not use the token up.
    expect((await auth.listTokens()).find((x) => x.id === t2.id)?.uses_left).toBe(1);
  });

  it('a token made for a node gives it a new credential (a machine that lost its own); the old one stops working', async () => {
    const old = await joinAs((await auth.createToken({})).token, 'n-lost');
    const again = await joinAs((await auth.createToken({ node: 'n-lost' })).token, 'n-lost');
    expect(await auth.authenticate(old.token, peerOf(old.certificate!))).toBeUndefined();
    expect(await auth.authenticate(again.token, peerOf(again.certificate!))).toMatchObject({ node: 'n-lost', certified: true });
  });

  it("refuses a join as the server's own node, even with a token made for it", async () => {
    await expect(joinAs((await auth.createToken({ node: 'server-node' })).token, 'server-node')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    const t = await auth.createToken({});
    await expect(joinAs(t.token, 'server-node')).rejects.toMatchObject({ code: 'ALREADY_EXISTS', message: expect.stringMatching(/API server's own node/) });
  });

  it('a token bound to a node joins only that node', async () => {
    const t = await auth.createToken({ node: 'n-bound' });
    await expect(joinAs(t.token, 'n-other')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/for node "n-bound"/) });
    await joinAs(t.token, 'n-bound');
  });

  it('an expired or revoked token joins nothing', async () => {
    const t = await auth.createToken({ ttl: 60 });
    const now = Date.now();
    const spy = jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
    try {
      expect(await auth.authenticate(bearerOf(t.token))).toBeUndefined();
      expect((await auth.listTokens()).map((x) => x.id)).not.toContain(t.id);
    } finally {
      spy.mockRestore();
    }
    const r = await auth.createToken({});
    await auth.revokeToken(r.id);
    expect(await auth.authenticate(bearerOf(r.token))).toBeUndefined();
  });

  it('an API token: its role, namespaces and description make the caller; no CA hash, no uses, 30 days by default', async () => {
    const t = await auth.createToken({ role: 'deployer', namespaces: ['b', 'a', 'b'], description: 'ci' });
    expect(t.token).toMatch(/^lbt\.[0-9a-f]{12}\.[\w-]+$/);
    expect(t).toMatchObject({ role: 'deployer', namespaces: ['a', 'b'], description: 'ci' });
    expect(t.uses_left).toBeUndefined();
    expect((Date.parse(t.expires) - Date.now()) / 86_400_000).toBeCloseTo(30, 2);
    const p = await auth.authenticate(t.token);
    expect(p).toEqual({ role: 'deployer', token: t.id, description: 'ci', namespaces: ['a', 'b'] });
    expect(principalName(p)).toBe('ci');
    const v = await auth.createToken({ role: 'viewer', ttl: 3600 });
    const pv = await auth.authenticate(v.token);
    expect(pv).toEqual({ role: 'viewer', token: v.id });
    expect(principalName(pv)).toBe(`token/${v.id}`);
    expect(Date.parse(v.expires) - Date.now()).toBeLessThanOrEqual(3600_000);
    expect((await auth.listTokens()).find((x) => x.id === t.id)).toEqual({ id: t.id, role: 'deployer', created: expect.any(String), expires: t.expires, namespaces: ['a', 'b'], description: 'ci' });
    expect(principalName(await auth.authenticate('admin-token-for-the-test'))).toBe('admin');
    expect(principalName(undefined)).toBe('anonymous');
  });

  it('an API token is no join token, nor the other way round, and expires and is revoked like one', async () => {
    const api = await auth.createToken({ role: 'admin' });
    const [, id, sec] = api.token.split('.');
    expect(await auth.authenticate(`lbj.${id}.${sec}`)).toBeUndefined();
    await expect(auth.join(id, { name: 'n-api', address: '127.0.0.1', public_key: (await newKeyPair()).publicKey })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const j = await auth.createToken({ role: 'node' });
    const [, jid, jsec] = bearerOf(j.token).split('.');
    expect(await auth.authenticate(`lbt.${jid}.${jsec}`)).toBeUndefined();
    const spy = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 30 * 86_400_000 + 1000);
    try {
      expect(await auth.authenticate(api.token)).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
    expect(await auth.authenticate(api.token)).toMatchObject({ role: 'admin', token: id });
    await auth.revokeToken(id);
    expect(await auth.authenticate(api.token)).toBeUndefined();
  });

  it('refuses options that do not fit the role, naming the field', async () => {
    const refused = async (body: object, field: string, reason: RegExp) =>
      expect(auth.createToken(body)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { fields: [{ field, reason: expect.stringMatching(reason) }] } });
    await refused({ role: 'viewer', uses: 2 }, 'uses', /only for node tokens, not viewer/);
    await refused({ role: 'admin', node: 'n1' }, 'node', /only for node tokens/);
    await refused({ role: 'admin', namespaces: ['a'] }, 'namespaces', /only for deployer and viewer tokens, not admin/);
    await refused({ role: 'node', namespaces: ['a'] }, 'namespaces', /only for deployer and viewer/);
    await refused({ role: 'root' }, 'role', /must be node, admin, deployer or viewer/);
    await refused({ role: 'viewer', namespaces: ['Not A Name'] }, 'namespaces.0', /./);
    await refused({ role: 'viewer', description: 'admin' }, 'description', /name other callers/);
    await refused({ role: 'viewer', description: 'node/n1' }, 'description', /name other callers/);
    expect((await store.list(keys.token())).length).toBe((await auth.listTokens()).length);
  });

  it('over TLS a node needs its current certificate; an old one stops counting when it is renewed', async () => {
    const t = await auth.createToken({});
    const j = await joinAs(t.token, 'n-cert');
    const old = peerOf(j.certificate!);
    expect(await auth.authenticate(j.token)).toMatchObject({ certified: false });
    const p = (await auth.authenticate(j.token))!;
    expect(allowed(p, 'GET', '/cluster/node/n-cert/stream')).toBe(false);
    expect(allowed(p, 'POST', '/cluster/node/n-cert/certificate')).toBe(true);
    // Without its certificate a node that has one cannot get another (a stolen bearer token is not enough).
    const k = await newKeyPair();
    await expect(auth.renewCertificate('n-cert', { public_key: k.publicKey }, false)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const renewed = await auth.renewCertificate('n-cert', { public_key: k.publicKey }, true);
    expect(await auth.authenticate(j.token, old)).toMatchObject({ certified: false });
    expect(await auth.authenticate(j.token, peerOf(renewed.certificate))).toMatchObject({ certified: true });
    const cred = await store.get<NodeCredential>(keys.credential('n-cert'));
    expect(cred?.spec.cert_serial).toBe(serialOf(renewed.certificate));
  });

  it('the store holds no secret that acts as a node or as a server towards an agent', async () => {
    const t = await auth.createToken({});
    const j = await joinAs(t.token, 'n-store');
    const dump = JSON.stringify(await store.entries(''));
    expect(dump).not.toContain(j.token);
    expect(dump).not.toContain(bearerOf(t.token));
    expect(dump).not.toContain(auth.agentKey('n-store'));
    expect(dump).not.toContain(tls.client.key.split('\n')[1]);
    expect(dump).not.toMatch(/BEGIN PRIVATE KEY/);
  });
});

describe('Auth over plain HTTP', () => {
  let dir: string;
  let store: Store;
  const box = SecretBox.withKey(randomBytes(32));
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-auth-http-'));
    store = new Store(join(dir, 'state'));
    await store.open();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a joining node the derived agent key, and drops agent keys that older releases stored', async () => {
    const auth = new Auth(store, 'admin-token-for-the-test', box);
    const p = await auth.authenticate((await auth.createToken({})).token);
    const j = await auth.join(p?.role === 'join' ? p.token : '', { name: 'n-http', address: '127.0.0.1' });
    expect(j.agent_key).toBe(auth.agentKey('n-http'));
    expect(j.certificate).toBeUndefined();
    expect(await auth.authenticate(j.token)).toEqual({ role: 'node', node: 'n-http', certified: true });
    await store.txn(async (tx) => {
      const c = (await tx.get<NodeCredential>(keys.credential('n-http')))!;
      tx.put(keys.credential('n-http'), { ...c, spec: { ...c.spec, agent_key: 'stored-by-an-older-release' } } as NodeCredential);
    });
    expect(await auth.forgetStoredAgentKeys()).toBe(1);
    expect(JSON.stringify(await store.entries(''))).not.toContain('stored-by-an-older-release');
    expect((await store.get<NodeCredential>(keys.credential('n-http')))?.spec.hash).toBeDefined();
  });
});
