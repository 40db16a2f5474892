// Services reach each other by name: a VIP per service programmed on every node by its CPI driver
// (IPVS, falling back to nftables on this kernel), discovery DNS on every node's bridge, on the
// three-host overlay.
import { execFileSync } from 'node:child_process';
import type { Pod } from '@lastbackend/sdk';
import { IMAGE, TestAgent, TestServer, docker, readyPods, uniq, waitFor, webService } from './harness';
import type { Underlay } from './underlay';
import { startOverlayCluster, type OverlayCluster } from './overlay-cluster';

const CPI = { package: '@lastbackend/driver-ipvs', fallback: { package: '@lastbackend/driver-nftables' } };

describe('service VIPs and discovery DNS across three hosts', () => {
  let net: Underlay;
  let s: TestServer;
  let cluster: OverlayCluster | undefined;
  let agents: TestAgent[] = [];
  const ns = uniq('svc');

  beforeAll(async () => {
    cluster = await startOverlayCluster({
      hosts: 3,
      prefix: 'svc',
      server: { network: { cluster_cidr: '10.218.0.0/16', node_prefix: 24, service_cidr: '10.219.0.0/16' } },
      drivers: { cpi: CPI },
      discovery: true,
    });
    ({ net, server: s, agents } = cluster);
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });

  afterAll(() => cluster?.cleanup());

  /** Hostname → pod name, for the pods of a service (the test image answers /cgi-bin/host with it). */
  const hostnames = (pods: Pod[]) =>
    new Map(
      pods.map((p) => {
        const agent = agents.find((a) => a.node === p.meta.node)!;
        const [id] = agent.containers({ 'io.lastbackend.pod': p.meta.name });
        return [docker(['inspect', '--format', '{{.Config.Hostname}}', id]), p.meta.name];
      }),
    );

  it('says which CPI driver runs: nftables, because this kernel has no ip_vs', async () => {
    const node = await s.client.node(agents[0].node);
    const cpi = node.status.drivers.find((d) => d.kind === 'cpi')!;
    expect(cpi.package).toBe('@lastbackend/driver-nftables');
    expect(cpi.message).toMatch(/fallback for @lastbackend\/driver-ipvs: .*kernel has no ip_vs/);
  });

  it('gives a service a VIP from the service CIDR, and reaches every replica by name from a pod', async () => {
    const web = webService('web', 3, { readiness: true });
    web.spec.network.ports = ['http=80:8080/tcp'];
    await s.client.createService(ns, web);
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'client' },
      spec: { replicas: 1, template: { containers: [{ name: 'sh', image: { name: IMAGE }, command: ['sleep', '3600'] }] } },
    });
    const pods = await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 3, 'web ready', 90_000);
    expect(new Set(pods.map((p) => p.meta.node)).size).toBe(3);
    const [client] = await waitFor(() => s.pods(ns, 'client'), (p) => readyPods(p).length === 1, 'client ready');
    const vip = (await s.client.service(ns, 'web')).status.network.ip!;
    expect(vip).toMatch(/^10\.219\./);
    await waitFor(() => s.client.endpoints(ns), (e) => e.find((x) => x.meta.name === 'web')?.spec.upstreams.length === 3, 'endpoints');

    const names = hostnames(pods);
    for (const url of [`http://web.${ns}.lb.local/cgi-bin/host`, 'http://web/cgi-bin/host', `http://${vip}/cgi-bin/host`]) {
      const seen = new Set<string>();
      for (let i = 0; i < 40 && seen.size < 3; i++) {
        const r = await s.client.exec(ns, client.meta.name, ['wget', '-qO-', url]);
        expect(r.exitCode).toBe(0);
        seen.add(names.get(r.stdout.trim()) ?? `unknown:${r.stdout.trim()}`);
      }
      expect([...seen].sort()).toEqual(pods.map((p) => p.meta.name).sort());
    }
  });

  it('sends no more traffic to removed pods after a scale to 1', async () => {
    await s.client.scale(ns, 'web', 1);
    const [left] = await waitFor(() => s.pods(ns, 'web'), (p) => p.length === 1 && readyPods(p).length === 1, 'one pod left');
    await waitFor(() => s.client.endpoints(ns), (e) => e.find((x) => x.meta.name === 'web')?.spec.upstreams.length === 1, 'endpoint updated');
    const [client] = await s.pods(ns, 'client');
    const names = hostnames([left]);
    // the tables follow the endpoint within moments; then every answer comes from the one pod
    await waitFor(
      async () => {
        const answers = new Set<string>();
        for (let i = 0; i < 10; i++) answers.add((await s.client.exec(ns, client.meta.name, ['wget', '-qO-', 'http://web/cgi-bin/host'])).stdout.trim());
        return [...answers];
      },
      (a) => a.length === 1 && names.get(a[0]) === left.meta.name,
      'only the remaining pod answers',
      20_000,
    );
  });

  it('answers dig with the VIP, SRV for the named port, NXDOMAIN for unknown names', async () => {
    const host = net.hosts[0];
    const subnet = (await s.client.node(agents[0].node)).spec.network!.subnet;
    const dns = subnet.replace(/\.0\/\d+$/, '.1');
    const dig = (...args: string[]) => execFileSync('ip', ['netns', 'exec', host.netns, 'dig', `@${dns}`, '+time=2', '+tries=1', ...args], { encoding: 'utf8' });
    const vip = (await s.client.service(ns, 'web')).status.network.ip!;
    expect(dig(`web.${ns}.lb.local`, '+short').trim()).toBe(vip);
    expect(dig(`web.${ns}.lb.local`, '+short', '+tcp').trim()).toBe(vip);
    expect(dig(`_http._tcp.web.${ns}.lb.local`, 'SRV', '+short').trim()).toMatch(new RegExp(`^\\d+ \\d+ 80 web\\.${ns}\\.lb\\.local\\.$`));
    expect(dig(`nope.${ns}.lb.local`)).toMatch(/status: NXDOMAIN/);
  });
});
