// Discovery DNS against the real `dig` client. All traffic stays on loopback or in a network namespace the
// test makes: the server's only upstream is a fake resolver this test runs on 127.0.0.1, never the
// machine's real resolvers.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import * as net from 'node:net';
import * as packet from 'dns-packet';
import { DiscoveryServer, type DiscoveryPod, type DiscoveryService } from '../src';

jest.setTimeout(60000);

interface Dig {
  status: string;
  stdout: string;
  answers: string[];
}

function dig(port: number, ...args: string[]): Promise<Dig> {
  return new Promise((resolve, reject) => {
    execFile(
      'dig',
      ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=3', ...args],
      { timeout: 15000 },
      (err, stdout, stderr) => {
        // dig exits 9 on "no servers could be reached"; the caller inspects the output.
        if (err && !stdout) return reject(new Error(`dig ${args.join(' ')} failed: ${stderr || err.message}`));
        const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? '';
        const section = /;; ANSWER SECTION:\n([\s\S]*?)(?:\n\n|$)/.exec(stdout)?.[1] ?? '';
        const answers = section.split('\n').filter((l) => l.trim() !== '');
        resolve({ status, stdout, answers });
      },
    );
  });
}

async function short(port: number, ...args: string[]): Promise<string[]> {
  const r = await dig(port, ...args, '+short');
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** A fake upstream resolver on 127.0.0.1 (UDP and TCP on one port) that knows a few names and records what it saw. */
class FakeUpstream {
  readonly seen: { name: string; type: string; transport: 'udp' | 'tcp'; id: number }[] = [];
  port = 0;
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly socks = new Set<net.Socket>();

  constructor(private readonly names: Record<string, string>, private readonly silent = false) {}

  async start(): Promise<number> {
    for (let i = 0; i < 20; i++) {
      const udp = dgram.createSocket('udp4');
      await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
      const port = udp.address().port;
      const tcp = net.createServer((s) => this.onTcp(s));
      const ok = await new Promise<boolean>((r) => {
        tcp.once('error', () => r(false));
        tcp.listen(port, '127.0.0.1', () => r(true));
      });
      if (!ok) {
        udp.close();
        continue;
      }
      udp.on('message', (msg, rinfo) => {
        const res = this.answer(msg, 'udp');
        if (res) udp.send(res, rinfo.port, rinfo.address);
      });
      this.udp = udp;
      this.tcp = tcp;
      this.port = port;
      return port;
    }
    throw new Error('fake upstream could not bind');
  }

  async stop(): Promise<void> {
    for (const s of this.socks) s.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
  }

  private answer(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | null {
    try {
      return this.answerOrThrow(msg, transport);
    } catch {
      return null; // fuzzed queries forwarded by the server under test may be odd
    }
  }

  private answerOrThrow(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | null {
    const q = packet.decode(msg);
    const question = q.questions![0];
    this.seen.push({ name: question.name.toLowerCase(), type: question.type, transport, id: q.id ?? 0 });
    if (this.silent) return null;
    const ip = this.names[question.name.toLowerCase()];
    return packet.encode({
      type: 'response',
      id: q.id,
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (ip ? 0 : 3),
      questions: [question],
      answers: ip && question.type === 'A' ? [{ type: 'A', name: question.name, ttl: 30, data: ip }] : [],
    });
  }

  private onTcp(s: net.Socket): void {
    this.socks.add(s);
    s.on('close', () => this.socks.delete(s));
    s.on('error', () => s.destroy());
    let buf = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= buf.readUInt16BE(0) + 2) {
        const len = buf.readUInt16BE(0);
        const res = this.answer(buf.subarray(2, 2 + len), 'tcp');
        buf = buf.subarray(2 + len);
        if (res) {
          const frame = Buffer.alloc(2);
          frame.writeUInt16BE(res.length);
          s.write(Buffer.concat([frame, res]));
        }
      }
    });
  }
}

