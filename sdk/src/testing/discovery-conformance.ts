// Conformance suite for discovery plugins: the plugin object provides `discovery`, and the DNS server it
// makes listens where it is told (UDP and TCP on one port), answers the records it was fed for services
// and pods, sees a new table at once, leaves a bad entry out rather than the whole table, refuses an
// address it cannot bind (the agent then retries) and stops cleanly. Everything stays on loopback.
//   runDiscoveryConformance('discovery', async () => ({ plugin: (await import('../src')).default }));
import * as dgram from 'node:dgram';
import type { DriverLogger } from '../drivers/define';
import { capabilityOf, isPlugin, type Plugin } from '../plugins/define';
import type { DiscoveryDns, DiscoveryRecords } from '../plugins/discovery';
import { RCODE_NOERROR, RCODE_NXDOMAIN, queryTcp, queryUdp } from './dns-wire';
import { uniqueSuffix } from './helpers';

export interface DiscoveryConformanceSubject {
  /** The package's default export (definePlugin({ name, discovery })). */
  plugin: unknown;
  /** The plugin's own settings (discovery.config), e.g. upstreams that keep the test off the host's resolvers. */
  config?: Record<string, unknown>;
  cleanup?: () => Promise<void>;
}

const SUFFIX = 'lb.local';
const HOST = '127.0.0.1';
/** TEST-NET-1 (RFC 5737): no host has it, so binding it must fail. */
const UNCONFIGURED = '192.0.2.53';

