// `lb exec -it` and `lb port-forward` through a real `lb server` (its own node's agent, real Docker): an
// interactive shell under a pseudo-terminal (script(1)), with its size sent at start and on a resize and its
// exit code passed on; an HTTP request carried through a forwarded port; and the attacks: tokens without
// namespace.exec there get 403 on both upgraded routes with nothing run, a request that does not ask for the
// upgrade gets a clear 400, and a client cannot make the agent connect anywhere but the pod's own address.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { get } from 'node:http';
import { openUpgrade, type LbError } from '@lastbackend/sdk';
import { LB, TestServer, readyPods, uniq, waitFor, webService } from './harness';

/** A child process whose output is collected; waitOutput resolves once it matches. */
function collected(p: ChildProcess) {
  let out = '';
  p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  return {
    output: () => out,
    exited,
    waitOutput: (re: RegExp, what: string) => waitFor(async () => out, (o) => re.test(o), what, 30_000),
  };
}

const httpGet = (port: number, path: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });

describe('lb exec -it and lb port-forward through the API', () => {
  let s: TestServer;
  const ns = uniq('stream');
  const other = uniq('other');
  let pod = '';
  let viewer = '';
  let elsewhere = '';
  const children: ChildProcess[] = [];
  const listeners: Server[] = [];

  /** A raw upgrade request as some token: its refusal, or the connection (closed at once). */
  const upgrade = async (path: string, protocol: string, token: string): Promise<{ status: number; reason?: string; message?: string }> => {
    try {
      const socket = await openUpgrade(s.url + path, { protocol, headers: token ? { authorization: `Bearer ${token}` } : {}, tls: { ca: readFileSync(s.caFile, 'utf8') } });
      socket.destroy();
      return { status: 101 };
    } catch (e) {
      const err = e as LbError;
      return { status: err.status, reason: err.code, message: err.message };
    }
  };

  beforeAll(async () => {
    s = await TestServer.start();
    for (const n of [ns, other]) await s.client.createNamespace({ kind: 'Namespace', meta: { name: n } });
    await s.client.apply(ns, [webService('web', 1)]);
    pod = (await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 1, 'web ready', 120_000)).map((p) => p.meta.name)[0];
    viewer = (await s.client.createToken({ role: 'viewer', description: 'stream-viewer' })).token;
    elsewhere = (await s.client.createToken({ role: 'deployer', namespaces: [other], description: 'stream-elsewhere' })).token;
  }, 180_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const l of listeners) l.close();
    await s?.client.deleteNamespace(ns).catch(() => undefined);
    await s?.client.deleteNamespace(other).catch(() => undefined);
    await s?.cleanup();
  });

  it('exec -it runs an interactive shell under a pseudo-terminal: output, a tty, its size and resizes, the exit code', async () => {
    // script(1) gives lb a pseudo-terminal of 40x100; lb replaces the shell script(1) starts (exec), so the
    // child of script is lb itself.
    const cmd = `stty rows 40 cols 100; exec ${process.execPath} ${LB} exec -it -n ${ns} web -- sh`;
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env, ...s.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(p);
    const out = collected(p);
    await out.waitOutput(/# /, 'the remote prompt'); // busybox ash's (it asks for the cursor position after it: ESC[6n)
    p.stdin!.write('echo "sum=$((40+2))"\r');
    await out.waitOutput(/sum=42/, 'a command run in the shell');
    p.stdin!.write('tty\r');
    await out.waitOutput(/\/dev\/pts\/\d+/, 'a tty in the container');
    p.stdin!.write('stty size\r');
    await out.waitOutput(/^40 100\r?$/m, 'the size sent at start');
    // A resize of lb's terminal (SIGWINCH) reaches the remote one.
    const lbPid = Number(readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    const pts = readlinkSync(`/proc/${lbPid}/fd/0`);
    expect(pts).toMatch(/^\/dev\/pts\//);
    execFileSync('stty', ['-F', pts, 'rows', '50', 'cols', '120']);
    // Asked again until the resize has gone through (lb → API → agent → runtime).
    await waitFor(
      async () => {
        p.stdin!.write('stty size\r');
        await new Promise((r) => setTimeout(r, 250));
        return out.output();
      },
      (o) => /^50 120\r?$/m.test(o),
      'the size after a resize',
      30_000,
    );
    p.stdin!.write('exit 3\r');
    expect(await out.exited).toBe(3);
  }, 90_000);

  it('port-forward carries HTTP requests to the pod (a service: its ready pod), one connection after another, through the unix socket', async () => {
    const content = `forwarded-${uniq('body')}`;
    expect((await s.lb(['exec', '-n', ns, pod, '--', 'sh', '-c', `echo ${content} > /www/pf.txt`])).code).toBe(0);
    // Through the server's unix socket (exec -it above goes over https): the upgrade takes either way.
    const viaSocket = { LB_SERVER: `unix://${s.dataDir}/api.sock` };
    const p = spawn(process.execPath, [LB, 'port-forward', '-n', ns, 'web', ':8080', ':9'], { env: { ...process.env, ...s.env, ...viaSocket }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(p);
    const out = collected(p);
    await out.waitOutput(/Forwarding from 127\.0\.0\.1:\d+ -> 9\n/, 'both listeners');
    const [port, closedPort] = [...out.output().matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)].map((m) => Number(m[1]));
    for (let i = 0; i < 2; i++) expect(await httpGet(port, '/pf.txt')).toEqual({ status: 200, body: `${content}\n` });
    // Nothing listens on port 9 of the pod: that connection fails and says why; lb goes on serving.
    await expect(httpGet(closedPort, '/')).rejects.toThrow();
    await out.waitOutput(/a connection to port 9 of pod .* failed: .*ECONNREFUSED/, 'the refused connection reported');
    expect(await httpGet(port, '/index.html')).toEqual({ status: 200, body: 'hello from lb-test\n' });
    p.kill('SIGINT');
    expect(await out.exited).toBe(0);
    await expect(httpGet(port, '/')).rejects.toThrow(/ECONNREFUSED/);
  }, 60_000);

  it('the agent connects to the pod\'s own address only, whatever the client sends', async () => {
    // A listener on this host at a port the pod does not serve: a forward to that port must not reach it.
    const host = createServer((c) => c.end('host service\n'));
    listeners.push(host);
    host.listen(0, '0.0.0.0');
    await once(host, 'listening');
    const hostPort = (host.address() as { port: number }).port;
    let reached = 0;
    host.on('connection', () => reached++);
    const refused = await upgrade(`/namespace/${ns}/pod/${pod}/port-forward?port=${hostPort}`, 'lb-tcp.v1', s.token);
    expect(refused).toMatchObject({ status: 503, message: expect.stringMatching(new RegExp(`port ${hostPort} of pod "${pod}" \\(\\d+\\.\\d+\\.\\d+\\.\\d+\\): ECONNREFUSED`)) });
    // An address of the client's choosing is not a parameter: refused before anything connects.
    for (const extra of ['host=127.0.0.1', 'address=127.0.0.1', 'ip=127.0.0.1'])
      expect(await upgrade(`/namespace/${ns}/pod/${pod}/port-forward?port=${hostPort}&${extra}`, 'lb-tcp.v1', s.token)).toMatchObject({ status: 400, reason: 'INVALID_ARGUMENT' });
    expect(await upgrade(`/namespace/${ns}/pod/${pod}/port-forward?port=0`, 'lb-tcp.v1', s.token)).toMatchObject({ status: 400 });
    expect(reached).toBe(0);
  });

  it('a viewer and a token of another namespace get 403 on both upgraded routes, and nothing runs; no upgrade asked: 400', async () => {
    const marker = `/tmp/${uniq('pwned')}`;
    const execPath = `/namespace/${ns}/pod/${pod}/exec/stream?command=touch&command=${marker}`;
    const pfPath = `/namespace/${ns}/pod/${pod}/port-forward?port=8080`;
    for (const token of [viewer, elsewhere]) {
      expect(await upgrade(execPath, 'lb-exec.v1', token)).toMatchObject({ status: 403, reason: 'FORBIDDEN', message: expect.stringContaining('namespace.exec') });
      expect(await upgrade(pfPath, 'lb-tcp.v1', token)).toMatchObject({ status: 403, reason: 'FORBIDDEN' });
    }
    // The CLI says the same.
    const cli = await s.lb(['exec', '-i', '-n', ns, pod, '--', 'touch', marker], '');
    expect(cli.code).toBe(0); // the admin may (and this is how the check below knows touch works)
    expect((await s.lb(['exec', '-n', ns, pod, '--', 'rm', marker])).code).toBe(0);
    const asViewer = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [LB, 'exec', '-i', '-n', ns, pod, '--', 'touch', marker], { env: { ...process.env, ...s.env, LB_TOKEN: viewer }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.stdin.end();
      c.once('exit', (code) => resolve({ code, stderr }));
    });
    expect(asViewer.code).toBe(1);
    expect(asViewer.stderr).toMatch(/lacks "namespace.exec"/);
    expect((await s.lb(['exec', '-n', ns, pod, '--', 'test', '-e', marker])).code).toBe(1);
    // A token in the URL (the original's ?x-lastbackend-token=) is not taken for a stream.
    expect(await upgrade(`${execPath}&x-lastbackend-token=${s.token}`, 'lb-exec.v1', '')).toMatchObject({ status: 401, message: expect.stringContaining('never goes into the URL') });
    // Without the upgrade: a clear 400, not a hanging or half-open answer.
    const plain = await s.fetch(`${execPath.replace(marker, '/tmp/plain')}`, { method: 'POST', headers: { authorization: `Bearer ${s.token}` } });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as { message: string }).message).toContain('"Upgrade: lb-exec.v1"');
    // Each call is in the audit trail: the refusals and the switches.
    const trail: { route: string; status: number; who: string }[] = [];
    for await (const r of s.client.audit({ since: '10m' })) if (r.route.endsWith('/exec/stream') || r.route.endsWith('/port-forward')) trail.push(r);
    expect(trail.filter((r) => r.status === 403).map((r) => r.who)).toEqual(expect.arrayContaining(['stream-viewer', 'stream-elsewhere']));
    expect(trail.some((r) => r.route.endsWith('/exec/stream') && r.status === 101 && r.who === 'admin')).toBe(true);
    expect(trail.some((r) => r.route.endsWith('/port-forward') && r.status === 101)).toBe(true);
  }, 60_000);
});
