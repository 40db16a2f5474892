import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigManifest, SecretManifest } from '@lastbackend/sdk';
import { configManifest, secretManifest } from './secret';

describe('lb secret create / lb config create', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'secret-create-'));
    writeFileSync(join(dir, 'tls.crt'), 'CERT\n');
    writeFileSync(join(dir, 'tls.key'), 'KEY\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds manifests the API schema takes', () => {
    const s = secretManifest('web-tls', { type: 'tls', fromFile: [join(dir, 'tls.crt'), join(dir, 'tls.key')], fromLiteral: [] });
    expect(s).toEqual({ kind: 'Secret', version: 'v1', meta: { name: 'web-tls' }, spec: { type: 'tls', data: { 'tls.crt': 'CERT\n', 'tls.key': 'KEY\n' } } });
    expect(SecretManifest.safeParse(s).success).toBe(true);
    const o = secretManifest('db', { fromFile: [], fromLiteral: ['user=admin', 'password=p=w'] });
    expect(o.spec).toEqual({ type: 'opaque', data: { user: 'admin', password: 'p=w' } });
    const c = configManifest('app', { fromFile: [`app.conf=${join(dir, 'tls.key')}`], fromLiteral: ['mode=prod'] });
    expect(c.spec).toEqual({ data: { 'app.conf': 'KEY\n', mode: 'prod' } });
    expect(ConfigManifest.safeParse(c).success).toBe(true);
  });

  it('refuses an unknown type before anything is sent', () => {
    expect(() => secretManifest('x', { type: 'generic', fromFile: [], fromLiteral: [] })).toThrow('type: must be opaque, auth, tls, not "generic"');
  });
});
