import { LbError, type VirtualService } from '@lastbackend/sdk';
import { buildScript, checkTable, renderBalancer, renderRule, renderScript, type RulesetOptions } from './ruleset';

const opts: RulesetOptions = { table: 'lastbackend', family: 'ip', mark: 0x4c42 };
const web: VirtualService = {
  ip: '10.96.0.10',
  port: 80,
  protocol: 'tcp',
  scheduler: 'wrr',
  backends: [
    { ip: '10.214.1.2', port: 8080, weight: 3 },
    { ip: '10.214.2.2', port: 8080 },
  ],
};

/** The checked services of a table that must pass whole. */
function valid(table: unknown) {
  const r = checkTable(table);
  expect(r.skipped).toEqual([]);
  return r.services;
}

describe('checkTable', () => {
  it('fills in defaults and orders entries by VIP, port and protocol', () => {
    const out = valid([
      { ip: '10.96.0.11', port: 53, protocol: 'udp', backends: [{ ip: '10.214.1.2', port: 53 }] },
      web,
      { ip: '10.96.0.10', port: 53, protocol: 'udp', backends: [] },
    ]);
    expect(out.map((s) => `${s.ip}:${s.port}/${s.protocol}`)).toEqual(['10.96.0.10:53/udp', '10.96.0.10:80/tcp', '10.96.0.11:53/udp']);
    expect(out[2]).toEqual({ ip: '10.96.0.11', port: 53, protocol: 'udp', scheduler: 'rr', backends: [{ ip: '10.214.1.2', port: 53, weight: 1 }] });
    expect(out[1]!.backends.map((b) => b.weight)).toEqual([3, 1]);
  });

  it('accepts an empty table and entries without backends', () => {
    expect(valid([])).toEqual([]);
    expect(valid([{ ip: '10.96.0.10', port: 80, protocol: 'tcp', backends: [] }])[0]!.backends).toEqual([]);
  });

  const other: VirtualService = { ip: '10.96.0.20', port: 443, protocol: 'tcp', backends: [{ ip: '10.214.3.2', port: 8443 }] };
  it.each([
    ['a bad VIP', { ...web, ip: 'not-an-ip' }, 'services.1.ip', 'gone'],
    ['an IPv6 VIP', { ...web, ip: 'fd00::1' }, 'services.1.ip', 'gone'],
    ['an out-of-range port', { ...web, port: 70000 }, 'services.1.port', 'gone'],
    ['port 0', { ...web, port: 0 }, 'services.1.port', 'gone'],
    ['a fractional port', { ...web, port: 80.5 }, 'services.1.port', 'gone'],
    ['an unknown protocol', { ...web, protocol: 'sctp' }, 'services.1.protocol', 'gone'],
    ['an unknown scheduler', { ...web, scheduler: 'sh' }, 'services.1.scheduler', 'gone'],
    ['missing backends', { ip: '10.96.0.10', port: 80, protocol: 'tcp' }, 'services.1.backends', 'gone'],
    ['a non-object', 42, 'services.1', 'gone'],
    ['a bad backend address', { ...web, backends: [{ ip: '10.214.1.300', port: 80 }, { ip: '10.214.1.4', port: 80 }] }, 'services.1.backends.0.ip', 'kept'],
    ['a forged backend address', { ...web, backends: [{ ip: 'not-an-ip', port: 80 }, { ip: '10.214.1.4', port: 80 }] }, 'services.1.backends.0.ip', 'kept'],
    ['a bad backend port', { ...web, backends: [{ ip: '10.214.1.3', port: -1 }, { ip: '10.214.1.4', port: 80 }] }, 'services.1.backends.0.port', 'kept'],
    ['weight 0', { ...web, backends: [{ ip: '10.214.1.3', port: 80, weight: 0 }, { ip: '10.214.1.4', port: 80 }] }, 'services.1.backends.0.weight', 'kept'],
    ['a duplicate backend', { ...web, backends: [{ ip: '10.214.1.4', port: 80 }, { ip: '10.214.1.4', port: 80 }] }, 'services.1.backends.1', 'kept'],
  ])('leaves out %s, names it, and keeps every other entry', (_what, bad, field, service) => {
    const r = checkTable([other, bad]);
    expect(r.skipped.map((f) => f.field)).toEqual([field]);
    // The other service is programmed as given; the bad one goes whole, or keeps its good backend.
    expect(r.services.find((s) => s.ip === other.ip)?.backends).toEqual([{ ip: '10.214.3.2', port: 8443, weight: 1 }]);
    const kept = r.services.find((s) => s.ip === web.ip);
    if (service === 'gone') expect(kept).toBeUndefined();
    else expect(kept?.backends).toEqual([{ ip: '10.214.1.4', port: 80, weight: 1 }]);
  });

  it('keeps the first of two entries for the same VIP, port and protocol', () => {
    const r = checkTable([web, { ...web, scheduler: 'rr', backends: [] }]);
    expect(r.skipped.map((f) => f.field)).toEqual(['services.1']);
    expect(r.services).toHaveLength(1);
    expect(r.services[0]!.scheduler).toBe('wrr');
  });

  it('refuses only a table that is not an array', () => {
    expect(() => checkTable({})).toThrow(LbError);
  });

  it('names the offending entry in the reason', () => {
    expect(checkTable([{ ...web, port: 70000 }]).skipped[0]!.reason).toContain('(entry 10.96.0.10:70000/tcp)');
  });

  it('renders a script that holds every good service when one backend is bad', () => {
    const { script, skipped } = buildScript([other, { ...web, backends: [{ ip: 'not-an-ip', port: 80 }] }], opts);
    expect(skipped.map((f) => f.field)).toEqual(['services.1.backends.0.ip']);
    expect(script).toContain('ip daddr 10.96.0.20 tcp dport 443');
    // The VIP whose only backend was bad answers "no endpoints" rather than vanishing.
    expect(script).toMatch(/chain no-endpoints \{\n\t\tip daddr 10\.96\.0\.10 tcp dport 80 reject/);
    expect(script).not.toContain('not-an-ip');
  });
});

describe('rendering', () => {
  it('gives each backend as many numgen slots as its weight', () => {
    expect(renderBalancer([{ ip: '10.0.0.1', port: 80, weight: 3 }, { ip: '10.0.0.2', port: 81, weight: 1 }, { ip: '10.0.0.3', port: 80, weight: 2 }])).toBe(
      'numgen random mod 6 map { 0-2 : 10.0.0.1 . 80, 3 : 10.0.0.2 . 81, 4-5 : 10.0.0.3 . 80 }',
    );
  });

  it('marks and DNATs a service, rejects one without backends', () => {
    const [s] = valid([web]);
    expect(renderRule(s!, 0x4c42)).toBe(
      'ip daddr 10.96.0.10 tcp dport 80 meta mark set meta mark | 0x00004c42 dnat ip to numgen random mod 4 map { 0-2 : 10.214.1.2 . 8080, 3 : 10.214.2.2 . 8080 } comment "lb:wrr"',
    );
    expect(renderRule({ ...s!, backends: [] }, 0x4c42)).toBe('ip daddr 10.96.0.10 tcp dport 80 reject with tcp reset comment "lb:wrr"');
    expect(renderRule({ ...s!, protocol: 'udp', backends: [] }, 0x4c42)).toBe('ip daddr 10.96.0.10 udp dport 80 reject comment "lb:wrr"');
  });

  it('renders the whole table as one transaction that replaces it whether or not it exists', () => {
    const script = renderScript(valid([web, { ip: '10.96.0.11', port: 53, protocol: 'udp', backends: [] }]), opts);
    const lines = script.split('\n');
    expect(lines.slice(0, 3)).toEqual(['table ip lastbackend {}', 'delete table ip lastbackend', 'table ip lastbackend {']);
    expect(script).toContain('type nat hook prerouting priority dstnat; policy accept;\n\t\tjump services');
    expect(script).toContain('type nat hook output priority -100; policy accept;\n\t\tjump services');
    expect(script).toContain('type nat hook postrouting priority srcnat; policy accept;\n\t\tmeta mark & 0x00004c42 == 0x00004c42 masquerade');
    for (const hook of ['input', 'forward', 'output']) expect(script).toContain(`chain filter-${hook} {\n\t\ttype filter hook ${hook} priority filter; policy accept;\n\t\tjump no-endpoints`);
    expect(script).toMatch(/chain services \{\n\t\tip daddr 10\.96\.0\.10 tcp dport 80 .* dnat ip to .*\n\t\}/);
    expect(script).toMatch(/chain no-endpoints \{\n\t\tip daddr 10\.96\.0\.11 udp dport 53 reject comment "lb:rr"\n\t\}/);
    expect(script.endsWith('}\n')).toBe(true);
  });

  it('renders an empty table with its chains and no service rules', () => {
    const script = renderScript([], { ...opts, table: 'other', mark: 0x4000 });
    expect(script).toContain('delete table ip other');
    expect(script).toContain('chain services {\n\t}');
    expect(script).toContain('meta mark & 0x00004000 == 0x00004000 masquerade');
  });

  it('buildScript checks before rendering: a bad entry is not rendered', () => {
    const r = buildScript([{ ...web, ip: 'nope' }], opts);
    expect(r.services).toEqual([]);
    expect(r.skipped.map((f) => f.field)).toEqual(['services.0.ip']);
    expect(r.script).not.toContain('nope');
    expect(buildScript([web], opts).services).toHaveLength(1);
  });
});
