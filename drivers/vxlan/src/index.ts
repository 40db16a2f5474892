// @lastbackend/driver-vxlan: pod networking (CNI) on a node bridge, nodes joined by a VXLAN overlay,
// configured over rtnetlink (flannel-like); inside a pod's namespace, one `ip -batch` under nsenter.
// Its identity (name, version, kinds, driver API) is its package.json's; the kernel hands it over as ctx.info.
import { defineDriver } from '@lastbackend/sdk';
import { configSchema, type VxlanDriverConfig } from './config';
import { VxlanNetwork } from './driver';

export default defineDriver<VxlanDriverConfig>({
  configSchema,
  create(ctx) {
    return { cni: new VxlanNetwork(ctx.config, ctx.logger, ctx.stateDir, ctx.info) };
  },
});

export { configSchema, type VxlanDriverConfig } from './config';
export { VxlanNetwork, hostVethName, podKey, remoteEntry } from './driver';
export { Netlink } from './netlink';
export * as mac from './mac';
