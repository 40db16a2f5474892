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
import { createLogger } from '../core/src/kernel/logger';
import { RemoteDriverHost } from '../core/src/kernel/remote/remote-driver';
import { ROOT } from './harness';
import { Underlay } from './underlay';

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8', timeout: 20_000 });
const id = randomBytes(2).toString('hex');

runCniConformance('vxlan', async () => {
  const net = Underlay.create(1);
  const host = net.hosts[0];
  const stateRoot = mkdtempSync(join(tmpdir(), 'lb-cni-conf-'));
  let host$: RemoteDriverHost | undefined;
  try {
    const { host: h } = await RemoteDriverHost.start({
      init: { kind: 'cni', package: '@lastbackend/driver-vxlan', sources: { modules: [], walkFrom: [ROOT] }, config: {}, node: 'cni-conformance', stateRoot, logLevel: 'warn' },
      log: createLogger(process.env.LB_TEST_VERBOSE ? 'debug' : 'silent'),
      wrapper: ['nsenter', `--net=/run/netns/${host.netns}`],
    });
    host$ = h;
  } catch (e) {
    net.destroy();
    rmSync(stateRoot, { recursive: true, force: true });
    throw e;
  }
  const prefix = host.address.split('.').slice(0, 3).join('.');
  let n = 0;
  return {
    cni: host$.proxies().cni as NetworkDriver,
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
    addresses: async (netns) => {
      const links = JSON.parse(ip('-n', netns.replace('/run/netns/', ''), '-j', '-4', 'addr') || '[]') as { ifname: string; addr_info: { local: string }[] }[];
      return links.filter((l) => l.ifname !== 'lo').flatMap((l) => l.addr_info.map((a) => a.local));
    },
    routes: async () => (JSON.parse(ip('-n', host.netns, '-j', 'route') || '[]') as { dst: string }[]).map((r) => r.dst),
    reach: async (from, target) => {
      try {
        execFileSync('ip', ['netns', 'exec', from.replace('/run/netns/', ''), 'busybox', 'ping', '-c', '1', '-W', '2', target], { stdio: 'ignore', timeout: 10_000 });
        return true;
      } catch {
        return false;
      }
    },
    cleanup: async () => {
      await host$?.dispose();
      net.destroy();
      rmSync(stateRoot, { recursive: true, force: true });
    },
  };
});