const silent: DriverLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function runDiscoveryConformance(name: string, factory: () => Promise<DiscoveryConformanceSubject>): void {
  describe(`discovery plugin conformance: ${name}`, () => {
    const ns = `conf-${uniqueSuffix()}`.slice(0, 40);
    const fqdn = (...labels: string[]) => [...labels, ns, SUFFIX].join('.');
    const servers: DiscoveryDns[] = [];
    let subject: DiscoveryConformanceSubject | undefined;
    let dns: DiscoveryDns;
    let port = 0;

    const plugin = (): Plugin => {
      if (!subject) throw new Error('the conformance factory failed; see the beforeAll error');
      if (!isPlugin(subject.plugin)) throw new Error('the package does not default-export definePlugin({...}) from @lastbackend/sdk');
      return subject.plugin;
    };
    const make = (allowFrom: string[] = []): DiscoveryDns => {
      const create = capabilityOf(plugin(), 'discovery');
      if (!create) throw new Error(`plugin ${plugin().name} provides no discovery`);
      const s = create({ suffix: SUFFIX, allowFrom, logger: silent, config: subject?.config ?? {} });
      servers.push(s);
      return s;
    };
    const records = (extra: Partial<DiscoveryRecords> = {}): DiscoveryRecords => ({
      services: [
        { namespace: ns, name: 'web', ip: '10.96.7.10', ports: [{ name: 'http', port: 80, protocol: 'tcp' }] },
        { namespace: ns, name: 'db', ip: '10.96.7.11', ports: [{ port: 5432, protocol: 'tcp' }] },
        ...(extra.services ?? []),
      ],
      pods: [{ namespace: ns, service: 'web', name: 'web-1', ip: '10.210.7.21' }, ...(extra.pods ?? [])],
    });

    beforeAll(async () => {
      subject = await factory();
    });

    afterAll(async () => {
      for (const s of servers) await s.close().catch(() => undefined);
      await subject?.cleanup?.();
    });

    it('the package is a plugin that provides discovery', () => {
      expect(isPlugin(subject?.plugin)).toBe(true);
      expect(plugin().name.length).toBeGreaterThan(0);
      expect(typeof capabilityOf(plugin(), 'discovery')).toBe('function');
    });

    it('listen(host, 0) serves UDP and TCP on one free port', async () => {
      dns = make();
      port = (await dns.listen(HOST, 0)).port;
      expect(port).toBeGreaterThan(0);
      dns.setRecords(records());
      await expect(queryUdp(HOST, port, fqdn('web'))).resolves.toMatchObject({ rcode: RCODE_NOERROR });
      await expect(queryTcp(HOST, port, fqdn('web'))).resolves.toMatchObject({ rcode: RCODE_NOERROR });
    });

    it('answers a service with its VIP and a pod with its address, over UDP and TCP, in any letter case', async () => {
      expect((await queryUdp(HOST, port, fqdn('web'))).a).toEqual(['10.96.7.10']);
      expect((await queryTcp(HOST, port, fqdn('db'))).a).toEqual(['10.96.7.11']);
      expect((await queryUdp(HOST, port, fqdn('web-1', 'web'))).a).toEqual(['10.210.7.21']);
      expect((await queryUdp(HOST, port, fqdn('WEB').replace(ns, ns.toUpperCase()))).a).toEqual(['10.96.7.10']);
    });

    it('a name in the zone that names nothing is NXDOMAIN', async () => {
      expect((await queryUdp(HOST, port, fqdn('nothing-here'))).rcode).toBe(RCODE_NXDOMAIN);
      expect((await queryTcp(HOST, port, fqdn('web-9', 'web'))).rcode).toBe(RCODE_NXDOMAIN);
    });

    it('setRecords replaces the whole table: the next query sees it', async () => {
      dns.setRecords({ services: [{ namespace: ns, name: 'web', ip: '10.96.7.99', ports: [] }], pods: [] });
      expect((await queryUdp(HOST, port, fqdn('web'))).a).toEqual(['10.96.7.99']);
      expect((await queryUdp(HOST, port, fqdn('db'))).rcode).toBe(RCODE_NXDOMAIN);
      dns.setRecords(records());
      expect((await queryUdp(HOST, port, fqdn('db'))).a).toEqual(['10.96.7.11']);
    });

    it('a bad entry is left out, never the whole table', async () => {
      dns.setRecords(
        records({
          services: [{ namespace: ns, name: 'bad', ip: 'not-an-ip', ports: [] }, { namespace: 'Not A Namespace!', name: 'x', ip: '10.96.7.12', ports: [] }],
          pods: [{ namespace: ns, service: 'web', name: 'web-2', ip: '999.1.1.1' }],
        }),
      );
      expect((await queryUdp(HOST, port, fqdn('web'))).a).toEqual(['10.96.7.10']);
      expect((await queryUdp(HOST, port, fqdn('web-1', 'web'))).a).toEqual(['10.210.7.21']);
      expect((await queryUdp(HOST, port, fqdn('bad'))).a).toEqual([]);
      expect((await queryUdp(HOST, port, fqdn('web-2', 'web'))).a).toEqual([]);
    });

    it('setAllowedSources takes IPv4 networks and refuses anything else', () => {
      expect(() => dns.setAllowedSources(['10.210.0.0/16', '172.17.0.0/16'])).not.toThrow();
      expect(() => dns.setAllowedSources(['not-a-network'])).toThrow();
      dns.setAllowedSources([]);
    });

    it('loopback is always answered, whatever the allowed networks', async () => {
      dns.setAllowedSources(['10.210.0.0/16']);
      expect((await queryUdp(HOST, port, fqdn('web'))).a).toEqual(['10.96.7.10']);
    });

    it('listen on an address this host does not have rejects (the agent retries), and the server stays usable', async () => {
      const other = make();
      await expect(other.listen(UNCONFIGURED, 0)).rejects.toThrow();
      await other.close();
    });

    it('close() stops serving and frees the port; a second close() is fine', async () => {
      await dns.close();
      await dns.close();
      await expect(queryTcp(HOST, port, fqdn('web'), 1000)).rejects.toThrow();
      const probe = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.bind(port, HOST, () => resolve());
      }).finally(() => probe.close());
    });
  });
}
