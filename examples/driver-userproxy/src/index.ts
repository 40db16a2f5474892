// @example/driver-userproxy: an example third-party CPI driver. Each TCP service VIP is served by a
// listener in the agent's own process that pipes connections to a backend (rr, wrr or lc).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDriver, DRIVER_API_VERSION } from '@lastbackend/sdk';
import { configSchema, type UserproxyConfig } from './config';
import { UserProxy } from './driver';

/** This package's version, from its package.json (dist/../package.json). */
function packageVersion(): string {
  try {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const version = packageVersion();

export default defineDriver<UserproxyConfig>({
  name: 'userproxy',
  version,
  kinds: ['cpi'],
  api: DRIVER_API_VERSION,
  configSchema,
  create: ({ config, logger }) => ({ cpi: new UserProxy(config, logger, version) }),
});

export { configSchema, type UserproxyConfig } from './config';
export { UserProxy, DRIVER_NAME, checkTable } from './driver';
export { Balancer, ServiceListener } from './proxy';
