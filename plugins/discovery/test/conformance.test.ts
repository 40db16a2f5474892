// The discovery plugin against the SDK's discovery plugin conformance suite, as a third party's would run.
import { runDiscoveryConformance } from '@lastbackend/sdk/testing';
import plugin from '../src';

// No upstreams: the suite asks only names of the zone, and nothing may leave for the host's resolvers.
runDiscoveryConformance('@lastbackend/plugin-discovery', async () => ({ plugin, config: { upstreams: [] } }));
