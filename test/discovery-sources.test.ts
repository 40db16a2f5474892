// Discovery DNS on a node without a CNI driver listens on docker0's address, the resolver its pods get. It
// answers the containers on that bridge, and no one else: a client that reaches the address from elsewhere
// (a namespace the test makes, routed to the host over a veth pair) gets REFUSED.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstIpv4 } from '../core/src/agent/discovery';
import { TEST_DEFAULTS, TestServer, docker, readyPods, uniq, waitFor, webService } from './harness';

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
// docker0's address with ip(8): it has no carrier until a container runs on it.
const bridge = firstIpv4(ip('-j', '-4', 'addr', 'show', 'dev', 'docker0'))?.split('/')[0];

describe('discovery DNS on docker0', () => {
  const tag = randomBytes(2).toString('hex');
  const netns = `lbdq-${tag}`;
  const [hostIf, nsIf] = [`lbqh${tag}`, `lbqn${tag}`];
  const ns = uniq('dq');
  const dir = mkdtempSync(join(tmpdir(), 'lb-dns-sources-'));
  let s: TestServer;

  beforeAll(async () => {
    if (!bridge) throw new Error('docker0 has no IPv4 address: this test needs the Docker engine with its default bridge');
    const config = join(dir, 'config.json');
    // No overlay (`cni: none`): pods on Docker's bridge, discovery on its gateway as the runtime reports it.
    writeFileSync(config, JSON.stringify({ ...TEST_DEFAULTS, drivers: { ...TEST_DEFAULTS.drivers, cni: 'none' }, discovery: { enabled: true } }));
    s = await TestServer.start({ config });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    // A client outside the pod networks: 198.51.100.2 in a namespace of ours, routed to docker0's address.
    ip('netns', 'add', netns);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', netns);
    ip('addr', 'add', '198.51.100.1/24', 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('-n', netns, 'addr', 'add', '198.51.100.2/24', 'dev', nsIf);
    ip('-n', netns, 'link', 'set', nsIf, 'up');
    ip('-n', netns, 'route', 'add', `${bridge}/32`, 'via', '198.51.100.1');
  });

  afterAll(async () => {
    await s?.cleanup();
    for (const args of [['netns', 'del', netns], ['link', 'del', hostIf]]) {
      try {
        ip(...args);
      } catch {
        /* not made, or gone with the namespace */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a pod on the bridge, refuses a client from elsewhere', async () => {
    await s.client.createService(ns, webService('web', 1));
    const [pod] = await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 1, 'web ready');
    const [id] = s.containers({ 'io.lastbackend.pod': pod.meta.name });
    const podIp = docker(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', id]);
    const name = `${pod.meta.name}.web.${ns}.lb.local`;

    // The pod asks its own resolver (docker0's address) for its own name.
    const r = await waitFor(() => s.client.exec(ns, pod.meta.name, ['nslookup', name]), (x) => x.stdout.includes(podIp), `${name} resolved in the pod`, 20_000);
    expect(r.stdout).toContain(bridge);

    // The same question, and one it would forward, from outside the pod networks: UDP and TCP.
    const dig = (...args: string[]) => ip('netns', 'exec', netns, 'dig', `@${bridge}`, '+time=2', '+tries=1', ...args);
    for (const q of [[name], [name, '+tcp'], ['example.com'], ['example.com', '+tcp']]) expect(`${q.join(' ')}: ${/status: (\w+)/.exec(dig(...q))?.[1]}`).toBe(`${q.join(' ')}: REFUSED`);
  });
});