const services: DiscoveryService[] = [
  {
    namespace: 'shop',
    name: 'web',
    ip: '10.96.0.10',
    ports: [
      { name: 'http', port: 80, protocol: 'tcp' },
      { port: 8125, protocol: 'udp' },
    ],
  },
  { namespace: 'shop', name: 'db', ports: [{ name: 'pg', port: 5432, protocol: 'tcp' }] },
];
const pods: DiscoveryPod[] = [
  { namespace: 'shop', service: 'web', name: 'web-1', ip: '10.0.0.5' },
  { namespace: 'shop', service: 'web', name: 'web-2', ip: '10.0.0.6' },
];

describe('discovery DNS (dig)', () => {
  const upstream = new FakeUpstream({ 'example.test': '192.0.2.1' });
  let server: DiscoveryServer;
  let port: number;
  const errors: string[] = [];
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m: string) => errors.push(`warn: ${m}`),
    error: (m: string, meta?: Record<string, unknown>) => errors.push(`error: ${m} ${JSON.stringify(meta)}`),
  };

  beforeAll(async () => {
    const up = await upstream.start();
    server = new DiscoveryServer({ upstreams: [`127.0.0.1:${up}`], forwardTimeoutMs: 1000, logger });
    server.setRecords({ services, pods });
    ({ port } = await server.listen('127.0.0.1', 0));
    expect(port).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await server?.close();
    await upstream.stop();
  });

  it('answers a service name with its VIP over UDP and TCP', async () => {
    expect(await short(port, 'web.shop.lb.local')).toEqual(['10.96.0.10']);
    expect(await short(port, 'web.shop.lb.local', '+tcp')).toEqual(['10.96.0.10']);
    const full = await dig(port, 'WEB.Shop.LB.local');
    expect(full.status).toBe('NOERROR');
    expect(full.stdout).toMatch(/flags: qr aa rd ra/);
    expect(full.answers).toEqual([expect.stringMatching(/^WEB\.Shop\.LB\.local\.\s+5\s+IN\s+A\s+10\.96\.0\.10$/)]);
  });

  it('answers SRV with the target and its A record', async () => {
    expect(await short(port, '_http._tcp.web.shop.lb.local', 'SRV')).toEqual(['0 10 80 web.shop.lb.local.']);
    expect(await short(port, '_8125._udp.web.shop.lb.local', 'SRV', '+tcp')).toEqual(['0 10 8125 web.shop.lb.local.']);
    const full = await dig(port, '_http._tcp.web.shop.lb.local', 'SRV');
    expect(full.stdout).toMatch(/ADDITIONAL SECTION:\nweb\.shop\.lb\.local\.\s+5\s+IN\s+A\s+10\.96\.0\.10/);
  });

  it('answers pod names with the pod IP', async () => {
    expect(await short(port, 'web-2.web.shop.lb.local')).toEqual(['10.0.0.6']);
  });

  it('answers NXDOMAIN with an SOA for unknown names in the zone', async () => {
    const r = await dig(port, 'nope.shop.lb.local');
    expect(r.status).toBe('NXDOMAIN');
    expect(r.stdout).toMatch(/flags: qr aa/);
    expect(r.stdout).toMatch(/AUTHORITY SECTION:\nlb\.local\.\s+5\s+IN\s+SOA\s+/);
    expect((await dig(port, 'web-9.web.shop.lb.local', '+tcp')).status).toBe('NXDOMAIN');
  });

  it('answers NODATA for a service without VIP and for AAAA', async () => {
    for (const args of [['db.shop.lb.local'], ['web.shop.lb.local', 'AAAA']]) {
      const r = await dig(port, ...args);
      expect(r.status).toBe('NOERROR');
      expect(r.answers).toEqual([]);
      expect(r.stdout).toMatch(/ANSWER: 0,/);
    }
  });

  it('forwards other names to the upstream over UDP and TCP, keeping the id', async () => {
    upstream.seen.length = 0;
    const r = await dig(port, 'example.test');
    expect(r.status).toBe('NOERROR');
    expect(r.answers).toEqual([expect.stringMatching(/^example\.test\.\s+30\s+IN\s+A\s+192\.0\.2\.1$/)]);
    // dig checks that the reply id matches its query id; it would report a mismatch otherwise.
    expect(r.stdout).not.toMatch(/ID mismatch/);
    expect(upstream.seen).toEqual([expect.objectContaining({ name: 'example.test', type: 'A', transport: 'udp' })]);

    expect(await short(port, 'example.test', '+tcp')).toEqual(['192.0.2.1']);
    expect(upstream.seen[1]).toMatchObject({ name: 'example.test', transport: 'tcp' });

    const nx = await dig(port, 'missing.test');
    expect(nx.status).toBe('NXDOMAIN');
    expect(upstream.seen.map((s) => s.name)).toContain('missing.test');
  });

  it('keeps the client id on forwarded answers (raw UDP)', async () => {
    const sock = dgram.createSocket('udp4');
    try {
      const reply = new Promise<Buffer>((r) => sock.once('message', (m) => r(m)));
      sock.send(packet.encode({ type: 'query', id: 4242, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name: 'example.test' }] }), port, '127.0.0.1');
      const res = packet.decode(await reply);
      expect(res.id).toBe(4242);
      expect(res.answers?.[0]).toMatchObject({ type: 'A', data: '192.0.2.1' });
    } finally {
      sock.close();
    }
  });

  it('applies setRecords to the next query', async () => {
    server.setRecords({ services: [{ ...services[0], ip: '10.96.0.99' }], pods: [] });
    expect(await short(port, 'web.shop.lb.local')).toEqual(['10.96.0.99']);
    expect((await dig(port, 'web-1.web.shop.lb.local')).status).toBe('NXDOMAIN');
    expect((await dig(port, 'db.shop.lb.local')).status).toBe('NXDOMAIN');
    server.setRecords({ services, pods });
    expect(await short(port, 'web.shop.lb.local', '+tcp')).toEqual(['10.96.0.10']);
  });

  it('serves several queries on one TCP connection', async () => {
    const sock = net.connect(port, '127.0.0.1');
    try {
      await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
      const names = ['web.shop.lb.local', 'web-1.web.shop.lb.local', 'nope.shop.lb.local'];
      const frames = names.map((name, i) => {
        const q = packet.encode({ type: 'query', id: 100 + i, questions: [{ type: 'A', name }] });
        const len = Buffer.alloc(2);
        len.writeUInt16BE(q.length);
        return Buffer.concat([len, q]);
      });
      // All three in one write, the last one split across two writes.
      const all = Buffer.concat(frames);
      sock.write(all.subarray(0, all.length - 5));
      setTimeout(() => sock.write(all.subarray(all.length - 5)), 50);
      const got = new Map<number, packet.DecodedPacket>();
      let buf = Buffer.alloc(0);
      await new Promise<void>((resolve, reject) => {
        sock.on('error', reject);
        sock.on('data', (chunk: Buffer) => {
          buf = Buffer.concat([buf, chunk]);
          while (buf.length >= 2 && buf.length >= buf.readUInt16BE(0) + 2) {
            const res = packet.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)));
            buf = buf.subarray(2 + buf.readUInt16BE(0));
            got.set(res.id ?? -1, res);
          }
          if (got.size === names.length) resolve();
        });
      });
      expect(got.get(100)?.answers?.[0]).toMatchObject({ data: '10.96.0.10' });
      expect(got.get(101)?.answers?.[0]).toMatchObject({ data: '10.0.0.5' });
      expect((got.get(102) as unknown as { rcode: string }).rcode).toBe('NXDOMAIN');
    } finally {
      sock.destroy();
    }
  });

  it('survives 1,000 malformed UDP packets and TCP garbage', async () => {
    const valid = packet.encode({ type: 'query', id: 7, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name: 'web.shop.lb.local' }] });
    const samples: Buffer[] = [
      Buffer.alloc(0),
      Buffer.alloc(11),
      Buffer.alloc(12), // header only, qdcount 0
      Buffer.from('ffff0100ffffffffffffffff', 'hex'), // absurd counts, no body
      Buffer.from('abcd01000001000000000000c00c00010001', 'hex'), // self-referencing compression pointer
      Buffer.from('abcd010000010000000000003f', 'hex'), // label runs past the end
      valid.subarray(0, valid.length - 3),
      Buffer.concat([valid.subarray(0, 2), Buffer.from([0x80, 0x00]), valid.subarray(4)]), // a "response" (QR set)
      Buffer.concat([valid.subarray(0, 2), Buffer.from([0x28, 0x00]), valid.subarray(4)]), // opcode UPDATE
      Buffer.alloc(5000, 1), // over the size cap
    ];
    const sock = dgram.createSocket('udp4');
    let replies = 0;
    sock.on('message', () => replies++);
    try {
      for (let i = 0; i < 1000; i++) {
        let pkt: Buffer;
        if (i < samples.length) pkt = samples[i];
        else if (i % 3 === 0) pkt = randomBytes(Math.floor(Math.random() * 600));
        else {
          // a valid query with a few random bytes flipped
          pkt = Buffer.from(valid);
          for (let k = 0; k < 1 + (i % 4); k++) pkt[Math.floor(Math.random() * pkt.length)] = Math.floor(Math.random() * 256);
        }
        await new Promise<void>((r) => sock.send(pkt, port, '127.0.0.1', () => r()));
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 10));
      }

      const tcpGarbage: Buffer[] = [
        randomBytes(3000),
        Buffer.from([0x00, 0x00]), // zero-length frame
        Buffer.from([0xff, 0xff, 1, 2, 3]), // oversized frame
        Buffer.from([0x00, 0x05, 1, 2, 3, 4, 5]), // too short for a header
        Buffer.concat([Buffer.from([0x00, 0x20]), randomBytes(32)]), // a frame of noise
        Buffer.from([0x00]), // half a length prefix, then close
      ];
      for (let round = 0; round < 5; round++) {
        for (const g of tcpGarbage) {
          const c = net.connect(port, '127.0.0.1');
          c.on('error', () => undefined);
          await new Promise<void>((r) => c.once('connect', () => r()));
          c.write(g);
          await new Promise<void>((r) => {
            const t = setTimeout(() => r(), 200);
            c.once('close', () => {
              clearTimeout(t);
              r();
            });
          });
          c.destroy();
        }
      }
    } finally {
      sock.close();
    }

    // Some malformed-but-readable ones got FORMERR/NOTIMP; the server is still up on both transports.
    expect(replies).toBeGreaterThan(0);
    expect(await short(port, 'web.shop.lb.local')).toEqual(['10.96.0.10']);
    expect(await short(port, 'web.shop.lb.local', '+tcp')).toEqual(['10.96.0.10']);
    expect(await short(port, 'example.test')).toEqual(['192.0.2.1']);
    expect(errors).toEqual([]);
  });

  it('answers FORMERR for a readable header with an undecodable body', async () => {
    const sock = dgram.createSocket('udp4');
    try {
      const reply = new Promise<Buffer>((r) => sock.once('message', (m) => r(m)));
      sock.send(Buffer.from('abcd010000010000000000003f', 'hex'), port, '127.0.0.1');
      const res = packet.decode(await reply) as packet.DecodedPacket & { rcode: string };
      expect(res.id).toBe(0xabcd);
      expect(res.rcode).toBe('FORMERR');
    } finally {
      sock.close();
    }
  });
});

