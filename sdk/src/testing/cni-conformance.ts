// Conformance suite for network (CNI) drivers: a node is set up idempotently; a pod attached gets one
// address of the node's subnet inside its own network namespace, the same one when attached again, pods
// attached at the same time get distinct ones, and pods of the node reach each other; detach is
// idempotent and takes the address away; the remote nodes' subnets are routed exactly as the last
// setRemotes() said. The driver acts on the network namespace it runs in (the "host"); the subject
// creates pod namespaces and looks into them for the suite.
//   runCniConformance('vxlan', async () => ({ cni, node, remotes, newPodNetns, addresses, routes, reach }));
import { DRIVER_API_VERSION, type NetworkDriver, type NodeNetwork, type PodNetworkRef } from '../drivers/types';
import * as ipv4 from '../net/ipv4';
import { uniqueSuffix } from './helpers';

export interface CniConformanceSubject {
  cni: NetworkDriver;
  /** This node: a subnet of its own (a /24 or smaller) and an underlay address the host has. */
  node: NodeNetwork;
  /** Two other nodes: subnets that do not overlap `node.subnet`, underlay addresses next to the host's. */
  remotes: [NodeNetwork, NodeNetwork];
  /** A fresh, empty network namespace for a pod; returns its path and how to remove it. */
  newPodNetns(): Promise<{ path: string; remove(): Promise<void> }>;
  /** The IPv4 addresses (without prefix) inside a pod's namespace, loopback left out. */
  addresses(netns: string): Promise<string[]>;
  /** The destinations (CIDR) of the host's routes, e.g. from `ip -j route`. */
  routes(): Promise<string[]>;
  /** Whether a pod's namespace reaches `ip` (e.g. one ping from inside it). */
  reach(fromNetns: string, ip: string): Promise<boolean>;
  cleanup?: () => Promise<void>;
}

export function runCniConformance(name: string, factory: () => Promise<CniConformanceSubject>): void {
  describe(`CNI conformance: ${name}`, () => {
    const run = uniqueSuffix();
    const namespaces: { path: string; remove(): Promise<void> }[] = [];
    const attached: PodNetworkRef[] = [];
    let subject: CniConformanceSubject | undefined;
    const s = (): CniConformanceSubject => {
      if (!subject) throw new Error('the conformance factory failed; see the beforeAll error');
      return subject;
    };
    const pod = async (purpose: string): Promise<PodNetworkRef> => {
      const ns = await s().newPodNetns();
      namespaces.push(ns);
      const ref = { namespace: 'lbconf', pod: `${purpose}-${run}`, netns: ns.path };
      attached.push(ref);
      return ref;
    };
    const inSubnet = (ip: string) => ipv4.contains(ipv4.parseCidr(s().node.subnet), ipv4.parseIp(ip));
    const canonical = (cidr: string) => ipv4.formatCidr(ipv4.parseCidr(cidr));
    const remoteRoutes = async () => {
      const wanted = s().remotes.map((r) => canonical(r.subnet));
      return (await s().routes()).map((r) => (r.includes('/') ? canonical(r) : r)).filter((r) => wanted.includes(r)).sort();
    };

    beforeAll(async () => {
      subject = await factory();
    });

    afterAll(async () => {
      if (subject) {
        for (const ref of attached) await subject.cni.detach(ref).catch(() => undefined);
        await subject.cni.setRemotes([]).catch(() => undefined);
      }
      for (const ns of namespaces) await ns.remove().catch(() => undefined);
      await subject?.cleanup?.();
    });

    it('info() names the driver and speaks the SDK driver API; probe() reports ready', async () => {
      const info = s().cni.info();
      expect(info.name.length).toBeGreaterThan(0);
      expect(info.api).toContain(DRIVER_API_VERSION);
      await expect(s().cni.probe()).resolves.toMatchObject({ state: 'ready' });
    });

    it('setupNode() is idempotent', async () => {
      await s().cni.setupNode(s().node);
      await s().cni.setupNode(s().node);
    });

    it('attach() gives a pod one address of the node subnet inside its namespace; attaching again keeps it', async () => {
      const p = await pod('a');
      const { ip } = await s().cni.attach(p);
      expect(inSubnet(ip)).toBe(true);
      expect(await s().addresses(p.netns)).toEqual([ip]);
      await expect(s().cni.attach(p)).resolves.toEqual({ ip });
      expect(await s().addresses(p.netns)).toEqual([ip]);
    });

    it('pods of the node get distinct addresses and reach each other', async () => {
      const a = await pod('b1');
      const b = await pod('b2');
      const ipA = (await s().cni.attach(a)).ip;
      const ipB = (await s().cni.attach(b)).ip;
      expect(ipA).not.toBe(ipB);
      expect(await s().reach(a.netns, ipB)).toBe(true);
      expect(await s().reach(b.netns, ipA)).toBe(true);
    });

    it('pods attached at the same time each get their own address, inside their own namespace', async () => {
      const pods = await Promise.all(Array.from({ length: 6 }, (_, i) => pod(`t${i}`)));
      const ips = (await Promise.all(pods.map((p) => s().cni.attach(p)))).map((r) => r.ip);
      expect(new Set(ips).size).toBe(pods.length);
      for (const [i, p] of pods.entries()) expect(await s().addresses(p.netns)).toEqual([ips[i]]);
      expect(await s().reach(pods[0]!.netns, ips[ips.length - 1]!)).toBe(true);
    });

    it('a pod that gets the address of one just detached is reached at once by a pod that talked to the old one', async () => {
      const peer = await pod('r0');
      const old = await pod('r1');
      await s().cni.attach(peer);
      const { ip } = await s().cni.attach(old);
      expect(await s().reach(peer.netns, ip)).toBe(true); // the peer now knows the old pod's link address
      await s().cni.detach(old);
      const next = await pod('r2');
      const { ip: ipNext } = await s().cni.attach(next);
      // The address is usually given again at once (a replica replaced by the next version); either way the
      // new pod answers now, not once a stale neighbour entry for that address timed out.
      expect(await s().reach(peer.netns, ipNext)).toBe(true);
    });

    it('detach() takes the address away and is idempotent, also for a pod never attached', async () => {
      const p = await pod('c');
      const { ip } = await s().cni.attach(p);
      await s().cni.detach(p);
      expect(await s().addresses(p.netns)).not.toContain(ip);
      await s().cni.detach(p);
      await s().cni.detach({ namespace: 'lbconf', pod: `never-${run}`, netns: '' });
    });

    it('routes the remote subnets exactly as the last setRemotes() said', async () => {
      const [r1, r2] = s().remotes;
      await s().cni.setRemotes([r1, r2]);
      expect(await remoteRoutes()).toEqual([canonical(r1.subnet), canonical(r2.subnet)].sort());
      await s().cni.setRemotes([r1, r2]); // idempotent
      expect(await remoteRoutes()).toEqual([canonical(r1.subnet), canonical(r2.subnet)].sort());
      await s().cni.setRemotes([r2]);
      expect(await remoteRoutes()).toEqual([canonical(r2.subnet)]);
      await s().cni.setRemotes([]);
      expect(await remoteRoutes()).toEqual([]);
    });
  });
}
