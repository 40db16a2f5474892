// Finishes a pod's interface from inside the pod's network namespace: its address, the link and lo up, the
// default route. A netlink socket acts in the namespace of the process that opened it and Node cannot
// setns(), so this runs one short process, `nsenter --net=<netns> ip -batch -` (about 10 ms; the Node helper
// it replaces took 300 ms and more, most of a pod's start). The interface itself is made in the namespace
// already named, addressed by MAC and sized (Netlink.createVeth).
import { execFile } from 'node:child_process';
import { LbError } from '@lastbackend/sdk';

export interface PodInterface {
  /** Its name inside the pod, e.g. "eth0". */
  ifname: string;
  ip: string;
  prefix: number;
  /** Default gateway (the node bridge address). */
  gateway: string;
}

/** The `ip -batch` script: every line replaces or sets, so running it again changes nothing. */
export function podInterfaceScript(c: PodInterface): string {
  return [
    `address replace ${c.ip}/${c.prefix} dev ${c.ifname}`,
    `link set dev ${c.ifname} up`,
    'link set dev lo up',
    `route replace default via ${c.gateway} dev ${c.ifname}`,
  ].join('\n') + '\n';
}

export function configurePodInterface(netns: string, c: PodInterface): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('nsenter', [`--net=${netns}`, 'ip', '-batch', '-'], { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = stderr.trim() || err.message;
      reject(new LbError('INTERNAL', `configuring ${c.ifname} in ${netns} failed: ${why}`));
    });
    // nsenter exits before reading when the namespace is gone (the container exited meanwhile): the write
    // then fails with EPIPE, which without a listener would end the whole process. The exit reports it.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(podInterfaceScript(c));
  });
}