describe('discovery DNS forwarding failures', () => {
  it('answers SERVFAIL when no upstream answers', async () => {
    const silent = new FakeUpstream({}, true);
    const up = await silent.start();
    const server = new DiscoveryServer({ upstreams: [`127.0.0.1:${up}`], forwardTimeoutMs: 300 });
    try {
      const { port } = await server.listen('127.0.0.1', 0);
      const r = await dig(port, 'example.test');
      expect(r.status).toBe('SERVFAIL');
      expect(silent.seen.map((s) => s.name)).toEqual(['example.test']);
      expect((await dig(port, 'example.test', '+tcp')).status).toBe('SERVFAIL');
    } finally {
      await server.close();
      await silent.stop();
    }
  });

  it('answers SERVFAIL with no upstreams but still serves the zone', async () => {
    const server = new DiscoveryServer({ upstreams: [] });
    try {
      const { port } = await server.listen('127.0.0.1', 0);
      expect((await dig(port, 'example.test')).status).toBe('SERVFAIL');
      expect(await short(port, 'lb.local', 'SOA')).toEqual([expect.stringMatching(/^ns\.dns\.lb\.local\. hostmaster\.lb\.local\. \d+ 60 10 3600 5$/)]);
    } finally {
      await server.close();
    }
  });

  it('listens on a host name, resolved once (the UDP socket takes literals only)', async () => {
    const server = new DiscoveryServer({ upstreams: [] });
    server.setRecords({ services, pods: [] });
    try {
      const { port } = await server.listen('localhost', 0);
      const { address } = await lookup('localhost');
      const out = await new Promise<string>((resolve) =>
        execFile('dig', [`@${address}`, '-p', String(port), '+tries=1', '+time=3', '+short', 'web.shop.lb.local'], { timeout: 15000 }, (_e, stdout) => resolve(String(stdout))),
      );
      expect(out.trim()).toBe('10.96.0.10');
    } finally {
      await server.close();
    }
  });

  it('tries the next upstream when the first does not answer', async () => {
    const silent = new FakeUpstream({}, true);
    const good = new FakeUpstream({ 'example.test': '192.0.2.7' });
    const [a, b] = [await silent.start(), await good.start()];
    const server = new DiscoveryServer({ upstreams: [`127.0.0.1:${a}`, `127.0.0.1:${b}`], forwardTimeoutMs: 300 });
    try {
      const { port } = await server.listen('127.0.0.1', 0);
      expect(await short(port, 'example.test')).toEqual(['192.0.2.7']);
      expect(silent.seen).toHaveLength(1);
      expect(good.seen).toHaveLength(1);
    } finally {
      await server.close();
      await silent.stop();
      await good.stop();
    }
  });
});

