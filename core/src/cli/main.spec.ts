import { Readable } from 'node:stream';
import { main, type CliIo } from './main';

function fakeIo(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    stdin: Readable.from([]),
    // Nothing listens here: no test needs a server.
    env: { LB_SERVER: 'http://127.0.0.1:9', LB_CLI_CONFIG: '/nonexistent/cli.json', ...env },
    onInterrupt: () => () => undefined,
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

const lb = async (...args: string[]) => {
  const f = fakeIo();
  const code = await main(['node', 'lb', ...args], f.io);
  return { code, stdout: f.out(), stderr: f.err() };
};

describe('lb main', () => {
  it('prints help and exits 0', async () => {
    const r = await lb('--help');
    expect(r.code).toBe(0);
    for (const c of ['server', 'apply', 'run', 'get', 'inspect', 'scale', 'logs', 'exec', 'delete', 'rollback', 'export', 'version'])
      expect(r.stdout).toContain(`  ${c} `);
  });

  it('exits non-zero on a usage error', async () => {
    const r = await lb('get');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^error: missing required argument 'kind'/);
  });

  it('prints exactly one error line for an unknown kind', async () => {
    const r = await lb('get', 'gadgets');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: unknown kind gadgets \(one of namespace, service, .*cluster\)\n$/);
  });

  it('checks replicas before calling the server', async () => {
    for (const n of ['-1', '1.5', 'many']) {
      const r = await lb('scale', 'web', n);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('error: replicas: must be a whole number ≥ 0\n');
    }
  });

  it('validates manifests before calling the server', async () => {
    const f = fakeIo();
    f.io.stdin = Readable.from(['kind: Service\nmeta: {name: web}\nspec:\n  replicas: -1\n  template: {containers: [{name: web, image: {name: x}}]}\n']);
    const code = await main(['node', 'lb', 'apply', '-f', '-'], f.io);
    expect(code).toBe(1);
    expect(f.err()).toBe('error: invalid manifest: documents.0.spec.replicas: must be 0 or more\n');
  });

  it('reports an unreachable server on one line', async () => {
    const r = await lb('get', 'ns');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach the API server at http:\/\/127\.0\.0\.1:9 .*\n$/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exec needs a command', async () => {
    const r = await lb('exec', 'pod-1');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: exec needs a command: lb exec POD -- COMMAND [ARGS...]\n');
  });
});
