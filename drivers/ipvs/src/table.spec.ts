import { LbError, type VirtualService } from '@lastbackend/sdk';
import { AF_INET, AF_INET6, FWD, type DestSpec, type KernelService } from './genl';
import { checkTable, diffTable, toVirtualServices, vipChanges, type CurrentService } from './table';

const dest = (ip: string, port: number, weight = 1): DestSpec => ({ ip, port, weight, fwd: FWD.MASQ, upperThreshold: 0, lowerThreshold: 0 });
const ksvc = (ip: string, port: number, protocol: 'tcp' | 'udp' = 'tcp', scheduler = 'rr', extra: Partial<KernelService> = {}): KernelService => ({
  af: AF_INET,
  fwmark: 0,
  protocolNumber: protocol === 'tcp' ? 6 : 17,
  protocol,
  ip,
  port,
  scheduler,
  flags: 0,
  timeout: 0,
  ...extra,
});

const web: VirtualService = { ip: '10.96.0.10', port: 80, protocol: 'tcp', backends: [{ ip: '10.0.0.1', port: 8080 }, { ip: '10.0.0.2', port: 8080, weight: 2 }] };
const dns: VirtualService = { ip: '10.96.0.11', port: 53, protocol: 'udp', scheduler: 'wrr', backends: [{ ip: '10.0.0.3', port: 53 }] };

/** The checked services, throwing when anything was left out (for tables that must pass whole). */
function valid(table: readonly VirtualService[]) {
  const r = checkTable(table);
  expect(r.skipped).toEqual([]);
  return r.services;
}
const skippedFields = (table: readonly unknown[]) => checkTable(table as VirtualService[]).skipped.map((f) => f.field);

describe('checkTable', () => {
  it('normalises scheduler and weights', () => {
    const [a, b] = valid([web, dns]);
    expect(a).toMatchObject({ ip: '10.96.0.10', port: 80, protocol: 'tcp', scheduler: 'rr', flags: 0, timeout: 0 });
    expect(a.dests).toEqual([dest('10.0.0.1', 8080), dest('10.0.0.2', 8080, 2)]);
    expect(b.scheduler).toBe('wrr');
    expect(valid([])).toEqual([]);
  });

  it('names every bad field and leaves out only the bad entries: bad services whole, bad backends alone', () => {
    const bad = [
      { ...web, ip: 'not-an-ip' },
      { ...web, ip: '10.96.0.12', port: 70000 },
      { ...web, ip: '10.96.0.13', protocol: 'sctp' },
      { ...web, ip: '10.96.0.14', scheduler: 'sh' },
      { ...web, ip: '10.96.0.15', backends: [{ ip: '10.0.0.1', port: 0 }, { ip: '10.0.0.300', port: 80 }, { ip: '10.0.0.2', port: 80, weight: -1 }, { ip: '10.0.0.9', port: 80 }] },
      { ...web, ip: '0.0.0.0' },
      dns,
    ];
    const r = checkTable(bad as unknown as VirtualService[]);
    expect(r.skipped.map((f) => f.field)).toEqual([
      'services.0.ip',
      'services.1.port',
      'services.2.protocol',
      'services.3.scheduler',
      'services.4.backends.0.port',
      'services.4.backends.1.ip',
      'services.4.backends.2.weight',
      'services.5.ip',
    ]);
    expect(r.skipped[0].reason).toBe('not an IPv4 address: "not-an-ip"');
    // The service with bad backends keeps its good one; the good service is untouched.
    expect(r.services.map((s) => [s.ip, s.dests.map((d) => d.ip)])).toEqual([['10.96.0.15', ['10.0.0.9']], ['10.96.0.11', ['10.0.0.3']]]);
  });

  it('keeps the first of repeated services and backends', () => {
    expect(skippedFields([web, { ...web, backends: [] }])).toEqual(['services.1']);
    expect(checkTable([web, { ...web, backends: [] }]).services[0].dests).toHaveLength(2);
    expect(skippedFields([{ ...web, backends: [web.backends[0], web.backends[0]] }])).toEqual(['services.0.backends.1']);
    // The same address and port with another protocol is another service.
    expect(valid([web, { ...web, protocol: 'udp' }])).toHaveLength(2);
  });

  it('an IPv6 backend (which this IPv4 driver cannot program) is left out, its service kept', () => {
    const r = checkTable([{ ...web, backends: [{ ip: 'fd00::1', port: 8080 }, web.backends[0]] }]);
    expect(r.skipped.map((f) => f.field)).toEqual(['services.0.backends.0.ip']);
    expect(r.services[0].dests).toEqual([dest('10.0.0.1', 8080)]);
  });

  it('refuses only a table that is not a list', () => {
    expect(() => checkTable('nope' as unknown as VirtualService[])).toThrow(LbError);
  });
});

