// @lastbackend/driver-ipvs: service VIPs (CPI) on the kernel's IPVS, programmed over generic netlink
// (no ipvsadm binary); VIPs are bound to a dummy link, or to lo when the kernel has no dummy link type.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDriver, DRIVER_API_VERSION } from '@lastbackend/sdk';
import { configSchema, type IpvsDriverConfig } from './config';
import { DRIVER_NAME, IpvsProxy } from './driver';

const readVersion = (): string => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
};

export const version = readVersion();

export default defineDriver<IpvsDriverConfig>({
  name: DRIVER_NAME,
  version,
  kinds: ['cpi'],
  api: DRIVER_API_VERSION,
  configSchema,
  create(ctx) {
    return { cpi: new IpvsProxy(ctx.config, ctx.logger, ctx.stateDir, version) };
  },
});

export { configSchema, type IpvsDriverConfig } from './config';
export { IpvsProxy, DRIVER_NAME } from './driver';
export { IpvsClient, NO_IPVS } from './ipvs';
export { Links } from './links';
export * as genl from './genl';
export * as table from './table';
