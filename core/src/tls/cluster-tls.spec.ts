// The cluster CA and the server certificate: the addresses it covers, the user's own certificate, one
// CA shared by servers on one store, and a server with another secret key refused.
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../state/secret-box';
import { Store } from '../store/store';
import { ClusterTls } from './cluster-tls';
import { caHash } from './cert-info';
import { createCa, issue } from './pki';

describe('ClusterTls', () => {
  let dir: string;
  let store: Store;
  const key = randomBytes(32);
  const opts = { san: ['lb.example.com', '10.9.8.7'], node_cert_days: 365 };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-tls-'));
    store = new Store(join(dir, 'state'));
    await store.open();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues a server certificate for loopback, the listen addresses and every --tls-san, from the cluster CA', async () => {
    const tls = await ClusterTls.open(store, SecretBox.withKey(key), opts, join(dir, 'a'), 's1@https://192.0.2.10:2967', ['192.0.2.10']);
    const cert = new X509Certificate(tls.server.cert);
    for (const name of ['IP Address:127.0.0.1', 'DNS:localhost', 'IP Address:192.0.2.10', 'DNS:lb.example.com', 'IP Address:10.9.8.7']) expect(cert.subjectAltName).toContain(name);
    expect(cert.verify(new X509Certificate(tls.caCert).publicKey)).toBe(true);
    expect(readFileSync(join(dir, 'a', 'tls', 'ca.crt'), 'utf8')).toBe(tls.bundle);
    expect(tls.hash).toBe(caHash(tls.bundle));
  });

  it('gives every server on one store the same CA; a server with another secret key cannot open it', async () => {
    const a = await ClusterTls.open(store, SecretBox.withKey(key), opts, join(dir, 'a'), 's1', ['127.0.0.1']);
    const b = await ClusterTls.open(store, SecretBox.withKey(key), opts, join(dir, 'b'), 's2', ['127.0.0.1']);
    expect(b.caCert).toBe(a.caCert);
    expect(b.hash).toBe(a.hash);
    await expect(ClusterTls.open(store, SecretBox.withKey(randomBytes(32)), opts, join(dir, 'c'), 's3', [])).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringMatching(/secret_key_file/),
    });
  });

  it("serves the user's own certificate, and its CA beside the cluster's", async () => {
    const own = await createCa('acme-ca');
    const cert = await issue(own, { role: 'server', name: 'acme', sans: ['lb.acme.test'], days: 30 });
    const files = { cert: join(dir, 'own.crt'), key: join(dir, 'own.key'), ca: join(dir, 'own-ca.crt') };
    writeFileSync(files.cert, cert.cert);
    writeFileSync(files.key, cert.key);
    writeFileSync(files.ca, own.cert);
    const tls = await ClusterTls.open(store, SecretBox.withKey(key), { ...opts, ...files }, join(dir, 'd'), 's4', []);
    expect(tls.server.cert).toBe(cert.cert);
    expect(tls.bundle).toBe(tls.caCert + own.cert);
    await expect(ClusterTls.open(store, SecretBox.withKey(key), { ...opts, cert: files.cert }, join(dir, 'e'), 's5', [])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
