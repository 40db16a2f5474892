// The networks the agent tells discovery DNS to answer: the pods' ones, never the host's other networks.
import { firstIpv4, networkOf, podNetworks } from './discovery';

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
