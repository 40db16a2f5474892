// Configures a pod's interface from inside the pod's network namespace. A netlink socket acts in the
// namespace of its process and Node cannot setns(), so the driver runs this file as
//   nsenter --net=<netns> <node> netns-helper.js '<json PodInterface>'
// It prints one JSON line ({"ok":true} or {"error":"…"}) and exits 0 or 1.
import { Netlink, parseMac } from './netlink';

export interface PodInterface {
  /** Current name of the veth end that was moved into the namespace. */
  link: string;
  /** Name it gets inside the pod, e.g. "eth0". */
  ifname: string;
  mtu?: number;
  ip: string;
  prefix: number;
  /** Default gateway (the node bridge address). */
  gateway: string;
  /** Its MAC (aa:bb:…), set while it is down; absent: the kernel's random one. */
  mac?: string;
}

/** rename → MTU → address → up → lo up → default route. Safe to repeat. */
export async function configurePodInterface(nl: Netlink, c: PodInterface): Promise<void> {
  let link = await nl.getLink(c.link);
  if (!link) {
    // A repeated run after the rename: the interface already carries its final name.
    link = await nl.getLink(c.ifname);
    if (!link || link.kind !== 'veth') throw new Error(`no interface ${c.link} in the pod network namespace`);
  } else if (c.link !== c.ifname) {
    const taken = await nl.getLink(c.ifname);
    if (taken) throw new Error(`the pod network namespace already has an interface ${c.ifname}`);
    if (link.up) await nl.setLinkUp(link.index, false);
    await nl.renameLink(link.index, c.ifname);
  }
  if (c.mac && link.mac !== c.mac) {
    if (link.up) await nl.setLinkUp(link.index, false);
    await nl.setMac(link.index, parseMac(c.mac));
  }
  if (c.mtu && link.mtu !== c.mtu) await nl.setMtu(link.index, c.mtu);
  await nl.setAddress(link.index, c.ip, c.prefix);
  await nl.setLinkUp(link.index);
  const lo = await nl.getLink('lo');
  if (lo && !lo.up) await nl.setLinkUp(lo.index);
  await nl.replaceRoute({ dst: '0.0.0.0', prefix: 0, gateway: c.gateway, oif: link.index });
}

function parseArg(raw: string | undefined): PodInterface {
  if (!raw) throw new Error('usage: netns-helper.js <json>');
  const v = JSON.parse(raw) as Partial<PodInterface>;
  for (const k of ['link', 'ifname', 'ip', 'gateway'] as const) {
    if (typeof v[k] !== 'string' || !v[k]) throw new Error(`missing ${k}`);
  }
  if (typeof v.prefix !== 'number') throw new Error('missing prefix');
  return v as PodInterface;
}

async function main(): Promise<void> {
  let nl: Netlink | undefined;
  try {
    const c = parseArg(process.argv[2]);
    nl = Netlink.open();
    await configurePodInterface(nl, c);
    process.stdout.write(JSON.stringify({ ok: true }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }) + '\n');
    process.exitCode = 1;
  } finally {
    nl?.close();
  }
}

if (require.main === module) void main();
