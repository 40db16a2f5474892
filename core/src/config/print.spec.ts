import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'yaml';
import { main, type CliIo } from '../cli/main';
import { loadConfig } from './config';
import { MASKED, printableConfig } from './print';

describe('config: printed', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-cfg-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('shows drivers that are off as none and masks the token and the etcd password', () => {
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'drivers: { cni: none }\nstore: { etcd: { auth: { username: lb, password: s3cret-etcd } } }\n');
    const text = printableConfig(loadConfig({ file, env: {}, flags: { dataDir: dir, token: 'a-token-of-16-chars-or-more' } }));
    expect(text).not.toContain('a-token-of-16-chars-or-more');
    expect(text).not.toContain('s3cret-etcd');
    const shown = parse(text) as { token: string; drivers: Record<string, unknown>; store: { etcd: { auth: { username: string; password: string } } } };
    expect(shown.token).toBe(MASKED);
    expect(shown.store.etcd.auth).toEqual({ username: 'lb', password: MASKED });
    expect(shown.drivers.cni).toBe('none');
    expect(shown.drivers.cri).toEqual({ package: '@lastbackend/driver-docker', config: {} });
  });

  describe('lb server --print-config', () => {
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = {
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: (s: string) => err.push(s) },
        stdin: Readable.from([]),
        env: { LB_CLI_CONFIG: '/nonexistent/cli.json' },
        onInterrupt: () => () => undefined,
      };
      const code = await main(['node', 'lb', 'server', '--data-dir', dir, '--print-config', ...args], io);
      return { code, stdout: out.join(''), stderr: err.join('') };
    };

    it('prints the merged config as YAML and exits 0 without starting anything', async () => {
      const file = join(dir, 'c.yaml');
      writeFileSync(file, 'drivers:\n  cni: { config: { mtu: 1400 } }\nnetwork: { service_cidr: 10.99.0.0/16 }\n');
      const r = await run(['--config', file, '--token', 'flag-token-0123456789', '--listen', '127.0.0.1:3999']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const shown = parse(r.stdout) as { listen: string; token: string; data_dir: string; drivers: Record<string, { package: string; config: object }>; network: object };
      expect(r.stdout).not.toContain('flag-token-0123456789');
      expect(shown.token).toBe(MASKED);
      expect(shown.listen).toBe('127.0.0.1:3999');
      expect(shown.data_dir).toBe(dir);
      expect(shown.drivers.cri.package).toBe('@lastbackend/driver-docker');
      expect(shown.drivers.cni).toEqual({ package: '@lastbackend/driver-vxlan', config: { mtu: 1400 } });
      expect(shown.network).toEqual({ cluster_cidr: '10.210.0.0/16', node_prefix: 24, service_cidr: '10.99.0.0/16' });
      expect(r.stdout.split('\n')[0]).toContain(file);
    });

    it('exits 1 naming the bad field of an invalid file', async () => {
      const file = join(dir, 'c.yaml');
      writeFileSync(file, 'drivers: { cni: vxlan }\n');
      const r = await run(['--config', file]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^lb server: invalid config .*drivers\.cni: must be none/);
    });
  });
});
