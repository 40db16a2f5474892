// The vxlan CNI driver through the SDK's CNI conformance suite. The driver acts on the network namespace
// it runs in, so it runs out of process inside a "host" namespace on an underlay this test builds
// (test/underlay.ts); pod namespaces are made here with `ip netns`. Everything is removed at the end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetworkDriver } from '@lastbackend/sdk';
import { runCniConformance } from '@lastbackend/sdk/testing';
import { hostVethName } from '@lastbackend/driver-vxlan';
import { createLogger } from '../core/src/kernel/logger';
import { RemoteDriverHost } from '../core/src/kernel/remote/remote-driver';
import { ROOT } from './harness';
import { Underlay } from './underlay';

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8', timeout: 20_000 });
const id = randomBytes(2).toString('hex');

/** The vxlan driver, out of process in the one host of a fresh underlay. */
async function startDriver(node: string) {
  const net = Underlay.create(1);
  const host = net.hosts[0];
  const stateRoot = mkdtempSync(join(tmpdir(), 'lb-cni-conf-'));
  let driverHost: RemoteDriverHost | undefined;
  const cleanup = async () => {
    await driverHost?.dispose();
    net.destroy();
    rmSync(stateRoot, { recursive: true, force: true });
  };
  try {
    const { host: h } = await RemoteDriverHost.start({
      init: { kind: 'cni', package: '@lastbackend/driver-vxlan', sources: { modules: [], walkFrom: [ROOT] }, config: {}, node, stateRoot, logLevel: 'warn' },
      log: createLogger(process.env.LB_TEST_VERBOSE ? 'debug' : 'silent'),
      wrapper: ['nsenter', `--net=/run/netns/${host.netns}`],
    });
    driverHost = h;
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { cni: driverHost.proxies().cni as NetworkDriver, host, cleanup };
}

const podAddresses = (netns: string) => {
  const links = JSON.parse(ip('-n', netns.replace('/run/netns/', ''), '-j', '-4', 'addr') || '[]') as { ifname: string; addr_info: { local: string }[] }[];
  return links.filter((l) => l.ifname !== 'lo').flatMap((l) => l.addr_info.map((a) => a.local));
};

runCniConformance('vxlan', async () => {
  const { cni, host, cleanup } = await startDriver('cni-conformance');
  const prefix = host.address.split('.').slice(0, 3).join('.');
  let n = 0;
  return {
    cni,
    node: { subnet: '10.232.1.0/24', address: host.address },
    remotes: [
      { subnet: '10.232.2.0/24', address: `${prefix}.200` },
      { subnet: '10.232.3.0/24', address: `${prefix}.201` },
    ],
    newPodNetns: async () => {
      const name = `lbc${id}-p${n++}`;
      ip('netns', 'add', name);
      return { path: `/run/netns/${name}`, remove: async () => void ip('netns', 'del', name) };
    },
    addresses: async (netns) => podAddresses(netns),
    routes: async () => (JSON.parse(ip('-n', host.netns, '-j', 'route') || '[]') as { dst: string }[]).map((r) => r.dst),
    reach: async (from, target) => {
      try {
        execFileSync('ip', ['netns', 'exec', from.replace('/run/netns/', ''), 'busybox', 'ping', '-c', '1', '-W', '2', target], { stdio: 'ignore', timeout: 10_000 });
        return true;
      } catch {
        return false;
      }
    },
    cleanup,
  };
});

describe('vxlan: an attach cut short', () => {
  let d: Awaited<ReturnType<typeof startDriver>>;
  const pod = `lbc${id}-cut`;
  const ref = { namespace: 'lbconf', pod, netns: `/run/netns/${pod}` };
  beforeAll(async () => {
    d = await startDriver('cni-cut');
    await d.cni.setupNode({ subnet: '10.232.5.0/24', address: d.host.address });
    ip('netns', 'add', pod);
  });
  afterAll(async () => {
    await d?.cni.detach(ref).catch(() => undefined);
    ip('netns', 'del', pod);
    await d?.cleanup();
  });

  it('is made again, with the same address, when its host end never came up', async () => {
    const { ip: first } = await d.cni.attach(ref);
    // What a crash between the host side and the pod's own configuration leaves: the host end down, the
    // pod's end without its address.
    ip('-n', d.host.netns, 'link', 'set', hostVethName(`lbconf/${pod}`), 'down');
    ip('-n', pod, 'address', 'flush', 'dev', 'eth0');
    await expect(d.cni.attach(ref)).resolves.toEqual({ ip: first });
    const hostEnd = JSON.parse(ip('-n', d.host.netns, '-j', 'link', 'show', hostVethName(`lbconf/${pod}`))) as { flags: string[] }[];
    expect(hostEnd[0]!.flags).toContain('UP');
    expect(podAddresses(ref.netns)).toEqual([first]);
  });
});
