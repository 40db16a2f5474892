// The networks the agent tells discovery DNS to answer: the pods' ones, never the host's other networks.
import type { ContainerRuntime, DiscoveryDns } from '@lastbackend/sdk';
import { NodeDiscovery, firstIpv4, networkOf, podNetworks, type DiscoveryConfig } from './discovery';

describe('discovery DNS source networks', () => {
  it('the runtime bridge: its network, from the address the host has on it', () => {
    expect(networkOf('172.17.0.1/16')).toBe('172.17.0.0/16');
    expect(networkOf('10.9.8.7/24')).toBe('10.9.8.0/24');
    expect(networkOf('192.168.5.1/32')).toBe('192.168.5.1/32');
  });

  it('with a CNI driver: the node subnet and the cluster pod range, once each', () => {
    expect(podNetworks('10.210.3.0/24', '10.210.0.0/16')).toEqual(['10.210.3.0/24', '10.210.0.0/16']);
    expect(podNetworks('10.210.3.0/24', undefined)).toEqual(['10.210.3.0/24']);
    expect(podNetworks('10.210.0.0/16', '10.210.0.0/16')).toEqual(['10.210.0.0/16']);
  });

  it("reads docker0's address from ip -j, as it is before any container runs (no carrier)", () => {
    const out = JSON.stringify([{ ifname: 'docker0', flags: ['NO-CARRIER', 'UP'], addr_info: [{ family: 'inet6', local: 'fe80::1', prefixlen: 64 }, { family: 'inet', local: '172.17.0.1', prefixlen: 16 }] }]);
    expect(firstIpv4(out)).toBe('172.17.0.1/16');
    expect(firstIpv4('[]')).toBeUndefined();
    expect(firstIpv4(JSON.stringify([{ ifname: 'docker0', addr_info: [] }]))).toBeUndefined();
  });
});

// The node's discovery with a plugin whose listen fails until its address "is configured": the agent keeps
// trying, and the node's status says why it does not serve meanwhile.

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } } as unknown as ConstructorParameters<typeof NodeDiscovery>[1];

function fakePlugin(configured: Set<string>) {
  const servers: { host: string; allowFrom: string[]; closed: boolean }[] = [];
  const create = (opts: { allowFrom: string[] }): DiscoveryDns => {
    const s = { host: '', allowFrom: opts.allowFrom, closed: false };
    return {
      async listen(host: string) {
        if (!configured.has(host)) throw Object.assign(new Error(`listen EADDRNOTAVAIL: address not available ${host}`), { code: 'EADDRNOTAVAIL' });
        s.host = host;
        servers.push(s);
        return { port: 53 };
      },
      setRecords() {},
      setAllowedSources(c: string[]) {
        s.allowFrom = c;
      },
      async close() {
        s.closed = true;
      },
    };
  };
  return { servers, cfg: { enabled: true, port: 53, suffix: 'lb.local', config: {}, plugin: { package: 'fake-discovery', name: 'fake', create } } satisfies DiscoveryConfig };
}

const until = async (check: () => boolean, ms = 3000): Promise<void> => {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('node discovery DNS', () => {
  it('keeps trying an address that is not configured yet, says why meanwhile, and serves once it is', async () => {
    const configured = new Set<string>();
    const { servers, cfg } = fakePlugin(configured);
    const d = new NodeDiscovery(cfg, quiet, 20);
    try {
      await d.listenOn('10.77.0.1', ['10.77.0.0/24']);
      expect(d.status()).toMatchObject({ capability: 'discovery', package: 'fake-discovery', state: 'not-ready' });
      expect(d.status().message).toMatch(/cannot listen on 10\.77\.0\.1:53: .*EADDRNOTAVAIL/);
      expect(d.resolver('default')).toBeUndefined();
      configured.add('10.77.0.1');
      await until(() => d.status().state === 'ready');
      expect(d.status()).toMatchObject({ state: 'ready', address: '10.77.0.1', message: '' });
      expect(servers.map((s) => s.host)).toEqual(['10.77.0.1']);
      expect(d.resolver('ns1')).toEqual({ servers: ['10.77.0.1'], search: ['ns1.lb.local', 'lb.local'] });
    } finally {
      await d.close();
    }
    expect(servers.every((s) => s.closed)).toBe(true);
  });

  it("without a CNI driver: the runtime's default network, asked again until the runtime reports one", async () => {
    const { cfg } = fakePlugin(new Set(['172.30.0.1']));
    let network: { gateway: string; subnet: string } | undefined;
    const cri = { info: () => ({ name: 'fake-cri' }), defaultNetwork: async () => network } as unknown as ContainerRuntime;
    const d = new NodeDiscovery(cfg, quiet, 20);
    try {
      await d.listenOnRuntimeNetwork(() => cri);
      expect(d.status().message).toMatch(/fake-cri has no default network/);
      network = { gateway: '172.30.0.1', subnet: '172.30.0.0/16' };
      await until(() => d.status().state === 'ready');
      expect(d.status().address).toBe('172.30.0.1');
    } finally {
      await d.close();
    }
  });

  it('a runtime that does not report its network is named; disabled discovery says so', async () => {
    const { cfg } = fakePlugin(new Set());
    const d = new NodeDiscovery(cfg, quiet, 60_000);
    await d.listenOnRuntimeNetwork(() => ({ info: () => ({ name: 'old-cri' }) }) as unknown as ContainerRuntime);
    expect(d.status()).toMatchObject({ state: 'not-ready' });
    expect(d.status().message).toMatch(/old-cri does not report its default network/);
    await d.close();
    const off = new NodeDiscovery({ ...cfg, enabled: false }, quiet);
    await off.listenOn('10.1.1.1', []);
    expect(off.status()).toMatchObject({ state: 'disabled' });
  });
});
