import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config';

describe('config: the default quota of new namespaces', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-cfg-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is none by default, and read from quota.default in the file', () => {
    expect(loadConfig({ env: {}, flags: { dataDir: dir } }).quota).toEqual({});
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'quota:\n  default: { limits: { cpu: 4, ram: 8gib, pods: 20 }, defaults: { ram: 128mib } }\n');
    expect(loadConfig({ file, env: {}, flags: { dataDir: dir } }).quota.default).toEqual({ limits: { cpu: 4, ram: '8gib', pods: 20 }, defaults: { ram: '128mib' } });
  });

  it('--default-quota lays its keys over the file', () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'quota:\n  default: { limits: { cpu: 4, ram: 8gib } }\n');
    const cfg = loadConfig({ file, env: {}, flags: { dataDir: dir, defaultQuota: 'ram=2gib, pods=10,storage=50gib,default-cpu=100m' } });
    expect(cfg.quota.default).toEqual({ limits: { cpu: 4, ram: '2gib', pods: 10, storage: '50gib' }, defaults: { cpu: '100m' } });
  });

  it('refuses an unknown key, a pair without a value and a bad quantity, naming them', () => {
    expect(() => loadConfig({ env: {}, flags: { dataDir: dir, defaultQuota: 'gpus=2' } })).toThrow(/unknown key "gpus"/);
    expect(() => loadConfig({ env: {}, flags: { dataDir: dir, defaultQuota: 'ram' } })).toThrow(/"ram" must be key=value/);
    expect(() => loadConfig({ env: {}, flags: { dataDir: dir, defaultQuota: 'ram=lots' } })).toThrow(/quota\.default\.limits\.ram: must be a size/);
    expect(() => loadConfig({ env: {}, flags: { dataDir: dir, defaultQuota: 'pods=-1' } })).toThrow(/quota\.default\.limits\.pods/);
  });
});
