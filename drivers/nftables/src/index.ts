// @lastbackend/driver-nftables: service VIPs (CPI) as one nftables table: DNAT to a backend picked by
// numgen (weighted by slot ranges), masquerade of service traffic, reject for VIPs without backends.
// Its identity (name, version, kinds, driver API) is its package.json's; the kernel hands it over as ctx.info.
import { defineDriver } from '@lastbackend/sdk';
import { configSchema, type NftablesDriverConfig } from './config';
import { NftablesProxy } from './driver';

export default defineDriver<NftablesDriverConfig>({
  configSchema,
  create(ctx) {
    return { cpi: new NftablesProxy(ctx.config, ctx.logger, ctx.info) };
  },
});

export { configSchema, type NftablesDriverConfig } from './config';
export { NftablesProxy } from './driver';
export { buildScript, checkTable, renderScript, type CheckedTable, type Service, type RulesetOptions } from './ruleset';
export { parseTable, type ParsedTable } from './parse';
