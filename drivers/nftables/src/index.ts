// @lastbackend/driver-nftables: service VIPs (CPI) as one nftables table: DNAT to a backend picked by
// numgen (weighted by slot ranges), masquerade of service traffic, reject for VIPs without backends.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineDriver, DRIVER_API_VERSION } from '@lastbackend/sdk';
import { configSchema, type NftablesDriverConfig } from './config';
import { DRIVER_NAME, NftablesProxy } from './driver';

const readVersion = (): string => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
};

export const version = readVersion();

export default defineDriver<NftablesDriverConfig>({
  name: DRIVER_NAME,
  version,
  kinds: ['cpi'],
  api: DRIVER_API_VERSION,
  configSchema,
  create(ctx) {
    return { cpi: new NftablesProxy(ctx.config, ctx.logger, version) };
  },
});

export { configSchema, type NftablesDriverConfig } from './config';
export { NftablesProxy, DRIVER_NAME } from './driver';
export { buildScript, checkTable, renderScript, type CheckedTable, type Service, type RulesetOptions } from './ruleset';
export { parseTable, type ParsedTable } from './parse';
