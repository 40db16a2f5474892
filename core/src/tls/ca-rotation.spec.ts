// `lb ca rotate` against a real level store and real certificates: both CAs trusted during the rotation,
// node certificates from the new one, the old CA dropped only once every node renewed (or forced), a
// restart mid-rotation resuming it, and a certificate of the old CA no longer verifying afterwards.
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Auth, type NodeCredential } from '../auth/auth';
import { SecretBox } from '../state/secret-box';
import { Store } from '../store/store';
import { CaRotation, nodeStates } from './ca-rotation';
import { caHash } from './cert-info';
import { ClusterTls, type CaRecord } from './cluster-tls';
import { keys } from '../store/keys';
import { createCa, issue, newKeyPair } from './pki';

const certs = (bundle: string) => (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
/** Whether one of the CAs of `bundle` issued `pem`. */
const issuedBy = (pem: string, bundle: string) => {
  const c = new X509Certificate(pem);
  return certs(bundle).some((ca) => c.checkIssued(ca) && c.verify(ca.publicKey));
};

describe('nodeStates', () => {
  const cred = (name: string, spec: NodeCredential['spec']) => ({ kind: 'Credential', version: 'v1', meta: { name }, spec, status: {} }) as unknown as NodeCredential;

  it('counts joined nodes with a certificate, not the server\'s own node nor one without a certificate', () => {
    const states = nodeStates(
      [
        cred('b', { hash: 'h', cert_serial: '1', cert_ca: 'new' }),
        cred('a', { hash: 'h', cert_serial: '2', cert_ca: 'old' }),
        cred('legacy', { hash: 'h', cert_serial: '3' }),
        cred('server', { server: true }),
        cred('http-only', { hash: 'h' }),
      ],
      'new',
    );
    expect(states).toEqual([
      { name: 'a', on_new_ca: false },
      { name: 'b', on_new_ca: true },
      { name: 'legacy', on_new_ca: false },
    ]);
  });
});

describe('CaRotation', () => {
  let dir: string;
  let store: Store;
  const box = SecretBox.withKey(randomBytes(32));
  const opts = { san: [], node_cert_days: 365 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-ca-rot-'));
    store = new Store(join(dir, 'state'));
    await store.open();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused over plain HTTP and with the operator\'s own certificate, with the reason', async () => {
    await expect(new CaRotation(store, undefined).begin()).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/without TLS/) });
    await expect(new CaRotation(store, undefined, 'shared').status()).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    // The operator's own certificate: clients trust the operator's CA, not one this server could replace.
    const own = await createCa('acme-ca');
    const cert = await issue(own, { role: 'server', name: 'acme', sans: ['lb.acme.test'], days: 30 });
    const files = { cert: join(dir, 'own.crt'), key: join(dir, 'own.key'), ca: join(dir, 'own-ca.crt') };
    writeFileSync(files.cert, cert.cert);
    writeFileSync(files.key, cert.key);
    writeFileSync(files.ca, own.cert);
    const tls = await ClusterTls.open(store, box, { ...opts, ...files }, join(dir, 'own'), 'srv', []);
    await expect(new CaRotation(store, tls).begin()).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/operator's own certificate/) });
    expect((await store.get<CaRecord>(keys.ca()))?.next).toBeUndefined();
  });

  it('trusts both CAs while nodes renew, drops the old one once all did, and survives a restart in between', async () => {
    const tls = await ClusterTls.open(store, box, opts, join(dir, 'a'), 'srv', ['127.0.0.1']);
    const auth = new Auth(store, 'admin', box, tls);
    const rotation = new CaRotation(store, tls);
    const oldBundle = tls.bundle;
    const oldServer = tls.server.cert;
    let changes = 0;
    tls.onChange(() => changes++);

    // Two nodes joined before the rotation: their certificates are the old CA's.
    const join1 = async (name: string) => {
      const t = await auth.createToken({});
      const p = await auth.authenticate(t.token.split('.').slice(0, 3).join('.'));
      if (p?.role !== 'join') throw new Error('not a join token');
      return auth.join(p.token, { name, address: '127.0.0.1', public_key: (await newKeyPair()).publicKey });
    };
    const n1 = await join1('n1');
    await join1('n2');
    expect(n1.ca).toBe(oldBundle);
    expect((await rotation.status()).rotating).toBe(false);

    const begun = await rotation.begin();
    expect(begun).toMatchObject({ rotating: true, pending: ['n1', 'n2'] });
    expect(changes).toBe(1);
    expect(certs(tls.bundle)).toHaveLength(2);
    expect(tls.bundle.startsWith(oldBundle)).toBe(true);
    expect(tls.hash).toBe(caHash(tls.bundle));
    expect(readFileSync(join(dir, 'a', 'tls', 'ca.crt'), 'utf8')).toBe(tls.bundle);
    // The server keeps presenting the old CA's certificate: agents that have not renewed trust only that one.
    expect(tls.server.cert).toBe(oldServer);
    // Beginning again carries on with the same next CA.
    expect((await rotation.begin()).next).toBe(begun.next);

    // A renewal now gets a certificate from the new CA and the bundle of both.
    const renewed = await auth.renewCertificate('n1', { public_key: (await newKeyPair()).publicKey }, true);
    expect(renewed.ca).toBe(tls.bundle);
    expect(issuedBy(renewed.certificate, oldBundle)).toBe(false);
    expect(issuedBy(renewed.certificate, tls.bundle)).toBe(true);
    expect((await rotation.status()).pending).toEqual(['n2']);
    await expect(rotation.finish(false)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/n2/) });

    // A restart mid-rotation: the record says where it stood.
    const again = await ClusterTls.open(store, box, opts, join(dir, 'b'), 'srv', ['127.0.0.1']);
    expect(again.bundle).toBe(tls.bundle);
    expect(again.issuingId).toBe(tls.issuingId);

    await auth.renewCertificate('n2', { public_key: (await newKeyPair()).publicKey }, true);
    const done = await rotation.finish(false);
    expect(done.cut_off).toEqual([]);
    expect(certs(done.bundle)).toHaveLength(1);
    expect(issuedBy(renewed.certificate, done.bundle)).toBe(true);
    // The old CA's certificates (the node's first one, the server's own) verify no more; the server presents a new one.
    expect(issuedBy(n1.certificate!, done.bundle)).toBe(false);
    expect(issuedBy(oldServer, done.bundle)).toBe(false);
    expect(issuedBy(tls.server.cert, done.bundle)).toBe(true);
    expect(issuedBy(tls.client.cert, done.bundle)).toBe(true);
    expect(await rotation.status()).toMatchObject({ rotating: false, pending: [], ca_hash: caHash(done.bundle) });
    await expect(rotation.finish(false)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/no CA rotation/) });
  });

  it('a forced finish drops the old CA with nodes still on it, and names them', async () => {
    const tls = await ClusterTls.open(store, box, opts, join(dir, 'c'), 'srv', ['127.0.0.1']);
    const rotation = new CaRotation(store, tls);
    const s = await rotation.begin();
    expect(s.pending).toEqual(['n1', 'n2']);
    expect((await rotation.finish(true)).cut_off).toEqual(['n1', 'n2']);
  });
});
