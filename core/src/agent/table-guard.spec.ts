import type { DriverState, ServiceTable } from '@lastbackend/sdk';
import { createLogger } from '../kernel/logger';
import { TableGuard } from './table-guard';

const state = (kind: string, message = ''): DriverState => ({ kind, package: `@lastbackend/driver-${kind}`, version: '1', state: 'ready', message });

describe('TableGuard', () => {
  it('leaves a forged backend out before the CPI driver sees the table, logs it once, and reports it in the CPI state', () => {
    const lines: string[] = [];
    const guard = new TableGuard(createLogger('info', 'agent', (l) => lines.push(l)));
    const table: ServiceTable = {
      services: [
        { ip: '10.96.0.10', port: 80, protocol: 'tcp', backends: [{ ip: 'not-an-ip', port: 8080 }, { ip: '10.210.0.5', port: 8080 }] },
        { ip: '10.96.0.11', port: 53, protocol: 'udp', backends: [{ ip: '10.210.1.5', port: 53 }] },
      ],
      dns: { services: [], pods: [] },
    };
    const out = guard.serviceTable(table);
    expect(out.services).toEqual([
      { ip: '10.96.0.10', port: 80, protocol: 'tcp', backends: [{ ip: '10.210.0.5', port: 8080 }] },
      table.services[1],
    ]);
    guard.serviceTable(table); // the same table again: no second warning
    expect(lines.filter((l) => l.includes('warn'))).toHaveLength(1);
    expect(lines[0]).toContain('service table: 1 entry left out: services.0.backends.0.ip: not an IP address: "not-an-ip"');
    const [cpi, cri] = guard.annotate([state('cpi', 'fallback from ipvs'), state('cri')]);
    expect(cpi.message).toMatch(/^fallback from ipvs; service table: 1 entry left out: services\.0\.backends\.0\.ip/);
    expect(cri.message).toBe('');
    // A clean table clears the report.
    expect(guard.serviceTable({ ...table, services: [table.services[1]] }).services).toEqual([table.services[1]]);
    expect(guard.annotate([state('cpi')])[0].message).toBe('');
  });

  it('leaves a node with a bad address out of the overlay map and reports it in the CNI state', () => {
    const guard = new TableGuard(createLogger('silent'));
    const map = [
      { name: 'a', subnet: '10.210.0.0/24', address: '192.168.1.2' },
      { name: 'b', subnet: '10.210.1.0/24', address: 'not-an-ip' },
    ];
    expect(guard.networkMap(map)).toEqual([map[0]]);
    expect(guard.annotate([state('cni')])[0].message).toMatch(/^overlay map: 1 node left out: nodes\.1\.address/);
  });
});
