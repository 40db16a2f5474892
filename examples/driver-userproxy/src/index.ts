// @example/driver-userproxy: an example third-party CPI driver. Each TCP service VIP is served by a
// listener in the agent's own process that pipes connections to a backend (rr, wrr or lc).
// Its identity (name, version, kinds, driver API) is its package.json's; the kernel hands it over as ctx.info.
import { defineDriver } from '@lastbackend/sdk';
import { configSchema, type UserproxyConfig } from './config';
import { UserProxy } from './driver';

export default defineDriver<UserproxyConfig>({
  configSchema,
  create: ({ config, logger, info }) => ({ cpi: new UserProxy(config, logger, info) }),
});

export { configSchema, type UserproxyConfig } from './config';
export { UserProxy, checkTable } from './driver';
export { Balancer, ServiceListener } from './proxy';
