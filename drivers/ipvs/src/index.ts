// @lastbackend/driver-ipvs: service VIPs (CPI) on the kernel's IPVS, programmed over generic netlink
// (no ipvsadm binary); VIPs are bound to a dummy link, or to lo when the kernel has no dummy link type.
// Its identity (name, version, kinds, driver API) is its package.json's; the kernel hands it over as ctx.info.
import { defineDriver } from '@lastbackend/sdk';
import { configSchema, type IpvsDriverConfig } from './config';
import { IpvsProxy } from './driver';

export default defineDriver<IpvsDriverConfig>({
  configSchema,
  create(ctx) {
    return { cpi: new IpvsProxy(ctx.config, ctx.logger, ctx.stateDir, ctx.info) };
  },
});

export { configSchema, type IpvsDriverConfig } from './config';
export { IpvsProxy } from './driver';
export { IpvsClient, NO_IPVS } from './ipvs';
export { Links } from './links';
export * as genl from './genl';
export * as table from './table';
