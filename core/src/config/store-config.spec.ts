import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config';

describe('config: store', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-cfg-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to level', () => {
    const cfg = loadConfig({ env: {}, flags: { dataDir: dir } });
    expect(cfg.store.backend).toBe('level');
    expect(cfg.store.etcd).toEqual({ endpoints: ['http://127.0.0.1:2379'], prefix: '/lastbackend/', lease_ttl: 5 });
  });

  it('reads the etcd section from the file', () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'store:\n  backend: etcd\n  etcd: { endpoints: [http://10.0.0.1:2379], lease_ttl: 3 }\n  secret_key_file: /etc/lb/key\n');
    const cfg = loadConfig({ file, env: {}, flags: { dataDir: dir } });
    expect(cfg.store).toEqual({ backend: 'etcd', etcd: { endpoints: ['http://10.0.0.1:2379'], prefix: '/lastbackend/', lease_ttl: 3 }, secret_key_file: '/etc/lb/key' });
  });

  it('$LB_ETCD_ENDPOINTS selects etcd and $LB_SECRET_KEY_FILE names the key', () => {
    const cfg = loadConfig({ env: { LB_ETCD_ENDPOINTS: 'http://a:2379, http://b:2379', LB_SECRET_KEY_FILE: '/k' }, flags: { dataDir: dir } });
    expect(cfg.store.backend).toBe('etcd');
    expect(cfg.store.etcd.endpoints).toEqual(['http://a:2379', 'http://b:2379']);
    expect(cfg.store.secret_key_file).toBe('/k');
  });

  it('rejects an endpoint that is not a URL and a lease shorter than 2 s', () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'store: { backend: etcd, etcd: { endpoints: ["10.0.0.1:2379"], lease_ttl: 1 } }\n');
    expect(() => loadConfig({ file, env: {}, flags: { dataDir: dir } })).toThrow(/endpoints[\s\S]*lease_ttl|lease_ttl[\s\S]*endpoints/);
  });
});
