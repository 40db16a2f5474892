import { ipv4 } from '@lastbackend/sdk';
import { bridgeMac, formatMac, podMac, vtepMac } from './mac';

const parseCidr = ipv4.parseCidr;

describe('mac', () => {
  it('derives VTEP and bridge MACs from the subnet', () => {
    const c = parseCidr('10.210.3.0/24');
    expect(formatMac(vtepMac(c))).toBe('0a:58:0a:d2:03:00');
    expect(formatMac(bridgeMac(c))).toBe('0a:58:0a:d2:03:01');
    expect(formatMac(vtepMac(parseCidr('10.214.2.0/24')))).toBe('0a:58:0a:d6:02:00');
  });

  it("derives a pod's MAC from its address, apart from the bridge's and the VTEP's", () => {
    expect(formatMac(podMac('10.210.3.7'))).toBe('0a:58:0a:d2:03:07');
    const c = parseCidr('10.210.3.0/24');
    expect(new Set([formatMac(podMac('10.210.3.2')), formatMac(bridgeMac(c)), formatMac(vtepMac(c))]).size).toBe(3);
  });
});
