import { networkInterfaces } from 'node:os';
import { clusterAddresses } from './cluster';

describe('the cluster addresses egress refuses', () => {
  const network = { cluster_cidr: '10.210.0.0/16', service_cidr: '10.211.0.0/16' };
  const nodes = async () => [{ status: { addresses: ['192.168.1.10', '10.0.0.4'] } }, { status: { addresses: [] } }];

  it('node addresses from the stored nodes, the pod and service networks, and the API listen address', async () => {
    expect(await clusterAddresses({ network, listenHost: '192.168.1.2', nodes })()).toEqual({
      nodes: ['192.168.1.10', '10.0.0.4'],
      pods: ['10.210.0.0/16'],
      services: ['10.211.0.0/16'],
      api: ['192.168.1.2'],
    });
  });

  it('an API listening on all interfaces has each interface\'s address', async () => {
    const local = Object.values(networkInterfaces()).flat().map((i) => i!.address.replace(/%.*$/, ''));
    expect((await clusterAddresses({ network, listenHost: '0.0.0.0', nodes })()).api).toEqual(local);
    expect((await clusterAddresses({ network, listenHost: '[::]', nodes })()).api).toEqual(local);
  });
});
