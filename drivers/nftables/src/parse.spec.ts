import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTable } from './parse';
import { checkTable } from './ruleset';

// Captured from nft 1.0.6 (`nft -j list table ip lastbackend`) after setTable of `applied` below.
const fixture = (): { nftables: Record<string, unknown>[] } => JSON.parse(readFileSync(join(__dirname, 'parse.fixture.json'), 'utf8')) as { nftables: Record<string, unknown>[] };
const applied = [
  { ip: '10.96.0.10', port: 80, protocol: 'tcp' as const, scheduler: 'wrr' as const, backends: [{ ip: '10.214.1.2', port: 8080, weight: 3 }, { ip: '10.214.2.2', port: 8080 }, { ip: '10.214.3.2', port: 8081, weight: 2 }] },
  { ip: '10.96.0.10', port: 53, protocol: 'udp' as const, backends: [{ ip: '10.214.1.2', port: 53 }] },
  { ip: '10.96.0.11', port: 443, protocol: 'tcp' as const, scheduler: 'lc' as const, backends: [{ ip: '10.214.1.3', port: 8443 }, { ip: '10.214.1.4', port: 8443 }] },
  { ip: '10.96.0.12', port: 80, protocol: 'tcp' as const, backends: [] },
  { ip: '10.96.0.12', port: 5353, protocol: 'udp' as const, scheduler: 'wrr' as const, backends: [] },
];

const rules = (doc: { nftables: Record<string, unknown>[] }) => doc.nftables.filter((i) => 'rule' in i).map((i) => i.rule as Record<string, unknown>);

describe('parseTable (real nft -j output)', () => {
  it('reads back exactly the table that was applied: VIPs, backends, weights and schedulers', () => {
    const parsed = parseTable(fixture(), 'lastbackend');
    expect(parsed.unrecognised).toEqual([]);
    expect(parsed.services).toEqual(checkTable(applied).services);
  });

  it('only reads the named table and family', () => {
    expect(parseTable(fixture(), 'other').services).toEqual([]);
    expect(parseTable(fixture(), 'lastbackend', 'inet').services).toEqual([]);
  });

  it('an empty table (just the metainfo) is an empty list', () => {
    expect(parseTable({ nftables: [{ metainfo: { version: '1.0.6' } }] }, 'lastbackend')).toEqual({ services: [], unrecognised: [] });
  });

  it('rejects what is not nft JSON', () => {
    expect(() => parseTable({ foo: 1 }, 'lastbackend')).toThrow(/nftables/);
  });

  it('reports rules it did not write instead of guessing, and keeps reading the rest', () => {
    const doc = fixture();
    const svc = rules(doc).find((r) => r.comment === 'lb:lc')!;
    (svc.expr as unknown[]).push({ counter: { packets: 0, bytes: 0 } });
    const parsed = parseTable(doc, 'lastbackend');
    expect(parsed.services.map((s) => s.port)).toEqual([53, 80, 80, 5353]);
    expect(parsed.unrecognised).toEqual([expect.stringMatching(/^services#\d+: unexpected expression .*counter/)]);
  });

  it('notices a numgen modulus that does not match the map', () => {
    const doc = fixture();
    const svc = rules(doc).find((r) => r.comment === 'lb:wrr' && r.chain === 'services')!;
    const text = JSON.stringify(svc).replace('"mod":6', '"mod":7');
    Object.assign(svc, JSON.parse(text) as Record<string, unknown>);
    expect(parseTable(doc, 'lastbackend').unrecognised).toEqual([expect.stringContaining('numgen mod 7 does not match the 6 slots')]);
  });

  it('defaults an unknown or missing scheduler comment to rr', () => {
    const doc = fixture();
    for (const r of rules(doc)) delete r.comment;
    expect(parseTable(doc, 'lastbackend').services.every((s) => s.scheduler === 'rr')).toBe(true);
  });
});
