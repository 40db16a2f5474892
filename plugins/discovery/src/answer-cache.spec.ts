import * as dgram from 'node:dgram';
import * as packet from 'dns-packet';
import { AnswerCache } from './answer-cache';
import { DiscoveryServer } from './server';

/** The addresses of an answer's A records. */
const addresses = (p: packet.DecodedPacket): string[] => (p.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : []));

const svc = (ip: string) => ({ services: [{ namespace: 'shop', name: 'web', ip, ports: [] }], pods: [] });

/** One UDP query to 127.0.0.1:PORT, decoded. */
function ask(port: number, id: number, name: string): Promise<packet.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => (s.close(), reject(new Error('no answer'))), 2000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(packet.decode(m));
    });
    s.send(packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), port, '127.0.0.1');
  });
}

describe('AnswerCache', () => {
  it('gives back a copy carrying the query ID, keyed by the bytes after the ID', () => {
    const c = new AnswerCache(2);
    const q = Buffer.from('0102000100000000000000000377656200', 'hex');
    c.remember(q, Buffer.from('aaaa8180', 'hex'));
    const other = Buffer.from(q);
    other.writeUInt16BE(0xbeef, 0);
    expect(c.get(other)!.toString('hex')).toBe('beef8180');
    expect(c.get(q)!.toString('hex')).toBe('01028180');
    const flags = Buffer.from(q);
    flags[3] ^= 1;
    expect(c.get(flags)).toBeUndefined();
    c.remember(Buffer.alloc(11), Buffer.from([1]));
    expect(c.size).toBe(1);
    c.forget();
    expect(c.get(q)).toBeUndefined();
  });

  it('starts again empty when full', () => {
    const c = new AnswerCache(2);
    const query = (n: number) => Buffer.concat([Buffer.alloc(12), Buffer.from([n])]);
    c.remember(query(1), Buffer.from([1]));
    c.remember(query(2), Buffer.from([2]));
    c.remember(query(3), Buffer.from([3]));
    expect(c.size).toBe(1);
    expect(c.get(query(3))).toBeDefined();
  });
});

describe('DiscoveryServer answers repeated UDP queries from its cache', () => {
  let server: DiscoveryServer;
  let port: number;
  beforeAll(async () => {
    server = new DiscoveryServer({ upstreams: [] });
    server.setRecords(svc('10.96.0.1'));
    ({ port } = await server.listen('127.0.0.1', 0));
  });
  afterAll(() => server.close());

  it('with each query its own ID and the question as asked, and the new zone after setRecords', async () => {
    const a = await ask(port, 7, 'web.shop.lb.local');
    const b = await ask(port, 8, 'web.shop.lb.local');
    expect([a.id, b.id]).toEqual([7, 8]);
    expect(addresses(b)).toEqual(['10.96.0.1']);
    const upper = await ask(port, 9, 'WEB.shop.lb.local');
    expect(upper.questions?.[0].name).toBe('WEB.shop.lb.local');
    expect(addresses(upper)).toEqual(['10.96.0.1']);
    server.setRecords(svc('10.96.0.2'));
    expect(addresses(await ask(port, 10, 'web.shop.lb.local'))).toEqual(['10.96.0.2']);
  });
});
