import { LbError } from '@lastbackend/sdk';
import { configurePodInterface, podInterfaceScript } from './pod-interface';

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

describe('configurePodInterface', () => {
  // nsenter exits at once when the namespace is gone (a container that exited meanwhile), often before its
  // script is written: that write's EPIPE once ended the whole server. Many at once make it happen.
  it('rejects, naming the namespace, when it is gone; the write to a process that did not read is no crash', async () => {
    const c = { ifname: 'eth0', ip: '10.214.1.7', prefix: 24, gateway: '10.214.1.1' };
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => configurePodInterface(`/nonexistent/netns-${i}`, c)));
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason as LbError;
      expect(e).toBeInstanceOf(LbError);
      expect(e.message).toContain(`configuring eth0 in /nonexistent/netns-${i} failed`);
    }
  });
});
