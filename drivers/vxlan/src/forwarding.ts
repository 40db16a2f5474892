// Forwarding through the node bridge, and pods' way out. Docker sets the FORWARD policy of iptables to
// DROP, and with br_netfilter (which Docker loads) even traffic between two ports of one bridge passes
// that chain: pods on the bridge could reach the host but not each other, nor pods of other nodes (bridge
// → VXLAN device). The driver accepts what enters or leaves its bridge, as Docker does for its own, and
// masquerades what its pods send out of the node other than over the overlay (pod addresses mean nothing
// outside the cluster). Each rule carries a comment naming the bridge, so that it is found (and removed
// by whoever removes the bridge).
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

/** The nat chain of one bridge: what its pods send out of the node other than over the overlay is masqueraded. */
export const egressChain = (bridge: string) => `LB-${bridge}`;

/**
 * The rules of that chain: over the bridge or the VXLAN device, pod addresses stay; to the node itself
 * (lo: e.g. the node asking its discovery DNS on the bridge gateway, which is inside the subnet) too;
 * out of anything else, the node's.
 */
export function egressChainRules(bridge: string, vxlan: string): string[][] {
  return [['-o', bridge, '-j', 'RETURN'], ['-o', vxlan, '-j', 'RETURN'], ['-o', 'lo', '-j', 'RETURN'], ['-j', 'MASQUERADE']];
}

/** The jump from nat POSTROUTING into that chain, for this node's pod subnet. */
export function egressJump(bridge: string, subnet: string): string[] {
  return ['-s', subnet, '-m', 'comment', '--comment', ruleComment(bridge), '-j', egressChain(bridge)];
}

/** Runs iptables with these arguments; resolves to its standard output. */
type Run = (args: string[]) => Promise<string | void>;

const iptables: Run = (args) =>
  new Promise((resolve, reject) =>
    execFile('iptables', ['-w', '5', ...args], { timeout: 15_000 }, (err, out, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve(out))),
  );

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

/**
 * Makes sure the pods of this node's subnet are masqueraded on their way out of the node (not over the
 * overlay), and that no jump of this bridge for another subnet (the node's subnet changed) is left.
 * Without iptables: nothing, and said so.
 */
export async function masqueradePods(bridge: string, vxlan: string, subnet: string, logger: DriverLogger, run: Run = iptables): Promise<void> {
  const chain = egressChain(bridge);
  let listed: string;
  try {
    listed = (await run(['-t', 'nat', '-S', 'POSTROUTING'])) || '';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      logger.warn('iptables is not installed: pods are not masqueraded on their way out of the node', { bridge });
      return;
    }
    throw e;
  }
  await run(['-t', 'nat', '-N', chain]).catch(() => undefined); // exists already
  await run(['-t', 'nat', '-F', chain]);
  for (const rule of egressChainRules(bridge, vxlan)) await run(['-t', 'nat', '-A', chain, ...rule]);
  let present = false;
  for (const line of listed.split('\n').filter((l) => l.startsWith('-A POSTROUTING ') && l.endsWith(`-j ${chain}`))) {
    if (!present && line.startsWith(`-A POSTROUTING -s ${subnet} `)) {
      present = true;
      continue;
    }
    const source = /^-A POSTROUTING -s (\S+) /.exec(line)?.[1];
    if (source) await run(['-t', 'nat', '-D', 'POSTROUTING', ...egressJump(bridge, source)]);
  }
  if (!present) await run(['-t', 'nat', '-A', 'POSTROUTING', ...egressJump(bridge, subnet)]);
}
