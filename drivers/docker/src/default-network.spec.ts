import { networkFromIpam } from './default-network';

describe("docker's default network from IPAM", () => {
  it('takes the first IPv4 entry, with its gateway', () => {
    expect(networkFromIpam([{ Subnet: 'fd00::/64', Gateway: 'fd00::1' }, { Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }])).toEqual({ gateway: '172.17.0.1', subnet: '172.17.0.0/16' });
  });
  it('an entry without a gateway gets the first host of its subnet', () => {
    expect(networkFromIpam([{ Subnet: '10.99.0.0/24' }])).toEqual({ gateway: '10.99.0.1', subnet: '10.99.0.0/24' });
  });
  it('no IPv4 entry: no network', () => {
    expect(networkFromIpam(null)).toBeUndefined();
    expect(networkFromIpam([{ Subnet: 'junk' }])).toBeUndefined();
  });
});
