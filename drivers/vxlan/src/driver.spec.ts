import { ipv4 } from '@lastbackend/sdk';
import { desiredRemotes, hostVethName, podKey, remoteEntry } from './driver';
import { formatMac } from './mac';
import { configSchema } from './config';

describe('vxlan driver naming', () => {
  it('derives stable, short, distinct veth names from the pod key', () => {
    const key = podKey({ namespace: 'default', pod: 'web-1' });
    expect(key).toBe('default/web-1');
    expect(hostVethName(key)).toMatch(/^lbv[0-9a-f]{10}$/);
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

describe('vxlan remote nodes', () => {
  const own = ipv4.parseCidr('10.214.1.0/24');
  it('leaves out a bad remote node and keeps every other one', () => {
    const { desired, skipped } = desiredRemotes(
      [
        { subnet: '10.214.2.0/24', address: '10.213.0.2' },
        { subnet: '10.214.3.0/24', address: 'not-an-ip' },
        { subnet: '10.214.1.0/24', address: '10.213.0.1' }, // this node: not an entry, not a problem
        { subnet: '10.214.1.128/25', address: '10.213.0.4' },
        { subnet: 'nope', address: '10.213.0.5' },
        { subnet: '10.214.2.0/24', address: '10.213.0.6' },
        { subnet: '10.214.7.0/24', address: '10.213.0.7' },
      ],
      own,
    );
    expect([...desired.keys()]).toEqual(['10.214.2.0/24', '10.214.7.0/24']);
    expect(desired.get('10.214.2.0/24')!.address).toBe('10.213.0.2');
    expect(skipped.map((f) => f.field)).toEqual(['remotes.1', 'remotes.3.subnet', 'remotes.4', 'remotes.5.subnet']);
    expect(skipped[0]!.reason).toContain('not-an-ip');
  });
});