/** `dig` run inside network namespace `ns`, from source address `from`, against `server:port`. */
function digIn(ns: string, from: string, server: string, port: number, ...args: string[]): Promise<Dig> {
  return new Promise((resolve, reject) => {
    execFile(
      'ip',
      ['netns', 'exec', ns, 'dig', `@${server}`, '-p', String(port), '-b', from, '+tries=1', '+time=3', ...args],
      { timeout: 15000 },
      (err, stdout, stderr) => {
        if (err && !stdout) return reject(new Error(`dig ${args.join(' ')} from ${from} failed: ${stderr || err.message}`));
        const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? '';
        const section = /;; ANSWER SECTION:\n([\s\S]*?)(?:\n\n|$)/.exec(stdout)?.[1] ?? '';
        resolve({ status, stdout, answers: section.split('\n').filter((l) => l.trim() !== '') });
      },
    );
  });
}

describe('discovery DNS answers only the pod networks (clients in a namespace the test makes)', () => {
  // One veth pair into a namespace of ours. Each end has an address in the "pod network" the server is told
  // about, and one outside it; dig picks its source address with -b.
  const tag = randomBytes(2).toString('hex');
  const ns = `lbdns-${tag}`;
  const [hostIf, nsIf] = [`lbdh${tag}`, `lbdn${tag}`];
  const octet = (parseInt(tag, 16) % 250) + 1;
  const pods = `10.252.${octet}.0/24`;
  const [serverIp, podIp] = [`10.252.${octet}.1`, `10.252.${octet}.2`];
  const outside = '198.51.100.0/24';
  const [hostOutside, strangerIp] = ['198.51.100.1', '198.51.100.2'];
  const upstream = new FakeUpstream({ 'example.test': '192.0.2.1' });
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
  let server: DiscoveryServer;
  let port: number;

  beforeAll(async () => {
    ip('netns', 'add', ns);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', ns);
    ip('addr', 'add', `${serverIp}/24`, 'dev', hostIf);
    ip('addr', 'add', `${hostOutside}/24`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    for (const a of [`${podIp}/24`, `${strangerIp}/24`]) ip('-n', ns, 'addr', 'add', a, 'dev', nsIf);
    ip('-n', ns, 'link', 'set', nsIf, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    const up = await upstream.start();
    server = new DiscoveryServer({ upstreams: [`127.0.0.1:${up}`], forwardTimeoutMs: 1000, allowFrom: [pods] });
    server.setRecords({ services, pods: [] });
    ({ port } = await server.listen(serverIp, 0));
  });

  afterAll(async () => {
    await server?.close();
    await upstream.stop();
    try {
      ip('netns', 'del', ns); // takes the namespace's end of the pair, and with it the pair
    } catch {
      /* never made */
    }
    try {
      ip('link', 'del', hostIf);
    } catch {
      /* gone with the namespace */
    }
  });

  it('refuses a client outside the pod networks over UDP and TCP, and forwards nothing for it', async () => {
    upstream.seen.length = 0;
    for (const args of [['web.shop.lb.local'], ['web.shop.lb.local', '+tcp'], ['example.test'], ['example.test', '+tcp']]) {
      const r = await digIn(ns, strangerIp, serverIp, port, ...args);
      expect(`${args.join(' ')}: ${r.status}`).toBe(`${args.join(' ')}: REFUSED`);
      expect(r.answers).toEqual([]);
    }
    expect(upstream.seen).toEqual([]);
  });

  it('answers a client in the pod networks, zone and forwarded names', async () => {
    upstream.seen.length = 0;
    const zone = await digIn(ns, podIp, serverIp, port, 'web.shop.lb.local');
    expect(zone.status).toBe('NOERROR');
    expect(zone.answers).toEqual([expect.stringMatching(/\sA\s+10\.96\.0\.10$/)]);
    expect((await digIn(ns, podIp, serverIp, port, 'web.shop.lb.local', '+tcp')).answers).toHaveLength(1);
    const fwd = await digIn(ns, podIp, serverIp, port, 'example.test');
    expect(fwd.answers).toEqual([expect.stringMatching(/\sA\s+192\.0\.2\.1$/)]);
    expect(upstream.seen.map((q) => q.name)).toEqual(['example.test']);
  });

  it('follows a change of the allowed networks on the next query', async () => {
    // The same query bytes (no EDNS cookie) twice: the repeat is answered from the cache (the native
    // thread's: udpThreadStats), which must not keep answering the client once its network is dropped.
    const before = server.udpThreadStats()!;
    for (let i = 0; i < 2; i++) expect((await digIn(ns, podIp, serverIp, port, 'web.shop.lb.local', '+nocookie')).status).toBe('NOERROR');
    expect(server.udpThreadStats()!.answered).toBe(before.answered + 1);
    server.setAllowedSources([outside]);
    try {
      expect((await digIn(ns, podIp, serverIp, port, 'web.shop.lb.local', '+nocookie')).status).toBe('REFUSED');
      expect((await digIn(ns, strangerIp, serverIp, port, 'web.shop.lb.local')).status).toBe('NOERROR');
      expect((await digIn(ns, podIp, serverIp, port, 'web.shop.lb.local')).status).toBe('REFUSED');
    } finally {
      server.setAllowedSources([pods]);
    }
    expect(() => server.setAllowedSources(['10.0.0.1/8'])).toThrow(/allowFrom: "10.0.0.1\/8" is not an IPv4 network/);
  });
});
