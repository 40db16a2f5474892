import { LbError } from '../errors';
import { checkRemotes, checkServiceTable, describeSkipped } from './tables';
import type { VirtualService } from './types';

const web: VirtualService = { ip: '10.96.0.10', port: 80, protocol: 'tcp', backends: [{ ip: '10.210.0.2', port: 8080 }, { ip: '10.210.1.2', port: 8080, weight: 2 }] };
const dns: VirtualService = { ip: '10.96.0.11', port: 53, protocol: 'udp', scheduler: 'rr', backends: [{ ip: 'fd00::2', port: 53 }] };

describe('checkServiceTable', () => {
  it('keeps a good table as it is (IPv4 and IPv6)', () => {
    expect(checkServiceTable([web, dns])).toEqual({ entries: [web, dns], skipped: [] });
  });

  it('leaves out a forged backend alone: its service keeps the others, every other service stays', () => {
    const forged = { ...web, backends: [{ ip: 'not-an-ip', port: 8080 }, ...web.backends] };
    const r = checkServiceTable([forged, dns]);
    expect(r.entries).toEqual([web, dns]);
    expect(r.skipped).toEqual([{ field: 'services.0.backends.0.ip', reason: 'not an IP address: "not-an-ip" (backend of 10.96.0.10:80/tcp)' }]);
  });

  it.each([
    ['a bad VIP', { ...web, ip: '10.96.0.300' }, 'services.1.ip'],
    ['a VIP with a zone id', { ...web, ip: 'fe80::1%eth0' }, 'services.1.ip'],
    ['a VIP with spaces', { ...web, ip: ' 10.96.0.10' }, 'services.1.ip'],
    ['a bad port', { ...web, port: 0 }, 'services.1.port'],
    ['a bad protocol', { ...web, protocol: 'sctp' }, 'services.1.protocol'],
    ['a bad scheduler', { ...web, scheduler: 'sh' }, 'services.1.scheduler'],
    ['no backend list', { ...web, backends: 'x' }, 'services.1.backends'],
    ['a non-object', null, 'services.1'],
    ['a repeated service', { ...dns, backends: [] }, 'services.1'],
  ])('leaves out %s whole and names it', (_what, bad, field) => {
    const r = checkServiceTable([dns, bad]);
    expect(r.entries).toEqual([dns]);
    expect(r.skipped.map((f) => f.field)).toEqual([field]);
  });

  it.each([
    ['a bad backend port', { ip: '10.210.0.3', port: 70000 }, 'services.0.backends.2.port'],
    ['a bad weight', { ip: '10.210.0.3', port: 80, weight: -1 }, 'services.0.backends.2.weight'],
    ['a repeated backend', { ip: '10.210.0.2', port: 8080 }, 'services.0.backends.2'],
    ['a non-object backend', 7, 'services.0.backends.2'],
  ])('leaves out %s alone', (_what, bad, field) => {
    const r = checkServiceTable([{ ...web, backends: [...web.backends, bad] }]);
    expect(r.entries).toEqual([web]);
    expect(r.skipped.map((f) => f.field)).toEqual([field]);
  });

  it('refuses only a table that is not a list', () => {
    expect(() => checkServiceTable({})).toThrow(LbError);
  });
});

describe('checkRemotes', () => {
  it('leaves out bad nodes and keeps the others as given', () => {
    const good = { name: 'a', subnet: '10.210.1.0/24', address: '192.168.1.2' };
    const r = checkRemotes(
      [good, { name: 'b', subnet: '10.210.2.0/24', address: 'not-an-ip' }, { name: 'c', subnet: '10.210.3.1/24', address: '192.168.1.4' }, { name: 'd', subnet: '10.210.1.0/24', address: '192.168.1.5' }],
      'nodes',
    );
    expect(r.entries).toEqual([good]);
    expect(r.entries[0]).toBe(good);
    expect(r.skipped.map((f) => f.field)).toEqual(['nodes.1.address', 'nodes.2.subnet', 'nodes.3']);
  });
});

describe('describeSkipped', () => {
  it('counts and shows the first few', () => {
    const f = (i: number) => ({ field: `services.${i}`, reason: 'bad' });
    expect(describeSkipped([f(0)])).toBe('1 entry left out: services.0: bad');
    expect(describeSkipped([f(0), f(1), f(2), f(3)], 'entry', 2)).toBe('4 entries left out: services.0: bad; services.1: bad (+2 more)');
    expect(describeSkipped([f(0), f(1)], 'remote node')).toMatch(/^2 remote nodes left out/);
  });
});
