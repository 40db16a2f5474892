import { allowBridgeForwarding, forwardRules } from './forwarding';

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
