import type { Answer, SoaAnswer, SrvAnswer, StringAnswer } from 'dns-packet';
import { Zone, type DiscoveryRecords } from './zone';

const records: DiscoveryRecords = {
  services: [
    {
      namespace: 'shop',
      name: 'web',
      ip: '10.96.0.10',
      ports: [
        { name: 'http', port: 80, protocol: 'tcp' },
        { name: 'metrics', port: 9090, protocol: 'tcp' },
        { port: 53, protocol: 'udp' },
      ],
    },
    { namespace: 'shop', name: 'db', ports: [{ name: 'pg', port: 5432, protocol: 'tcp' }] },
  ],
  pods: [
    { namespace: 'shop', service: 'web', name: 'web-1', ip: '10.0.0.5' },
    { namespace: 'shop', service: 'web', name: 'web-2', ip: '10.0.0.6' },
    { namespace: 'shop', service: 'db', name: 'db-0', ip: '10.0.0.7' },
  ],
};

const zone = (r: DiscoveryRecords = records, suffix = 'lb.local') => new Zone(r, { suffix, ttl: 5, serial: 42 });
const data = (as: Answer[]) => as.map((a) => (a as StringAnswer | SrvAnswer).data);

describe('Zone', () => {
  it('answers a service name with its VIP', () => {
    const r = zone().resolve({ name: 'web.shop.lb.local', type: 'A', class: 'IN' });
    expect(r).toEqual({
      rcode: 'NOERROR',
      answers: [{ type: 'A', name: 'web.shop.lb.local', class: 'IN', ttl: 5, data: '10.96.0.10' }],
      authorities: [],
      additionals: [],
    });
  });

  it('answers a pod name with the pod IP', () => {
    const r = zone().resolve({ name: 'web-2.web.shop.lb.local', type: 'A' });
    expect(r?.rcode).toBe('NOERROR');
    expect(data(r!.answers)).toEqual(['10.0.0.6']);
  });

  it('answers SRV for named ports with the target A record as additional', () => {
    const r = zone().resolve({ name: '_http._tcp.web.shop.lb.local', type: 'SRV' });
    expect(r?.rcode).toBe('NOERROR');
    expect(r!.answers).toEqual([
      { type: 'SRV', name: '_http._tcp.web.shop.lb.local', class: 'IN', ttl: 5, data: { priority: 0, weight: 10, port: 80, target: 'web.shop.lb.local' } },
    ]);
    expect(r!.additionals).toEqual([{ type: 'A', name: 'web.shop.lb.local', class: 'IN', ttl: 5, data: '10.96.0.10' }]);
  });

  it('names unnamed ports by number', () => {
    const r = zone().resolve({ name: '_53._udp.web.shop.lb.local', type: 'SRV' });
    expect(data(r!.answers)).toEqual([{ priority: 0, weight: 10, port: 53, target: 'web.shop.lb.local' }]);
    expect(zone().resolve({ name: '_53._tcp.web.shop.lb.local', type: 'SRV' })?.rcode).toBe('NXDOMAIN');
  });

  it('SRV of a service without VIP has no additional A record', () => {
    const r = zone().resolve({ name: '_pg._tcp.db.shop.lb.local', type: 'SRV' });
    expect(data(r!.answers)).toEqual([{ priority: 0, weight: 10, port: 5432, target: 'db.shop.lb.local' }]);
    expect(r!.additionals).toEqual([]);
  });

  it('is case-insensitive and keeps the question spelling in the answer owner', () => {
    const r = zone().resolve({ name: 'WeB.ShOp.LB.Local.', type: 'A' });
    expect(r?.rcode).toBe('NOERROR');
    expect(r!.answers[0]).toMatchObject({ name: 'WeB.ShOp.LB.Local', data: '10.96.0.10' });
    const srv = zone().resolve({ name: '_HTTP._TCP.web.shop.lb.local', type: 'SRV' });
    expect(srv!.answers).toHaveLength(1);
    const z = zone({ services: [{ namespace: 'Shop', name: 'API', ip: '10.96.0.11', ports: [{ name: 'Grpc', port: 9000, protocol: 'tcp' }] }], pods: [] });
    expect(data(z.resolve({ name: 'api.shop.lb.local', type: 'A' })!.answers)).toEqual(['10.96.0.11']);
    expect(z.resolve({ name: '_grpc._tcp.api.shop.lb.local', type: 'SRV' })!.answers).toHaveLength(1);
  });

  it('answers NXDOMAIN with the SOA for unknown names in the zone', () => {
    for (const name of ['nope.shop.lb.local', 'web.nope.lb.local', 'x.web-1.web.shop.lb.local', '_http._udp.web.shop.lb.local']) {
      const r = zone().resolve({ name, type: 'A' });
      expect(r?.rcode).toBe('NXDOMAIN');
      expect(r!.answers).toEqual([]);
      expect(r!.authorities).toHaveLength(1);
      const soa = r!.authorities[0] as SoaAnswer;
      expect(soa).toMatchObject({ type: 'SOA', name: 'lb.local', ttl: 5 });
      expect(soa.data).toMatchObject({ serial: 42, minimum: 5 });
    }
  });

  it('answers NODATA (NOERROR, no answers, SOA) for existing names without that type', () => {
    const cases: [string, string][] = [
      ['db.shop.lb.local', 'A'], // service without VIP
      ['web.shop.lb.local', 'AAAA'],
      ['web-1.web.shop.lb.local', 'AAAA'],
      ['web.shop.lb.local', 'SRV'],
      ['_http._tcp.web.shop.lb.local', 'A'],
      ['shop.lb.local', 'A'], // empty non-terminal
      ['_tcp.web.shop.lb.local', 'SRV'],
      ['lb.local', 'A'],
      ['web.shop.lb.local', 'UNKNOWN_65000'],
    ];
    for (const [name, type] of cases) {
      const r = zone().resolve({ name, type: type as 'A' });
      expect({ name, type, rcode: r?.rcode, answers: r?.answers }).toEqual({ name, type, rcode: 'NOERROR', answers: [] });
      expect(r!.authorities[0]?.type).toBe('SOA');
    }
  });

  it('answers the apex SOA and ANY', () => {
    expect(zone().resolve({ name: 'lb.local', type: 'SOA' })!.answers[0].type).toBe('SOA');
    const any = zone().resolve({ name: 'web.shop.lb.local', type: 'ANY' as 'A' });
    expect(data(any!.answers)).toEqual(['10.96.0.10']);
  });

  it('returns null for names outside the suffix', () => {
    for (const name of ['example.test', 'lb.localhost', 'xlb.local', 'local', '.']) {
      expect(zone().resolve({ name, type: 'A' })).toBeNull();
    }
  });

  it('refuses zone transfers and non-IN classes', () => {
    expect(zone().resolve({ name: 'lb.local', type: 'AXFR' })?.rcode).toBe('REFUSED');
    expect(zone().resolve({ name: 'web.shop.lb.local', type: 'A', class: 'CH' })?.rcode).toBe('REFUSED');
  });

  it('honours a custom suffix', () => {
    const z = zone(records, 'Cluster.Example.');
    expect(data(z.resolve({ name: 'web.shop.cluster.example', type: 'A' })!.answers)).toEqual(['10.96.0.10']);
    expect(z.resolve({ name: 'web.shop.lb.local', type: 'A' })).toBeNull();
    expect(() => zone(records, 'bad..suffix')).toThrow(/invalid DNS suffix/);
  });

  it('skips invalid entries with a warning instead of failing', () => {
    const z = zone({
      services: [
        { namespace: 'shop', name: 'bad.name', ip: '10.96.0.1', ports: [] },
        { namespace: 'shop', name: 'v6', ip: 'fd00::1', ports: [{ port: 0, protocol: 'tcp' }, { name: 'x y', port: 1, protocol: 'tcp' }] },
      ],
      pods: [{ namespace: 'shop', service: 'v6', name: 'p', ip: 'not-an-ip' }],
    });
    expect(z.warnings).toHaveLength(5);
    expect(z.resolve({ name: 'v6.shop.lb.local', type: 'A' })).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(z.resolve({ name: 'p.v6.shop.lb.local', type: 'A' })?.rcode).toBe('NXDOMAIN');
  });

  it('an empty zone still has its apex', () => {
    const z = zone({ services: [], pods: [] });
    expect(z.resolve({ name: 'lb.local', type: 'A' })?.rcode).toBe('NOERROR');
    expect(z.resolve({ name: 'web.shop.lb.local', type: 'A' })?.rcode).toBe('NXDOMAIN');
  });
});
