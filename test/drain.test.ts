// Drain of a node in a three-host netns cluster under traffic: a bounded loop of requests to the service
// VIP runs in a pod on another host through the whole drain and none fails; every pod of the
// service ends on another node, and a pod that cannot move (its selector names the node) is reported with
// the reason, the CLI exiting 1.
import { spawn } from 'node:child_process';
import type { Pod } from '@lastbackend/sdk';
import { IMAGE, TestAgent, TestServer, docker, readyPods, uniq, waitFor, webService } from './harness';
import { startOverlayCluster, type OverlayCluster } from './overlay-cluster';

const CPI = { package: '@lastbackend/driver-ipvs', fallback: { package: '@lastbackend/driver-nftables' } };

/**
 * A request loop in a pod: one GET after another (busybox wget, fresh connections; its -T crashes in this build), at most `max`, until
 * /tmp/stop exists; prints "sent failed" and the failures' messages.
 */
const loopScript = (vip: string, max: number) =>
  `n=0; f=0; rm -f /tmp/stop; while [ $n -lt ${max} ] && [ ! -f /tmp/stop ]; do n=$((n+1)); wget -q -O /dev/null http://${vip}/ 2>/tmp/err || { f=$((f+1)); cat /tmp/err; }; done; echo "$n $f"`;

describe('lb node drain under traffic on three hosts', () => {
  let s: TestServer;
  let cluster: OverlayCluster | undefined;
  let agents: TestAgent[] = [];
  const ns = uniq('drain');
  /** The request loop's outcome during the drain. */
  let traffic: { sent: number; failed: number; messages: string[] } | undefined;

  beforeAll(async () => {
    cluster = await startOverlayCluster({
      hosts: 3,
      prefix: 'drain',
      server: { network: { cluster_cidr: '10.226.0.0/16', node_prefix: 24, service_cidr: '10.227.0.0/16' } },
      drivers: { cpi: CPI },
    });
    ({ server: s, agents } = cluster);
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });

  afterAll(() => cluster?.cleanup());

  it('moves every pod elsewhere under a request loop through the VIP, and names the pod that cannot move', async () => {
    await s.client.createService(ns, webService('web', 3));
    const before = await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 3, 'web ready', 90_000);
    expect(new Set(before.map((p) => p.meta.node)).size).toBe(3);
    const drained = agents[1].node;
    // A pod that cannot move: its selector names the node.
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'pinned' },
      spec: { replicas: 1, selector: { node: drained }, template: { containers: [{ name: 'sh', image: { name: IMAGE }, command: ['sleep', '3600'] }] } },
    });
    const [pinned] = await waitFor(() => s.pods(ns, 'pinned'), (p) => readyPods(p).length === 1, 'pinned ready', 60_000);
    const vip = (await s.client.service(ns, 'web')).status.network.ip!;
    await waitFor(() => s.client.endpoints(ns), (e) => e.find((x) => x.meta.name === 'web')?.spec.upstreams.length === 3, 'endpoints');

    // The loop runs in a pod on another node than the one drained.
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'client' },
      spec: { replicas: 1, selector: { node: agents[0].node }, template: { containers: [{ name: 'sh', image: { name: IMAGE }, command: ['sleep', '3600'] }] } },
    });
    const [client] = await waitFor(() => s.pods(ns, 'client'), (p) => readyPods(p).length === 1, 'client ready', 60_000);
    const [id] = agents[0].containers({ 'io.lastbackend.pod': client.meta.name });
    const loop = spawn('docker', ['exec', id, 'sh', '-c', loopScript(vip, 5000)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    loop.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const ended = new Promise<void>((r) => loop.on('exit', () => r()));
    try {
      await new Promise((r) => setTimeout(r, 1000)); // the loop answers before the drain starts
      const r = await s.lb(['node', 'drain', drained, '--timeout', '3m']);
      expect(r.stderr).toContain(`node/${drained}: drain cannot finish (these pods cannot move); 1 pod(s) still on it:`);
      expect(r.stderr).toContain(`pod/${ns}/${pinned.meta.name} (pinned): blocked: its selector names node ${drained}`);
      expect(r.stdout).toContain(`node/${drained} cordoned; draining 2 pod(s)`);
      expect(r.code).toBe(1);
      await new Promise((res) => setTimeout(res, 1000)); // requests after the last old pod stopped
    } finally {
      docker(['exec', id, 'touch', '/tmp/stop']);
      await ended;
    }
    const lines = out.trim().split('\n');
    const [sent, failed] = lines[lines.length - 1].split(' ').map(Number);
    expect(sent).toBeGreaterThan(20);
    process.stdout.write(`drain: ${sent} requests through the VIP during the drain, ${failed} failed\n`);

    const after: Pod[] = await s.pods(ns, 'web');
    expect(readyPods(after)).toHaveLength(3);
    expect(after.filter((p) => p.meta.node === drained)).toEqual([]);
    expect((await s.client.node(drained)).spec.unschedulable).toBe(true);
    const status = await s.client.drainStatus(drained);
    expect(status.pods.map((p) => [p.name, p.state, p.permanent])).toEqual([[pinned.meta.name, 'blocked', true]]);

    // Uncordoned, the node takes pods again.
    expect((await s.lb(['node', 'uncordon', drained])).stdout).toBe(`node/${drained} uncordoned\n`);
    expect((await s.client.node(drained)).spec.unschedulable).toBe(false);
    traffic = { sent, failed, messages: lines.slice(0, -1) };
  });

  // An evicted pod leaves every node's VIP table before it stops (the controller's endpoint drain).
  it('fails no request through the VIP during the drain', () => {
    expect(traffic).toEqual({ sent: traffic?.sent, failed: 0, messages: [] });
  });
});
