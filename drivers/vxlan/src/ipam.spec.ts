import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';
import { allocate, emptyState, IpamStore, isAssignable, release, withSubnet, type IpamState } from './ipam';

const start = (subnet = '10.210.3.0/24'): IpamState => withSubnet(emptyState(), subnet).state;

describe('ipam allocation', () => {
  it('hands out the lowest free address from .2', () => {
    let s = start();
    const a = allocate(s, 'ns/a');
    expect(a).toMatchObject({ ip: '10.210.3.2', fresh: true });
    s = a.state;
    const b = allocate(s, 'ns/b');
    expect(b.ip).toBe('10.210.3.3');
    s = b.state;
    expect(allocate(s, 'ns/a')).toMatchObject({ ip: '10.210.3.2', fresh: false });
  });

  it('is pure: the input state is not modified', () => {
    const s = start();
    allocate(s, 'ns/a');
    expect(s.pods).toEqual({});
  });

  it('reuses a released address', () => {
    let s = start();
    for (const k of ['a', 'b', 'c']) s = allocate(s, k).state;
    s = release(s, 'b');
    expect(allocate(s, 'd').ip).toBe('10.210.3.3');
    expect(release(s, 'unknown')).toBe(s);
  });

  it('never hands out the network, gateway or broadcast address, and fails when full', () => {
    let s = start('10.0.0.0/29'); // .0 vtep, .1 gateway, .2-.6 pods, .7 broadcast
    const ips: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = allocate(s, `p${i}`);
      ips.push(r.ip);
      s = r.state;
    }
    expect(ips).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(() => allocate(s, 'p5')).toThrow(expect.objectContaining({ code: 'UNAVAILABLE' }));
    expect(isAssignable('10.0.0.0/29', '10.0.0.1')).toBe(false);
    expect(isAssignable('10.0.0.0/29', '10.0.0.7')).toBe(false);
  });

  it('needs a subnet', () => {
    expect(() => allocate(emptyState(), 'a')).toThrow(expect.objectContaining({ code: 'FAILED_PRECONDITION' }));
  });

  it('keeps allocations inside a new subnet and drops the others', () => {
    let s = start('10.0.0.0/24');
    s = allocate(s, 'a').state;
    const kept = withSubnet(s, '10.0.0.0/16');
    expect(kept.dropped).toEqual([]);
    expect(kept.state.pods).toEqual({ a: '10.0.0.2' });
    const moved = withSubnet(s, '10.1.0.0/24');
    expect(moved.dropped).toEqual(['a']);
    expect(allocate(moved.state, 'a').ip).toBe('10.1.0.2');
  });
});

describe('ipam persistence', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-vxlan-ipam-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts empty and round-trips through the file without leaving temp files', async () => {
    const store = new IpamStore(join(dir, 'sub', 'ipam.json'));
    expect(await store.load()).toEqual(emptyState());
    const s = allocate(start(), 'ns/a').state;
    await store.save(s);
    expect(await new IpamStore(join(dir, 'sub', 'ipam.json')).load()).toEqual(s);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['ipam.json']);
  });

  it('reports a corrupt file instead of starting over', async () => {
    const file = join(dir, 'ipam.json');
    writeFileSync(file, JSON.stringify({ subnet: '10.0.0.0/24', pods: { a: 'nope' } }));
    await expect(new IpamStore(file).load()).rejects.toBeInstanceOf(LbError);
    writeFileSync(file, '{"subnet": 3, "pods": {}}');
    await expect(new IpamStore(file).load()).rejects.toThrow(/corrupt/);
  });
});
