// Three hosts on this machine (a network namespace each, joined by an underlay bridge), an agent in
// each with the vxlan CNI driver, pods plumbed into their host's namespace and reachable across hosts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Pod } from '@lastbackend/sdk';
import { TestAgent, TestServer, docker, freePort, lb, readyPods, uniq, waitFor, webService, withLogs } from './harness';
import type { Underlay } from './underlay';
import { startOverlayCluster, type OverlayCluster } from './overlay-cluster';

const GRACE = { node_not_ready_after: 2, node_offline_after: 4, resync: 1 };
const CLUSTER_CIDR = '10.214.0.0/16';

describe('three hosts on a vxlan overlay', () => {
  let net: Underlay;
  let s: TestServer;
  let cluster: OverlayCluster | undefined;
  // the cluster's own list: agents a test joins later are cleaned up with the rest
  let agents: TestAgent[] = [];
  const ns = uniq('overlay');

  beforeAll(async () => {
    cluster = await startOverlayCluster({
      hosts: 3,
      prefix: 'host',
      server: { controller: GRACE, network: { cluster_cidr: CLUSTER_CIDR, node_prefix: 24, service_cidr: '10.215.0.0/16' } },
    });
    ({ net, server: s, agents } = cluster);
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });

  afterAll(() => cluster?.cleanup());

  const podOn = (pods: Pod[], node: string) => readyPods(pods).find((p) => p.meta.node === node)!;

  it('leases each node a subnet of the cluster CIDR', async () => {
    const nodes = await s.client.nodes();
    const subnets = agents.map((a) => nodes.find((n) => n.meta.name === a.node)!.spec.network!.subnet);
    expect(new Set(subnets).size).toBe(3);
    for (const sn of subnets) expect(sn).toMatch(/^10\.214\.\d+\.0\/24$/);
  });

  it('spreads 3 replicas over the 3 hosts; pods reach each other across hosts', async () => {
    await s.client.createService(ns, webService('web', 3));
    const pods = await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 3, '3 ready pods', 90_000);
    expect(new Set(pods.map((p) => p.meta.node))).toEqual(new Set(agents.map((a) => a.node)));
    const nodes = await s.client.nodes();
    for (const p of pods) {
      const subnet = nodes.find((n) => n.meta.name === p.meta.node)!.spec.network!.subnet;
      expect(p.status.network.pod_ip.split('.').slice(0, 3).join('.')).toBe(subnet.split('.').slice(0, 3).join('.'));
    }
    // The containers have no network of Docker's: only what the CNI driver plumbed.
    const [id] = agents[0].containers({ 'io.lastbackend.namespace': ns });
    expect(docker(['inspect', '--format', '{{.HostConfig.NetworkMode}}', id])).toBe('none');

    const a = podOn(pods, agents[0].node);
    for (const other of [agents[1], agents[2]]) {
      const target = podOn(pods, other.node);
      const r = await s.client.exec(ns, a.meta.name, ['wget', '-qO-', `http://${target.status.network.pod_ip}:8080/`]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('hello from lb-test\n');
    }
  });

  it('keeps pod addresses, routes and containers when an agent restarts', async () => {
    const a = agents[0];
    const host = net.hosts[0];
    const before = await s.pods(ns, 'web');
    const routes = net.routes(host);
    const ids = a.containers({ 'io.lastbackend.namespace': ns });
    const started = ids.map((id) => docker(['inspect', '--format', '{{.State.StartedAt}}', id]));
    await a.stop();
    await a.launch();
    await new Promise((r) => setTimeout(r, 3000));
    const after = await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 3, 'still ready');
    expect(after.map((p) => `${p.meta.name}=${p.status.network.pod_ip}`).sort()).toEqual(before.map((p) => `${p.meta.name}=${p.status.network.pod_ip}`).sort());
    expect(net.routes(host)).toBe(routes);
    expect(ids.map((id) => docker(['inspect', '--format', '{{.State.StartedAt}}', id]))).toEqual(started);
    const target = podOn(after, agents[1].node);
    const r = await s.client.exec(ns, podOn(after, a.node).meta.name, ['wget', '-qO-', `http://${target.status.network.pod_ip}:8080/`]);
    expect(r.stdout).toBe('hello from lb-test\n');
  });

  it('moves the pods of a host that is cut off, and leaves no duplicates when it returns', async () => {
    const lost = agents[2];
    const host = net.hosts[2];
    await lost.kill9();
    net.setLink(host, false);
    const pods = await waitFor(
      () => s.pods(ns, 'web'),
      (p) => readyPods(p).length === 3 && !p.some((x) => x.meta.node === lost.node),
      'pods running elsewhere',
      (GRACE.node_offline_after + 30) * 1000,
    );
    // the moved pod is reachable through the overlay from the other host
    const [x, y] = [podOn(pods, agents[0].node), pods.find((p) => p.meta.node === agents[1].node)!];
    const r = await s.client.exec(ns, x.meta.name, ['wget', '-qO-', `http://${y.status.network.pod_ip}:8080/`]);
    expect(r.stdout).toBe('hello from lb-test\n');

    net.setLink(host, true);
    await lost.launch();
    await waitFor(async () => lost.containers({ 'io.lastbackend.namespace': ns }).length, (n) => n === 0, 'stale containers removed', 30_000);
    expect(docker(['ps', '-q', '--filter', `label=io.lastbackend.namespace=${ns}`]).split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('drops a deleted node from every other node\'s overlay and frees its subnet', async () => {
    const gone = agents[2];
    const subnet = (await s.client.node(gone.node)).spec.network!.subnet;
    const prefix = subnet.split('/')[0];
    expect(net.routes(net.hosts[0])).toContain(prefix);
    await gone.stop();
    expect((await s.lb(['delete', 'node', gone.node])).code).toBe(0);
    for (const h of net.hosts.slice(0, 2)) {
      await withLogs([s, ...agents.slice(0, 2)], () => waitFor(async () => net.routes(h), (r) => !r.includes(prefix), `route to ${subnet} removed on host ${h.name}`));
    }
    expect((await s.client.nodes()).map((n) => n.meta.name)).not.toContain(gone.node);
    // the next node to join gets the freed subnet
    const again = await TestAgent.start({ server: s, joinToken: (await s.client.createToken()).token, name: uniq('host-c2'), netns: net.hosts[2].netns, listenHost: net.hosts[2].address, drivers: { cni: { package: '@lastbackend/driver-vxlan' } } });
    agents.push(again);
    expect((await s.client.node(again.node)).spec.network!.subnet).toBe(subnet);
    await waitFor(async () => net.routes(net.hosts[0]), (r) => r.includes(prefix), 'route to the new node');
  });
});

describe('network config', () => {
  it('refuses overlapping or public CIDRs with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-cidr-'));
    try {
      const run = async (network: object) => {
        const cfg = join(dir, 'c.yaml');
        writeFileSync(cfg, stringify({ network }));
        return lb(['server', '--config', cfg, '--data-dir', join(dir, 'data'), '--listen', `127.0.0.1:${await freePort()}`, '--token', 'cidr-test-token-123456']);
      };
      const overlap = await run({ cluster_cidr: '10.0.0.0/8', service_cidr: '10.211.0.0/16' });
      expect(overlap.code).not.toBe(0);
      expect(overlap.stderr).toMatch(/network\.service_cidr: overlaps cluster_cidr 10\.0\.0\.0\/8/);
      const pub = await run({ cluster_cidr: '172.0.0.0/24' });
      expect(pub.code).not.toBe(0);
      expect(pub.stderr).toMatch(/network\.cluster_cidr: must be inside a private range/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
