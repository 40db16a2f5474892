// The plugin: `discovery: { plugin: '@lastbackend/plugin-discovery', config: { upstreams: ['1.1.1.1'], ttl: 5 } }`.
import { LbError, definePlugin, type DiscoveryDnsOptions } from '@lastbackend/sdk';
import { DiscoveryServer, type DiscoveryOptions } from './server';

export const PLUGIN_NAME = 'discovery';

type Settings = Pick<DiscoveryOptions, 'upstreams' | 'ttl' | 'udpThread'>;

/**
 * Settings under `discovery.config`: `upstreams` (resolvers for other names, default the host's), `ttl`
 * (seconds) and `udp_thread` (false: UDP served by node:dgram rather than the native thread).
 */
export function parseDiscoveryConfig(config: Record<string, unknown>): Settings {
  const out: Settings = {};
  for (const [k, v] of Object.entries(config)) {
    if (k === 'upstreams') {
      if (!Array.isArray(v) || !v.every((u) => typeof u === 'string' && u !== ''))
        throw new LbError('INVALID_ARGUMENT', "discovery.config.upstreams: must be a list of resolvers such as '1.1.1.1' or '10.0.0.2:53'");
      out.upstreams = v as string[];
    } else if (k === 'ttl') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 86400)
        throw new LbError('INVALID_ARGUMENT', 'discovery.config.ttl: must be whole seconds from 0 to 86400');
      out.ttl = v;
    } else if (k === 'udp_thread') {
      if (typeof v !== 'boolean') throw new LbError('INVALID_ARGUMENT', 'discovery.config.udp_thread: must be true or false');
      out.udpThread = v;
    } else {
      throw new LbError('INVALID_ARGUMENT', `discovery.config.${k}: unknown setting of ${PLUGIN_NAME} (it knows: upstreams, ttl, udp_thread)`);
    }
  }
  return out;
}

export default definePlugin({
  name: PLUGIN_NAME,
  discovery: (opts: DiscoveryDnsOptions) =>
    new DiscoveryServer({ suffix: opts.suffix, allowFrom: opts.allowFrom, logger: opts.logger, ...parseDiscoveryConfig(opts.config) }),
});
