import { allowBridgeForwarding, egressJump, forwardRules, masqueradePods } from './forwarding';

const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };

describe('forwarding through the bridge', () => {
  it('puts an accept rule for traffic in and out of the bridge first in FORWARD, naming the bridge', async () => {
    const calls: string[][] = [];
    const absent = Object.assign(new Error('Bad rule'), { code: 1 });
    await allowBridgeForwarding('lb0', logger, async (args) => {
      calls.push(args);
      if (args[0] === '-C') throw absent;
    });
    expect(calls).toEqual([
      ['-C', 'FORWARD', ...forwardRules('lb0')[0]!],
      ['-I', 'FORWARD', '1', ...forwardRules('lb0')[0]!],
      ['-C', 'FORWARD', ...forwardRules('lb0')[1]!],
      ['-I', 'FORWARD', '1', ...forwardRules('lb0')[1]!],
    ]);
    expect(forwardRules('lb0')[0]).toEqual(['-i', 'lb0', '-m', 'comment', '--comment', 'lastbackend vxlan lb0', '-j', 'ACCEPT']);
    expect(forwardRules('lb0')[1]).toEqual(['-o', 'lb0', '-m', 'comment', '--comment', 'lastbackend vxlan lb0', '-j', 'ACCEPT']);
  });

  it('adds nothing when the rules are there', async () => {
    const calls: string[][] = [];
    await allowBridgeForwarding('lb0', logger, async (args) => void calls.push(args));
    expect(calls.map((c) => c[0])).toEqual(['-C', '-C']);
  });

  it('leaves forwarding to the host without iptables, and says so', async () => {
    const warn = jest.fn();
    await allowBridgeForwarding('lb0', { ...logger, warn }, async () => {
      throw Object.assign(new Error('spawn iptables ENOENT'), { code: 'ENOENT' });
    });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/iptables is not installed/), { bridge: 'lb0' });
  });

  it('fails setup when a rule cannot be added', async () => {
    await expect(
      allowBridgeForwarding('lb0', logger, async (args) => {
        throw Object.assign(new Error(args[0] === '-C' ? 'Bad rule' : 'Permission denied'), { code: 1 });
      }),
    ).rejects.toThrow(/Permission denied/);
  });
});

describe('pods on their way out of the node', () => {
  const listing = (...lines: string[]) => ['-P POSTROUTING ACCEPT', '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', ...lines].join('\n') + '\n';

  it('masquerades what the pods send out of anything but the bridge and the VXLAN device', async () => {
    const calls: string[][] = [];
    await masqueradePods('lb0', 'lb.vxlan', '10.210.3.0/24', logger, async (args) => {
      calls.push(args);
      return args[2] === '-S' ? listing() : '';
    });
    expect(calls).toEqual([
      ['-t', 'nat', '-S', 'POSTROUTING'],
      ['-t', 'nat', '-N', 'LB-lb0'],
      ['-t', 'nat', '-F', 'LB-lb0'],
      ['-t', 'nat', '-A', 'LB-lb0', '-o', 'lb0', '-j', 'RETURN'],
      ['-t', 'nat', '-A', 'LB-lb0', '-o', 'lb.vxlan', '-j', 'RETURN'],
      ['-t', 'nat', '-A', 'LB-lb0', '-o', 'lo', '-j', 'RETURN'],
      ['-t', 'nat', '-A', 'LB-lb0', '-j', 'MASQUERADE'],
      ['-t', 'nat', '-A', 'POSTROUTING', '-s', '10.210.3.0/24', '-m', 'comment', '--comment', 'lastbackend vxlan lb0', '-j', 'LB-lb0'],
    ]);
  });

  it('keeps the jump for the node subnet and removes one for a subnet the node had before', async () => {
    const calls: string[][] = [];
    const jump = (subnet: string) => `-A POSTROUTING -s ${subnet} -m comment --comment "lastbackend vxlan lb0" -j LB-lb0`;
    await masqueradePods('lb0', 'lb.vxlan', '10.210.3.0/24', logger, async (args) => {
      calls.push(args);
      if (args[2] === '-N') throw new Error('Chain already exists');
      return args[2] === '-S' ? listing(jump('10.210.3.0/24'), jump('10.210.9.0/24')) : '';
    });
    const postrouting = calls.filter((c) => c[3] === 'POSTROUTING' && c[2] !== '-S');
    expect(postrouting).toEqual([['-t', 'nat', '-D', 'POSTROUTING', ...egressJump('lb0', '10.210.9.0/24')]]);
  });

  it('leaves pods unmasqueraded without iptables, and says so', async () => {
    const warn = jest.fn();
    await masqueradePods('lb0', 'lb.vxlan', '10.210.3.0/24', { ...logger, warn }, async () => {
      throw Object.assign(new Error('spawn iptables ENOENT'), { code: 'ENOENT' });
    });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/not masqueraded/), { bridge: 'lb0' });
  });
});
