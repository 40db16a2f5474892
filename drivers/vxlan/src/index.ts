// @lastbackend/driver-vxlan: pod networking (CNI) on a node bridge, nodes joined by a VXLAN overlay,
// configured over rtnetlink (flannel-like, no `ip` binary).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDriver, DRIVER_API_VERSION } from '@lastbackend/sdk';
import { configSchema, type VxlanDriverConfig } from './config';
import { DRIVER_NAME, VxlanNetwork } from './driver';

const readVersion = (): string => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
};

export const version = readVersion();

export default defineDriver<VxlanDriverConfig>({
  name: DRIVER_NAME,
  version,
  kinds: ['cni'],
  api: DRIVER_API_VERSION,
  configSchema,
  create(ctx) {
    return { cni: new VxlanNetwork(ctx.config, ctx.logger, ctx.stateDir, version) };
  },
});

export { configSchema, type VxlanDriverConfig } from './config';
export { VxlanNetwork, hostVethName, peerVethName, podKey, remoteEntry, DRIVER_NAME } from './driver';
export { Netlink } from './netlink';
export * as mac from './mac';