describe('diffTable', () => {
  const current = (svc: VirtualService): CurrentService => ({
    service: ksvc(svc.ip, svc.port, svc.protocol, svc.scheduler ?? 'rr'),
    dests: svc.backends.map((b) => dest(b.ip, b.port, b.weight ?? 1)),
  });

  it('creates services with their destinations', () => {
    expect(diffTable(valid([web]), [])).toEqual([
      { op: 'newService', service: { ip: '10.96.0.10', port: 80, protocol: 'tcp', scheduler: 'rr', flags: 0, timeout: 0 } },
      { op: 'newDest', service: { ip: '10.96.0.10', port: 80, protocol: 'tcp' }, dest: dest('10.0.0.1', 8080) },
      { op: 'newDest', service: { ip: '10.96.0.10', port: 80, protocol: 'tcp' }, dest: dest('10.0.0.2', 8080, 2) },
    ]);
  });

  it('does nothing when the kernel already has the table', () => {
    expect(diffTable(valid([web, dns]), [current(dns), current(web)])).toEqual([]);
  });

  it('updates schedulers and weights in place, adds and removes destinations', () => {
    const want = valid([{ ...web, scheduler: 'lc', backends: [{ ip: '10.0.0.2', port: 8080, weight: 5 }, { ip: '10.0.0.4', port: 8080 }] }]);
    const key = { ip: '10.96.0.10', port: 80, protocol: 'tcp' };
    expect(diffTable(want, [current(web)])).toEqual([
      { op: 'setService', service: { ...key, scheduler: 'lc', flags: 0, timeout: 0 } },
      { op: 'delDest', service: key, dest: { ip: '10.0.0.1', port: 8080 } },
      { op: 'setDest', service: key, dest: dest('10.0.0.2', 8080, 5) },
      { op: 'newDest', service: key, dest: dest('10.0.0.4', 8080) },
    ]);
  });

  it('resets persistence flags and foreign forwarding methods', () => {
    const persistent: CurrentService = { service: ksvc('10.96.0.10', 80, 'tcp', 'rr', { flags: 1, timeout: 300 }), dests: [{ ...dest('10.0.0.1', 8080), fwd: FWD.DROUTE }] };
    expect(diffTable(valid([{ ...web, backends: [web.backends[0]] }]), [persistent]).map((o) => o.op)).toEqual(['setService', 'setDest']);
  });

  it('removes services not listed and leaves IPv6 and firewall-mark services alone', () => {
    const v6: CurrentService = { service: ksvc('', 80, 'tcp', 'rr', { af: AF_INET6 }), dests: [] };
    const fwmark: CurrentService = { service: ksvc('', 0, 'tcp', 'rr', { fwmark: 9 }), dests: [] };
    expect(diffTable([], [current(web), v6, fwmark, current(dns)])).toEqual([
      { op: 'delService', service: { ip: '10.96.0.10', port: 80, protocol: 'tcp' } },
      { op: 'delService', service: { ip: '10.96.0.11', port: 53, protocol: 'udp' } },
    ]);
  });
});

describe('toVirtualServices', () => {
  it('reports managed services with scheduler and weights', () => {
    const v6: CurrentService = { service: ksvc('', 80, 'tcp', 'rr', { af: AF_INET6 }), dests: [] };
    expect(toVirtualServices([{ service: ksvc('10.96.0.11', 53, 'udp', 'wrr'), dests: [dest('10.0.0.3', 53, 4)] }, v6])).toEqual([
      { ip: '10.96.0.11', port: 53, protocol: 'udp', scheduler: 'wrr', backends: [{ ip: '10.0.0.3', port: 53, weight: 4 }] },
    ]);
  });
});

describe('vipChanges', () => {
  const present = [
    { ip: '127.0.0.1', prefix: 8 },
    { ip: '10.96.0.10', prefix: 32 },
    { ip: '10.96.0.20', prefix: 32 },
  ];

  it('on its own dummy link: adds missing VIPs and removes every other /32', () => {
    expect(vipChanges(['10.96.0.11', '10.96.0.10'], present, () => true)).toEqual({ add: ['10.96.0.11'], remove: ['10.96.0.20'] });
  });

  it('on a shared link: removes only addresses the driver owns, never other prefixes', () => {
    expect(vipChanges([], present, (ip) => ip === '10.96.0.10')).toEqual({ add: [], remove: ['10.96.0.10'] });
    expect(vipChanges([], present, () => true).remove).not.toContain('127.0.0.1');
  });
});
