import { hostVethName, peerVethName, podKey, remoteEntry } from './driver';
import { formatMac } from './mac';
import { configSchema } from './config';

describe('vxlan driver naming', () => {
  it('derives stable, short, distinct veth names from the pod key', () => {
    const key = podKey({ namespace: 'default', pod: 'web-1' });
    expect(key).toBe('default/web-1');
    expect(hostVethName(key)).toMatch(/^lbv[0-9a-f]{10}$/);
    expect(peerVethName(key)).toBe('lbp' + hostVethName(key).slice(3));
    expect(hostVethName(key)).toBe(hostVethName('default/web-1'));
    expect(hostVethName(key)).not.toBe(hostVethName('default/web-2'));
  });

  it('computes the overlay entries of a remote node', () => {
    const e = remoteEntry({ subnet: '10.214.2.0/24', address: '10.213.0.3' });
    expect(e.vtep).toBe('10.214.2.0');
    expect(formatMac(e.mac)).toBe('0a:58:0a:d6:02:00');
    expect(() => remoteEntry({ subnet: '10.214.2.1/24', address: '10.213.0.3' })).toThrow();
  });

  it('has strict config with defaults', () => {
    expect(configSchema.parse({})).toEqual({ bridge: 'lb0', vxlan: 'lb.vxlan', vni: 1, port: 4789 });
    expect(configSchema.safeParse({ vni: 0 }).success).toBe(false);
    expect(configSchema.safeParse({ vni: 16777216 }).success).toBe(false);
    expect(configSchema.safeParse({ bridge: 'a-name-longer-than-15' }).success).toBe(false);
    expect(configSchema.safeParse({ typo: 1 }).success).toBe(false);
  });
});
