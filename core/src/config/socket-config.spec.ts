import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servedBy } from '../modules/served';
import { loadConfig } from './config';

describe('config: socket (the API on a unix socket)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-cfg-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const load = (yaml: string, dataDir = dir) => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, yaml);
    return loadConfig({ file, env: {}, flags: { dataDir, token: 'a-token-of-16-chars-or-more' } });
  };

  it('is <data dir>/api.sock by default, the path given, or none for ""', () => {
    expect(servedBy(load('{}')).socket).toEqual({ path: join(dir, 'api.sock'), url: `unix://${join(dir, 'api.sock')}` });
    expect(servedBy(load('socket: /run/lb/api.sock\n')).socket).toEqual({ path: '/run/lb/api.sock', url: 'unix:///run/lb/api.sock' });
    expect(servedBy(load('socket: ""\n')).socket).toBeUndefined();
  });

  it('has none by default when the data dir is too deep for a socket path, and refuses such a path given', () => {
    const deep = join(dir, 'd'.repeat(100));
    expect(servedBy(load('{}', deep)).socket).toBeUndefined();
    expect(() => load(`socket: /${'s'.repeat(120)}\n`)).toThrow(/socket[\s\S]*107 bytes/);
    expect(() => load('socket: relative/api.sock\n')).toThrow(/socket[\s\S]*absolute path/);
  });
});
