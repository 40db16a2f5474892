// The guard on the server's outbound calls for a namespace (spec.egress): guard.ts is the entry point.
export { EgressGuard, EgressError, allowFromStore, EGRESS_DEFAULTS, type EgressOptions, type EgressRequest, type EgressResponse, type Resolver } from './guard';
export { clusterAddresses, type ClusterSource } from './cluster';
export type { ClusterAddresses } from './classify';
