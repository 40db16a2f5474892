// Forwarding through the node bridge. Docker sets the FORWARD policy of iptables to DROP, and with
// br_netfilter (which Docker loads) even traffic between two ports of one bridge passes that chain: pods
// on the bridge could reach the host but not each other, nor pods of other nodes (bridge → VXLAN device).
// The driver accepts what enters or leaves its bridge, as Docker does for its own; each rule carries a
// comment naming the bridge, so that it is found (and removed by whoever removes the bridge).
import { execFile } from 'node:child_process';
import type { DriverLogger } from '@lastbackend/sdk';

/** The comment on the rules for one bridge. */
export const ruleComment = (bridge: string) => `lastbackend vxlan ${bridge}`;

/** The FORWARD rules (iptables arguments after the chain) that let traffic in and out of the bridge. */
export function forwardRules(bridge: string): string[][] {
  const comment = ['-m', 'comment', '--comment', ruleComment(bridge)];
  return [
    ['-i', bridge, ...comment, '-j', 'ACCEPT'],
    ['-o', bridge, ...comment, '-j', 'ACCEPT'],
  ];
}

type Run = (args: string[]) => Promise<void>;

const iptables: Run = (args) =>
  new Promise((resolve, reject) => execFile('iptables', ['-w', '5', ...args], { timeout: 15_000 }, (err, _out, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve())));

/**
 * Makes sure the FORWARD chain accepts traffic of the bridge (rules put first, once). A host without
 * iptables has no such policy to get past: that is logged, not an error.
 */
export async function allowBridgeForwarding(bridge: string, logger: DriverLogger, run: Run = iptables): Promise<void> {
  for (const rule of forwardRules(bridge)) {
    try {
      await run(['-C', 'FORWARD', ...rule]);
      continue; // already there
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        logger.warn('iptables is not installed: forwarding through the pod bridge is left to the host', { bridge });
        return;
      }
    }
    await run(['-I', 'FORWARD', '1', ...rule]);
  }
}
