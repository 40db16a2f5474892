// `lb ca rotate` on a real server with a real `lb agent` running pods (real Docker engine): the agent
// stays connected through the rotation (its pods keep running, its node stays ready, a change still
// reaches it), ends up with a certificate from the new CA and trusting only that one; and after the old
// CA is dropped, a certificate it issued is refused, even one whose serial is still a node's current one.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { LbClient, LbError, type NodeStatusReport } from '@lastbackend/sdk';
import { newKeyPair } from '../core/src/tls/pki';
import { docker, lb, readCredentials, readyPods, TestAgent, TestServer, uniq, waitFor, webService } from './harness';

const certs = (bundle: string) => (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
const issuedBy = (pem: string, bundle: string) => {
  const c = new X509Certificate(pem);
  return certs(bundle).some((ca) => c.checkIssued(ca) && c.verify(ca.publicKey));
};
const report = { labels: {}, capacity: { cpu: 1000, ram: 2 ** 30, pods: 1, storage: 0 }, addresses: ['127.0.0.1'] } as unknown as NodeStatusReport;
const refusal = (p: Promise<unknown>): Promise<Error> =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: Error) => e,
  );

describe('lb ca rotate', () => {
  let s: TestServer;
  let agent: TestAgent;
  const ns = uniq('carot');

  beforeAll(async () => {
    s = await TestServer.start();
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    const r = await s.lb(['token', 'create', '--role', 'node']);
    expect(r.code).toBe(0);
    agent = await TestAgent.start({ server: s, joinToken: r.stdout.trim() });
  });
  afterAll(async () => {
    await agent?.cleanup();
    await s?.cleanup();
  });

  it('agents stay connected through a CA rotation; the old CA is refused afterwards', async () => {
    // The workload: two pods on the agent's node.
    const web = webService('web', 2);
    (web.spec as Record<string, unknown>).selector = { node: agent.node };
    await s.client.createService(ns, web);
    const before = await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 2, 'web ready on the agent');
    expect(before.every((p) => p.meta.node === agent.node)).toBe(true);
    const containers = agent.containers().sort();
    expect(containers).toHaveLength(2);

    // An intruder that joined before the rotation keeps its certificate of the old CA (and never renews).
    const oldCa = readFileSync(s.caFile, 'utf8');
    const { token } = await s.client.createToken({});
    const keys = await newKeyPair();
    const joined = await new LbClient({ server: s.url, token: token.split('.').slice(0, 3).join('.'), tls: { ca: oldCa } }).join('intruder', { address: '127.0.0.1', public_key: keys.publicKey });
    const asIntruder = (ca: string) => new LbClient({ server: s.url, token: joined.token, tls: { ca, cert: joined.certificate, key: keys.key } });
    await asIntruder(oldCa).reportNode('intruder', report);
    const stolen = readCredentials(agent.dataDir);
    expect(issuedBy(stolen.cert!, oldCa)).toBe(true);

    // A client on another machine: a context logged in with the CA's hash (not LB_CA_FILE).
    const home = mkdtempSync(join(tmpdir(), 'lb-ca-rot-cli-'));
    const cliEnv = { HOME: home, LB_CLI_CONFIG: join(home, 'cli.json') };
    const hash = (await s.lb(['ca', 'hash', '--data-dir', s.dataDir])).stdout.trim();
    expect((await lb(['login', 'far', '--server', s.url, '--token', s.token, '--ca-hash', hash], cliEnv)).code).toBe(0);

    // Watched through the whole rotation: the pods stay ready, the agent's node online. (A poll may fail
    // while the test's own client still trusts the old CA after it is dropped: only a sample is lost.)
    const seen: { ready: number; online: boolean }[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        try {
          const [pods, node] = await Promise.all([s.pods(ns, 'web'), s.client.node(agent.node)]);
          seen.push({ ready: readyPods(pods).length, online: node.status.online === true });
        } catch {
          /* a lost sample */
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    // The CLI cannot finish while a node holds the old CA's certificate: it says which and exits non-zero.
    const waiting = await s.lb(['ca', 'rotate', '--timeout', '0s']);
    expect(waiting.code).not.toBe(0);
    expect(waiting.stderr).toContain('CA rotation: new CA');
    expect(waiting.stderr).toMatch(/intruder.*did not renew/);

    const shown = await s.lb(['ca', 'status']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/rotating to [0-9a-f]+/);

    // The agent notices the new bundle and renews from the new CA; the intruder does not.
    const status = await waitFor(() => s.client.caStatus(), (st) => st.pending.length === 1, 'the agent on the new CA', 60_000);
    expect(status).toMatchObject({ rotating: true, pending: ['intruder'] });
    expect(status.nodes).toContainEqual({ name: agent.node, on_new_ca: true });
    const both = readFileSync(s.caFile, 'utf8');
    expect(certs(both)).toHaveLength(2);
    const mid = readCredentials(agent.dataDir);
    expect(issuedBy(mid.cert!, oldCa)).toBe(false);
    expect(issuedBy(mid.cert!, both)).toBe(true);

    // The far client takes the bundle of both while the rotation is open.
    const refreshed = await lb(['ca', 'refresh'], cliEnv);
    expect(refreshed.code).toBe(0);
    expect(refreshed.stderr).toContain('2 certificate(s)');

    // Forced: the old CA is dropped, the intruder cut off by name.
    const done = await s.lb(['ca', 'rotate', '--timeout', '0s', '--force']);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^sha256:[0-9a-f]{64}$/m);
    expect(done.stderr).toMatch(/cut off.*intruder/);
    expect(done.stderr).toContain('lb token create --role node');
    s.forgetCa();
    const fresh = readFileSync(s.caFile, 'utf8');
    expect(certs(fresh)).toHaveLength(1);
    expect(done.stdout.trim()).toBe(`sha256:${(await s.client.caStatus()).ca_hash}`);
    expect(issuedBy(mid.cert!, fresh)).toBe(true);

    // The far client still reaches the server (its context trusts the new CA too), and narrows to it.
    expect((await lb(['get', 'ns'], cliEnv)).code).toBe(0);
    const narrowed = await lb(['ca', 'refresh'], cliEnv);
    expect(narrowed.stdout.trim()).toBe(done.stdout.trim());
    expect(narrowed.stderr).toContain('1 certificate(s)');
    rmSync(home, { recursive: true, force: true });

    // The attack: the intruder's certificate is still its credential's current one, but its CA is gone.
    const e = await refusal(asIntruder(fresh).reportNode('intruder', report));
    expect(e).toBeInstanceOf(LbError);
    expect((e as LbError).code).toBe('FORBIDDEN');
    // The agent's stolen old certificate, and a client that trusts only the old CA, get nowhere either.
    const stolenClient = new LbClient({ server: s.url, token: stolen.token, tls: { ca: fresh, cert: stolen.cert, key: stolen.key } });
    expect(((await refusal(stolenClient.node(agent.node))) as LbError).code).toBe('FORBIDDEN');
    // A new connection that trusts only the old CA cannot verify the server (clients' pooled connections are not reused here).
    const handshake = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: s.port, ca: oldCa, servername: 'localhost' }, () => {
        socket.destroy();
        resolve('verified');
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(handshake).toMatch(/UNABLE_TO_VERIFY|CERT|SIGNATURE/);

    // The agent drops the old CA from what it trusts, and stayed connected throughout.
    await waitFor(async () => readCredentials(agent.dataDir).ca, (ca) => ca === fresh, 'the agent trusting only the new CA', 60_000);
    const since = Date.now();
    for (const node of [agent.node, s.node]) await waitFor(() => s.client.node(node), (n) => n.status.online === true && Date.parse(n.status.heartbeat ?? '') > since, `node ${node} ready after the rotation`);
    watching = false;
    await watcher;
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.filter((x) => x.ready !== 2 || !x.online)).toEqual([]);
    expect(agent.containers().sort()).toEqual(containers);
    for (const id of containers) expect(docker(['inspect', '--format', '{{.State.Running}}', id])).toBe('true');
    expect(readyPods(await s.pods(ns, 'web')).map((p) => p.meta.name).sort()).toEqual(before.map((p) => p.meta.name).sort());
    // A change still reaches the agent, and the server still reaches it (its logs, through the agent's endpoint).
    await s.client.scale(ns, 'web', 3);
    const after = await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 3, 'a third pod on the agent after the rotation');
    expect(after.every((p) => p.meta.node === agent.node)).toBe(true);
    const exec = await s.lb(['exec', after[0].meta.name, '-n', ns, '--', 'echo', 'through-the-new-ca']);
    expect(exec.stdout).toContain('through-the-new-ca');
    expect(agent.output()).not.toMatch(/renewal failed|CA check failed|was refused|joining again/);
  });

  it('a server restart mid-rotation resumes it: the same next CA, and `lb ca rotate` finishes it', async () => {
    expect((await s.lb(['delete', 'node', 'intruder'])).code).toBe(0);
    const first = await s.lb(['ca', 'rotate', '--timeout', '0s']);
    expect(first.code).not.toBe(0);
    expect(first.stderr).toContain(agent.node);
    const next = /new CA ([0-9a-f]+) beside/.exec(first.stderr)?.[1];
    expect(next).toBeDefined();
    await s.stop();
    await s.launch();
    s.forgetCa();
    expect((await s.client.caStatus()).next).toBe(next);
    // The agent reconnects (it trusts both CAs) and renews from the next CA.
    await waitFor(() => s.client.caStatus(), (st) => st.pending.length === 0, 'the agent on the next CA after the restart', 60_000);
    const done = await s.lb(['ca', 'rotate']);
    expect(done.code).toBe(0);
    expect(done.stderr).toContain(`new CA ${next} beside`);
    s.forgetCa();
    const bundle = readFileSync(s.caFile, 'utf8');
    expect(certs(bundle)).toHaveLength(1);
    expect((await s.client.caStatus()).current).toBe(next);
    await waitFor(async () => readCredentials(agent.dataDir).ca, (ca) => ca === bundle, 'the agent trusting only the newest CA', 60_000);
    expect(issuedBy(readCredentials(agent.dataDir).cert!, bundle)).toBe(true);
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 3, 'the pods ready after the second rotation');
  });
});
