// The `lb` launcher (core/bin/lb.js's shell lines), run by its #! line as a user's shell runs it:
// - client commands start without Node's NODE_EXTRA_CA_CERTS (read at start-up, needed or not), and still
//   trust its CAs where the default trust is used: the API server given no CA, a manifest URL;
// - `lb server` keeps NODE_EXTRA_CA_CERTS and runs with the server's node options and malloc tunables.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LB, TestServer, freePort, uniq, waitFor, type RunResult } from './harness';

/** `lb ARGS…` by its #! line (not `node lb.js`), with exactly ENV (PATH and HOME added). */
function lbByShebang(args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((res) => {
    execFile(LB, args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('the lb launcher', () => {
  let s: TestServer;
  let tmp = '';
  let manifests: Server;
  let manifestUrl = '';
  /** The API server's CA and the manifest server's certificate, as one NODE_EXTRA_CA_CERTS bundle. */
  let extraCas = '';
  const ns = uniq('launch');

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lb-launcher-'));
    s = await TestServer.start({ agent: false });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    // A manifest served over https by a certificate of its own (self-signed: its own CA).
    const key = join(tmp, 'key.pem');
    const cert = join(tmp, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const manifest = `kind: Service\nversion: v1\nmeta: { name: from-url }\nspec: { replicas: 0, template: { containers: [{ name: c, image: { name: busybox:1 } }] } }\n`;
    manifests = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => res.end(manifest));
    await new Promise<void>((r) => manifests.listen(0, '127.0.0.1', r));
    manifestUrl = `https://127.0.0.1:${(manifests.address() as AddressInfo).port}/web.yaml`;
    extraCas = join(tmp, 'extra-cas.pem');
    writeFileSync(extraCas, readFileSync(s.caFile, 'utf8') + readFileSync(cert, 'utf8'));
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => manifests?.close(r));
    await s?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** The server and token, no CA of lb's own: the default trust decides. */
  const clientEnv = () => ({ LB_SERVER: s.url, LB_TOKEN: s.token, LB_CLI_CONFIG: join(tmp, 'cli.json') });

  it('a client trusts the API server through NODE_EXTRA_CA_CERTS alone, as node itself would', async () => {
    const trusted = await lbByShebang(['get', 'namespaces'], { ...clientEnv(), NODE_EXTRA_CA_CERTS: extraCas });
    expect(trusted.stderr).toBe('');
    expect(trusted).toMatchObject({ code: 0, stdout: expect.stringContaining(ns) });
    // Without it, the same command does not trust the server: the extra CAs are what made it work.
    const untrusted = await lbByShebang(['get', 'namespaces'], clientEnv());
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/certificate|CA/i);
  });

  it('a manifest URL is fetched with NODE_EXTRA_CA_CERTS trusted', async () => {
    const withCa = { ...clientEnv(), LB_CA_FILE: s.caFile };
    const refused = await lbByShebang(['apply', '-f', manifestUrl, '-n', ns], withCa);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(new RegExp(`cannot fetch ${manifestUrl.replace(/[.]/g, '\\.')}: \\S*(CERT|SELF_SIGNED|VERIFY)`));
    const applied = await lbByShebang(['apply', '-f', manifestUrl, '-n', ns], { ...withCa, NODE_EXTRA_CA_CERTS: extraCas });
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect((await s.client.service(ns, 'from-url')).meta.name).toBe('from-url');
  });

  it('lb server keeps NODE_EXTRA_CA_CERTS and runs with the server node options and malloc tunables', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-launcher-server-'));
    const port = await freePort();
    const proc = spawn(LB, ['server', '--no-agent', '--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--token', 'launcher-token-0123456789', '--log-level', 'warn'], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: extraCas, GLIBC_TUNABLES: undefined },
      stdio: 'ignore',
    });
    try {
      // The launcher execs node in its own place: the pid is the server's once its command line is node's.
      const argv = await waitFor(
        async () => readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0'),
        (a) => a.includes('server') && !a[0].endsWith('sh'),
        'lb server exec',
        10_000,
      );
      const options = readFileSync(LB, 'utf8').match(/^':' \/\/; SERVER_NODE_OPTIONS='([^']*)'$/m)?.[1];
      expect(options).toBeTruthy();
      expect(argv.slice(1, 1 + options!.split(' ').length)).toEqual(options!.split(' '));
      const environ = readFileSync(`/proc/${proc.pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain(`NODE_EXTRA_CA_CERTS=${extraCas}`);
      // glibc's malloc tunables for the server (GLIBC_TUNABLES was not set by the caller). glibc parses the
      // variable in place, ending each tunable with a NUL: here they read as entries of their own.
      const tunables = readFileSync(LB, 'utf8').match(/^':' \/\/; SERVER_MALLOC='([^']*)'$/m)?.[1].split(':') ?? [];
      expect(tunables[0]).toMatch(/^glibc\.malloc\./);
      expect(environ).toContain(`GLIBC_TUNABLES=${tunables[0]}`);
      for (const t of tunables.slice(1)) expect(environ).toContain(t);
    } finally {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
