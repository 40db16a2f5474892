import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store';
import { keys } from '../store/keys';
import { Resources } from './resources';
import { keyId, SecretBox } from './secret-box';
import { openDataDirBox, SecretKeyRotation } from './secret-key-rotation';
import { ClusterTls, type CaRecord } from '../tls/cluster-tls';

describe('secret key rotation', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-skr-'));
    store = new Store(join(dir, 'state'));
    await store.open();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const setup = async () => {
    const { box } = openDataDirBox(dir);
    const r = new Resources(store, box);
    await r.createNamespace({ kind: 'Namespace', meta: { name: 'ns' } });
    for (const n of ['a', 'b', 'c']) await r.apply('ns', { manifests: [{ kind: 'Secret', meta: { name: n }, spec: { data: { v: `value-${n}` } } }] });
    return { box, r };
  };
  const sealedIds = async () => (await store.list<{ meta: { revision: number }; spec: { data: Record<string, string> } }>('secret/')).map((s) => s.spec.data.v.split(':')[2]);

  it('re-seals every secret under the new key, drops the old key, and every value still opens', async () => {
    const { box, r } = await setup();
    const old = readFileSync(join(dir, 'secret.key'));
    const rot = new SecretKeyRotation(store, box, dir);
    const out = await rot.rotate();
    expect(out.resealed).toBe(3);
    const now = readFileSync(join(dir, 'secret.key'));
    expect(now.equals(old)).toBe(false);
    expect(out.key_id).toBe(keyId(now));
    expect(existsSync(join(dir, 'secret.key.next')) || existsSync(join(dir, 'secret.key.prev'))).toBe(false);
    expect(new Set(await sealedIds())).toEqual(new Set([keyId(now)]));
    expect(await r.reveal('secret', 'ns', 'b')).toEqual({ v: 'value-b' });
    expect(box.keyIds).toEqual([keyId(now)]);
    // A fresh start reads the new key alone and opens everything.
    const again = new Resources(store, openDataDirBox(dir).box);
    expect(await again.reveal('secret', 'ns', 'c')).toEqual({ v: 'value-c' });
  });

  it('a crash at any step leaves every value readable, and a restart finishes the rotation', async () => {
    const { box } = await setup();
    const old = readFileSync(join(dir, 'secret.key'));
    const next = randomBytes(32);
    // Crashed after writing the new key and re-sealing one secret.
    writeFileSync(join(dir, 'secret.key.next'), next, { mode: 0o600 });
    box.promote(next);
    const a = await store.get<{ meta: { revision: number }; spec: { data: Record<string, string> } }>(keys.object('secret', 'ns', 'a'));
    const resealed: typeof a & object = { ...a!, spec: { ...a!.spec, data: { v: box.seal('value-a') } } };
    await store.txn(async (tx) => tx.put(keys.object('secret', 'ns', 'a'), resealed));
    // Crashed again between the two renames: secret.key.prev and secret.key.next only.
    renameSync(join(dir, 'secret.key'), join(dir, 'secret.key.prev'));
    const opened = openDataDirBox(dir);
    expect(opened.pending).toBe(true);
    expect(new Set(opened.box.keyIds)).toEqual(new Set([keyId(old), keyId(next)]));
    const r = new Resources(store, opened.box);
    for (const n of ['a', 'b', 'c']) expect(await r.reveal('secret', 'ns', n)).toEqual({ v: `value-${n}` });
    const out = await new SecretKeyRotation(store, opened.box, dir).resume();
    expect(out).toEqual({ key_id: keyId(next), resealed: 2 });
    expect(readFileSync(join(dir, 'secret.key')).equals(next)).toBe(true);
    expect(existsSync(join(dir, 'secret.key.prev'))).toBe(false);
    const fresh = new Resources(store, openDataDirBox(dir).box);
    for (const n of ['a', 'b', 'c']) expect(await fresh.reveal('secret', 'ns', n)).toEqual({ v: `value-${n}` });
  });

  it('re-seals the CA key and, mid CA rotation, the next CA key: both still open after the old secret key is gone', async () => {
    const { box } = await setup();
    const tls = await ClusterTls.open(store, box, { san: [], node_cert_days: 365 }, dir, 'srv', ['127.0.0.1']);
    await tls.beginRotation();
    await new SecretKeyRotation(store, box, dir).rotate();
    const rec = (await store.get<CaRecord>(keys.ca()))!;
    expect(box.sealedByPrimary(rec.key)).toBe(true);
    expect(box.sealedByPrimary(rec.next!.key)).toBe(true);
    // A server started with the new key alone opens both.
    const again = await ClusterTls.open(store, openDataDirBox(dir).box, { san: [], node_cert_days: 365 }, dir, 'srv', ['127.0.0.1']);
    expect(again.bundle).toBe(tls.bundle);
  });

  it('opens values sealed before key ids (enc:v1) with any key of the ring', () => {
    const k = randomBytes(32);
    const { createCipheriv } = require('node:crypto') as typeof import('node:crypto');
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', k, iv);
    const body = Buffer.concat([c.update('legacy', 'utf8'), c.final()]);
    const v1 = 'enc:v1:' + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
    const box = SecretBox.withKeys(randomBytes(32), [k]);
    expect(box.open(v1)).toBe('legacy');
    expect(box.sealedByPrimary(v1)).toBe(false);
  });
});
