// The native UDP thread (native/udp-answers.c) behind DiscoveryServer, on loopback: it is built here (npm
// run build; a missing C compiler or Node headers fails this test rather than silently testing node:dgram),
// answers repeats itself, hands the rest to JavaScript, forgets with the zone, and lets go of its port.
import * as dgram from 'node:dgram';
import * as packet from 'dns-packet';
import { nativeUdpAvailable } from './native-udp';
import { parseDiscoveryConfig } from './plugin';
import { DiscoveryServer } from './server';

const svc = (ip: string) => ({ services: [{ namespace: 'shop', name: 'web', ip, ports: [] }], pods: [] });
const query = (id: number, name = 'web.shop.lb.local') =>
  packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] });

/** Sends each datagram from one socket and collects answers until `expected` came or 2 s passed. */
function exchange(port: number, datagrams: Buffer[], expected = datagrams.length): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const got: Buffer[] = [];
    const done = () => (clearTimeout(t), s.close(), resolve(got));
    const t = setTimeout(done, 2000);
    s.on('message', (m) => {
      got.push(m);
      if (got.length === expected) done();
    });
    s.bind(0, '127.0.0.1', () => datagrams.forEach((d) => s.send(d, port, '127.0.0.1')));
  });
}
const addresses = (m: Buffer): string[] => (packet.decode(m).answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : []));

describe('discovery DNS on the native UDP thread', () => {
  let server: DiscoveryServer;
  let port: number;
  beforeEach(async () => {
    server = new DiscoveryServer({ upstreams: [] });
    server.setRecords(svc('10.96.0.1'));
    ({ port } = await server.listen('127.0.0.1', 0));
  });
  afterEach(() => server.close());

  it('is built and serves UDP', () => {
    expect(nativeUdpAvailable()).toBe(true);
    expect(server.udpThreadStats()).toEqual({ answered: 0, handed: 0 });
  });

  it('answers a repeated query itself, each with its own ID, until the zone changes', async () => {
    const [first] = await exchange(port, [query(1)]);
    expect(packet.decode(first).id).toBe(1);
    expect(server.udpThreadStats()).toEqual({ answered: 0, handed: 1 });
    const ids = Array.from({ length: 100 }, (_, i) => 1000 + i);
    const answers = await exchange(port, ids.map((id) => query(id)));
    expect(answers.map((m) => m.readUInt16BE(0)).sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(answers.map((m) => addresses(m).join()))).toEqual(new Set(['10.96.0.1']));
    expect(server.udpThreadStats()).toEqual({ answered: 100, handed: 1 });

    server.setRecords(svc('10.96.0.2'));
    const [changed] = await exchange(port, [query(2)]);
    expect(addresses(changed)).toEqual(['10.96.0.2']);
    expect(server.udpThreadStats()).toEqual({ answered: 100, handed: 2 });
  });

  it('hands junk, responses and other names to JavaScript, which drops or answers them as before', async () => {
    const response = Buffer.from(query(3));
    response[2] |= 0x80;
    const got = await exchange(port, [Buffer.alloc(5), response, Buffer.alloc(5000), query(4, 'nope.shop.lb.local')], 1);
    expect(got.map((m) => [m.readUInt16BE(0), m[3] & 0x0f])).toEqual([[4, 3]]); // NXDOMAIN
    // The 5,000-byte datagram is longer than any query: the thread drops it.
    expect(server.udpThreadStats()).toEqual({ answered: 0, handed: 3 });
  });

  it('refuses a port in use as node:dgram does, with the errno as the code', async () => {
    const second = new DiscoveryServer({ upstreams: [] });
    await expect(second.listen('127.0.0.1', port)).rejects.toMatchObject({ code: 'EADDRINUSE', message: `bind EADDRINUSE 127.0.0.1:${port} (Address already in use)` });
    expect(second.udpThreadStats()).toBeUndefined();
  });

  it('lets go of its port on close', async () => {
    await server.close();
    expect(server.udpThreadStats()).toBeUndefined();
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, '127.0.0.1', () => resolve());
    });
    s.close();
  });
});

describe('discovery DNS on node:dgram (udpThread: false)', () => {
  it('answers the same bytes, IDs aside, as the native thread', async () => {
    const servers = [new DiscoveryServer({ upstreams: [] }), new DiscoveryServer({ upstreams: [], udpThread: false })];
    try {
      const ports: number[] = [];
      for (const s of servers) {
        s.setRecords(svc('10.96.0.7'));
        ports.push((await s.listen('127.0.0.1', 0)).port);
      }
      expect(servers.map((s) => s.udpThreadStats() !== undefined)).toEqual([true, false]);
      // Twice each: the first from JavaScript, the repeat from each one's cache.
      const [native, node] = await Promise.all(ports.map((p) => exchange(p, [query(5), query(5, 'WEB.shop.lb.local'), query(5)])));
      expect(native.map((m) => m.toString('hex')).sort()).toEqual(node.map((m) => m.toString('hex')).sort());
      expect(native).toHaveLength(3);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});

describe('discovery.config.udp_thread', () => {
  it('turns the native thread off, and refuses anything but a boolean, naming the field', () => {
    expect(parseDiscoveryConfig({ udp_thread: false })).toEqual({ udpThread: false });
    expect(() => parseDiscoveryConfig({ udp_thread: 'no' })).toThrow('discovery.config.udp_thread: must be true or false');
  });
});
