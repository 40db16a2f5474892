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
    for (const c of ['server', 'apply', 'run', 'get', 'inspect', 'scale', 'logs', 'exec', 'port-forward', 'delete', 'rollback', 'export', 'version'])
      expect(r.stdout).toContain(`  ${c} `);
  });

  it('exits 2 on a usage error: missing argument, unknown command or flag, bad flag value', async () => {
    const missing = await lb('get');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: missing required argument 'kind'/);
    expect((await lb()).code).toBe(2); // no command: the help, as an error
    expect(await lb('frobnicate')).toEqual({ code: 2, stdout: '', stderr: "error: unknown command 'frobnicate'\n" });
    expect((await lb('get', 'pods', '--bogus')).code).toBe(2);
    expect(await lb('get', 'pods', '-o', 'xml')).toEqual({ code: 2, stdout: '', stderr: 'error: output: unknown format "xml" (one of table, wide, name, json, yaml)\n' });
    expect((await lb('inspect', 'svc', 'web', '-o', 'wide')).code).toBe(2);
    expect((await lb('logs', 'web', '--since', 'yesterday')).code).toBe(2);
    expect((await lb('get', 'svc', 'a', 'b')).code).toBe(2); // too many arguments
    expect((await lb('completion', 'tcsh')).code).toBe(2);
    // help and version are not errors
    expect((await lb('get', '--help')).code).toBe(0);
    expect((await lb('--version')).code).toBe(0);
  });

  it('suggests the command, flag or kind meant, on one line', async () => {
    expect(await lb('gte', 'pods')).toEqual({ code: 2, stdout: '', stderr: 'error: unknown command \'gte\': did you mean "get"?\n' });
    expect((await lb('delte', 'svc', 'web')).stderr).toBe('error: unknown command \'delte\': did you mean "delete"?\n');
    expect((await lb('token', 'creat')).stderr).toBe('error: unknown command \'creat\': did you mean "create"?\n');
    expect(await lb('get', 'pods', '--namespce', 'x')).toEqual({ code: 2, stdout: '', stderr: 'error: unknown option \'--namespce\': did you mean "--namespace"?\n' });
    const kind = await lb('get', 'srvices');
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/^error: unknown kind srvices \(one of namespace, .*cluster, job, task\): did you mean "services"\?\n$/);
    expect((await lb('delete', 'secrt', 'x')).stderr).toMatch(/: did you mean "secret"\?\n$/);
    expect((await lb('inspect', 'sevice', 'x')).stderr).toMatch(/: did you mean "service"\?\n$/);
    expect((await lb('completion', 'bahs')).stderr).toBe('error: unknown shell "bahs" (one of bash, zsh, fish): did you mean "bash"?\n');
  });

  it('prints exactly one error line for an unknown kind', async () => {
    const r = await lb('get', 'gadgets');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: unknown kind gadgets \(one of namespace, service, .*cluster, job, task\)\n$/);
  });

  it('checks replicas before calling the server', async () => {
    for (const n of ['-1', '1.5', 'many']) {
      const r = await lb('scale', 'web', n);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('error: replicas: must be a whole number ≥ 0\n');
    }
  });

  it('checks --timeout and --min-ready before calling the server, on every command that waits', async () => {
    for (const args of [['run', 'web', 'img:1'], ['scale', 'web', '2'], ['rollback', 'web'], ['rollout', 'status', 'web']]) {
      for (const t of ['0', 'soon', '-5m']) {
        const r = await lb(...args, '--timeout', t);
        expect([args.join(' '), t, r.code]).toEqual([args.join(' '), t, 2]);
        expect(r.stderr).toMatch(/^error: timeout: /);
      }
      for (const m of ['soon', '-1s', '5m']) {
        const r = await lb(...args, '--timeout', '1m', '--min-ready', m);
        expect([args.join(' '), m, r.code]).toEqual([args.join(' '), m, 2]);
        expect(r.stderr).toMatch(/^error: min-ready: /);
      }
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
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: exec needs a command: lb exec POD|SERVICE -- COMMAND [ARGS...]\n');
  });

  it('port-forward: a port argument that is not [LOCAL:]REMOTE is a usage error (exit 2), before any server is asked', async () => {
    const r = await lb('port-forward', 'web', '8080:http');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: port-forward: "8080:http" must be [LOCAL:]REMOTE, ports 1-65535 (LOCAL 0 or empty: a free port), e.g. 8080:80 or :80\n');
    expect((await lb('port-forward', 'web')).code).toBe(2);
  });

  it('exec -t without -i warns and goes on without a TTY (as kubectl)', async () => {
    const r = await lb('exec', '-t', 'pod-1', '--', 'sh');
    expect(r.stderr).toMatch(/^Unable to use a TTY without -i \(stdin\).*\nerror: cannot reach the API server/);
    expect(r.code).toBe(1);
  });

  it('--server and --token win over the environment, before or after the command; a bad URL is a usage error', async () => {
    const f = fakeIo({ LB_SERVER: 'http://127.0.0.1:1' });
    expect(await main(['node', 'lb', '--server', 'http://127.0.0.1:9', 'get', 'ns'], f.io)).toBe(1);
    expect(f.err()).toMatch(/^error: cannot reach the API server at http:\/\/127\.0\.0\.1:9 /);
    const g = fakeIo({ LB_SERVER: 'http://127.0.0.1:1' });
    expect(await main(['node', 'lb', 'get', 'ns', '--server=http://127.0.0.1:9/', '--token', 't'], g.io)).toBe(1);
    expect(g.err()).toMatch(/^error: cannot reach the API server at http:\/\/127\.0\.0\.1:9 /);
    expect(await lb('get', 'ns', '--server', 'not a url')).toEqual({ code: 2, stdout: '', stderr: 'error: server: "not a url" must be an https:// (or http://) URL such as https://lb.example.com:2967, or the local socket unix:///path/api.sock\n' });
    expect(await lb('get', 'ns', '--server', 'unix:relative.sock')).toEqual({ code: 2, stdout: '', stderr: 'error: server "unix:relative.sock": a unix socket is unix:///absolute/path.sock\n' });
    // commands with a --server or --token of their own keep them
    const login = await lb('login', '--server', 'ftp://x', '--token', 't');
    expect(login).toEqual({ code: 2, stdout: '', stderr: 'error: server: "ftp://x" must be an https:// (or http://) URL\n' });
  });

  it('lb completion prints a script per shell; __complete offers commands, kinds and flag values', async () => {
    expect((await lb('completion', 'bash')).stdout).toContain('complete -F _lb_complete lb');
    expect((await lb('completion', 'zsh')).stdout).toMatch(/^#compdef lb\n/);
    expect((await lb('completion', 'fish')).stdout).toContain("complete -c lb -f -a '(__lb_complete)'");
    expect(await lb('__complete', 'ge')).toEqual({ code: 0, stdout: 'get\n', stderr: '' });
    expect((await lb('__complete', 'get', 'se')).stdout).toBe('services\nsecrets\n');
    expect((await lb('__complete', 'get', 'pods', '-o', 'w')).stdout).toBe('wide\n');
    expect((await lb('__complete', 'apply', '-f', '')).stdout).toBe(':files\n');
    // names need the server: unreachable here, so nothing, quietly and at once
    const t0 = Date.now();
    expect(await lb('__complete', 'get', 'services', '')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});
