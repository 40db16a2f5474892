import { podInterfaceScript } from './pod-interface';

describe('pod interface script', () => {
  it('sets the address, both links up and the default route, each line safe to repeat', () => {
    const lines = podInterfaceScript({ ifname: 'eth0', ip: '10.214.1.7', prefix: 24, gateway: '10.214.1.1' }).trimEnd().split('\n');
    expect(lines).toEqual([
      'address replace 10.214.1.7/24 dev eth0',
      'link set dev eth0 up',
      'link set dev lo up',
      'route replace default via 10.214.1.1 dev eth0',
    ]);
  });
});
