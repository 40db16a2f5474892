// Started without a token, the server generates one, keeps it across restarts and writes it where
// the CLI finds it; the CLI then works with no LB_* variables at all.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tlsDispatcher } from '@lastbackend/sdk';
import { DEFAULT_OVERLAY, LB, freePort, lb, removeHostOverlay, uniq, waitFor } from './harness';

describe('defaults', () => {
  it('generates a token, writes the CLI config (0600) and keeps the token across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-defaults-'));
    const cliConfig = join(dir, 'cli.json');
    const port = await freePort();
    const node = uniq('dflt');
    const env = { ...process.env, LB_CLI_CONFIG: cliConfig, LB_SERVER: '', LB_TOKEN: '' };
    delete (env as Record<string, string | undefined>).LB_SERVER;
    delete (env as Record<string, string | undefined>).LB_TOKEN;
    const start = () => spawn(process.execPath, [LB, 'server', '--data-dir', join(dir, 'data'), '--listen', `127.0.0.1:${port}`, '--name', node], { env, stdio: 'ignore' });
    const stop = (p: ReturnType<typeof start>, signal: NodeJS.Signals = 'SIGTERM') =>
      p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => (p.once('exit', r), p.kill(signal)));
    const cliEnv = { LB_CLI_CONFIG: cliConfig };
    let server = start();
    try {
      const r = await waitFor(() => lb(['get', 'nodes', '-o', 'json'], cliEnv), (x) => x.code === 0 && x.stdout.includes(node), 'CLI works from its config file');
      expect(r.code).toBe(0);
      const cfg = JSON.parse(readFileSync(cliConfig, 'utf8')) as { server: string; token: string; ca: string };
      // The CLI on this machine goes through the server's unix socket (no TLS to set up per command).
      const socket = join(dir, 'data', 'api.sock');
      expect(cfg.server).toBe(`unix://${socket}`);
      expect(statSync(socket).isSocket() && statSync(socket).mode & 0o777).toBe(0o600);
      // The socket takes the token as the https listener does: reaching the file is not enough.
      const viaSocket = (token?: string) => execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--unix-socket', socket, ...(token ? ['-H', `Authorization: Bearer ${token}`] : []), 'http://localhost/namespace'], { encoding: 'utf8' });
      expect(viaSocket()).toBe('401');
      expect(viaSocket('not-the-token-0123456789')).toBe('401');
      expect(viaSocket(cfg.token)).toBe('200');
      // TLS by default on the network: the CLI config carries the cluster CA, the same one `curl --cacert` takes.
      const https = `https://127.0.0.1:${port}`;
      expect(cfg.ca).toBe(readFileSync(join(dir, 'data', 'tls', 'ca.crt'), 'utf8'));
      expect(execFileSync('curl', ['-s', '--cacert', join(dir, 'data', 'tls', 'ca.crt'), `${https}/healthz`], { encoding: 'utf8' })).toContain('"ok"');
      expect(cfg.token.length).toBeGreaterThanOrEqual(24);
      expect(statSync(cliConfig).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
      expect((await fetch(`${https}/namespace`, { dispatcher: tlsDispatcher({ ca: cfg.ca }) } as RequestInit)).status).toBe(401);

      // Killed, the server leaves its socket file; started again, it takes it over.
      await stop(server, 'SIGKILL');
      expect(statSync(socket).isSocket()).toBe(true);
      server = start();
      await waitFor(() => lb(['get', 'namespaces'], cliEnv), (x) => x.code === 0 && x.stdout.includes('default'), 'same token after restart');
      expect((JSON.parse(readFileSync(cliConfig, 'utf8')) as { token: string }).token).toBe(cfg.token);
      await stop(server);
      expect(existsSync(socket)).toBe(false); // removed by a server that stops
    } finally {
      await stop(server);
      rmSync(dir, { recursive: true, force: true });
      removeHostOverlay(DEFAULT_OVERLAY); // the server ran on the defaults: vxlan built lb0
      // The default CPI (nftables here, as the kernel has no ip_vs) keeps its table for running workloads.
      try {
        execFileSync('nft', ['delete', 'table', 'ip', 'lastbackend'], { stdio: 'ignore' });
      } catch {
        /* not made */
      }
    }
  });
});
