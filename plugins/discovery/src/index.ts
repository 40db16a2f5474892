/**
 * Service discovery DNS for Last.Backend: `<service>.<namespace>.<suffix>` (VIP), `<pod>.<service>.<namespace>.<suffix>`
 * (pod IP) and SRV `_<port>._<proto>.<service>.<namespace>.<suffix>`; other names go to upstream resolvers.
 * The default export is the plugin (SDK discovery contract): the agent loads it by name and feeds it
 * with setRecords; the rest is its library.
 */
export { default, PLUGIN_NAME, parseDiscoveryConfig } from './plugin';
export { DiscoveryServer, type DiscoveryOptions } from './server';
export { Zone, normalizeName, type DiscoveryService, type DiscoveryPod, type DiscoveryRecords, type ZoneAnswer, type ZoneOptions, type ZoneRcode } from './zone';
export { parseResolvConf, readResolvConf, parseUpstream, type Upstream } from './resolv';
