import {
  addr16,
  AF_INET,
  AF_INET6,
  attr,
  encodeDest,
  encodeDestKey,
  encodeService,
  encodeServiceKey,
  FWD,
  IPVS_CMD_ATTR,
  IPVS_DEST_ATTR,
  IPVS_SVC_ATTR,
  nested,
  parseAttrs,
  parseDestMessage,
  parseServiceMessage,
  str,
  u16,
  u16be,
  u32,
} from './genl';

const NLA_F_NESTED = 0x8000;

describe('netlink attributes', () => {
  it('encodes a TLV with host-order length and type, padded to 4 bytes', () => {
    const a = attr(6, Buffer.from('rr\0'));
    expect(a).toEqual(Buffer.from([7, 0, 6, 0, 0x72, 0x72, 0, 0]));
    expect(str(6, 'wrr')).toEqual(Buffer.from([8, 0, 6, 0, 0x77, 0x72, 0x72, 0]));
  });

  it('writes ports in network order and other integers in host order', () => {
    expect(u16be(4, 8080)).toEqual(Buffer.from([6, 0, 4, 0, 0x1f, 0x90, 0, 0]));
    expect(u16(1, AF_INET)).toEqual(Buffer.from([6, 0, 1, 0, 2, 0, 0, 0]));
    expect(u32(8, 0xffffffff)).toEqual(Buffer.from([8, 0, 8, 0, 0xff, 0xff, 0xff, 0xff]));
  });

  it('marks nested attributes and parses them back with flags stripped', () => {
    const n = nested(1, [u16(1, 2), u32(4, 7)]);
    expect(n.readUInt16LE(2)).toBe(1 | NLA_F_NESTED);
    expect(n.readUInt16LE(0)).toBe(4 + 8 + 8);
    const top = parseAttrs(n);
    expect([...top.keys()]).toEqual([1]);
    const inner = parseAttrs(top.get(1)!);
    expect(inner.get(1)!.readUInt16LE(0)).toBe(2);
    expect(inner.get(4)!.readUInt32LE(0)).toBe(7);
  });

  it('refuses malformed attribute streams', () => {
    expect(() => parseAttrs(Buffer.from([40, 0, 1, 0, 0, 0, 0, 0]))).toThrow(/malformed/);
    expect(() => parseAttrs(Buffer.from([2, 0, 1, 0]))).toThrow(/malformed/);
  });

  it('pads IPv4 addresses to the 16-byte nf_inet_addr', () => {
    expect(addr16('10.96.0.10')).toEqual(Buffer.from([10, 96, 0, 10, ...new Array(12).fill(0)]));
  });
});

describe('IPVS messages', () => {
  const key = { ip: '10.96.0.10', port: 80, protocol: 'tcp' as const };

  it('encodes a full service entry (what NEW_SERVICE and SET_SERVICE require)', () => {
    const top = parseAttrs(encodeService({ ...key, scheduler: 'wrr', flags: 0, timeout: 0 }));
    const svc = parseAttrs(top.get(IPVS_CMD_ATTR.SERVICE)!);
    expect(svc.get(IPVS_SVC_ATTR.AF)!.readUInt16LE(0)).toBe(AF_INET);
    expect(svc.get(IPVS_SVC_ATTR.PROTOCOL)!.readUInt16LE(0)).toBe(6);
    expect(svc.get(IPVS_SVC_ATTR.ADDR)).toEqual(addr16('10.96.0.10'));
    expect(svc.get(IPVS_SVC_ATTR.PORT)).toEqual(Buffer.from([0, 80]));
    expect(svc.get(IPVS_SVC_ATTR.SCHED_NAME)!.toString()).toBe('wrr\0');
    expect(svc.get(IPVS_SVC_ATTR.FLAGS)).toEqual(Buffer.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]));
    expect(svc.get(IPVS_SVC_ATTR.TIMEOUT)!.readUInt32LE(0)).toBe(0);
    expect(svc.get(IPVS_SVC_ATTR.NETMASK)!.readUInt32LE(0)).toBe(0xffffffff);
  });

  it('encodes a service key with only af, protocol, address and port', () => {
    const svc = parseAttrs(parseAttrs(encodeServiceKey({ ...key, protocol: 'udp' })).get(IPVS_CMD_ATTR.SERVICE)!);
    expect([...svc.keys()].sort()).toEqual([IPVS_SVC_ATTR.AF, IPVS_SVC_ATTR.PROTOCOL, IPVS_SVC_ATTR.ADDR, IPVS_SVC_ATTR.PORT].sort());
    expect(svc.get(IPVS_SVC_ATTR.PROTOCOL)!.readUInt16LE(0)).toBe(17);
  });

  it('encodes a masquerading destination with weight and thresholds', () => {
    const d = parseAttrs(
      parseAttrs(encodeDest({ ip: '127.0.0.2', port: 8081, weight: 3, fwd: FWD.MASQ, upperThreshold: 0, lowerThreshold: 0 })).get(IPVS_CMD_ATTR.DEST)!,
    );
    expect(d.get(IPVS_DEST_ATTR.ADDR)).toEqual(addr16('127.0.0.2'));
    expect(d.get(IPVS_DEST_ATTR.PORT)).toEqual(Buffer.from([0x1f, 0x91]));
    expect(d.get(IPVS_DEST_ATTR.FWD_METHOD)!.readUInt32LE(0)).toBe(0);
    expect(d.get(IPVS_DEST_ATTR.WEIGHT)!.readUInt32LE(0)).toBe(3);
    expect(d.get(IPVS_DEST_ATTR.U_THRESH)!.readUInt32LE(0)).toBe(0);
    expect(d.get(IPVS_DEST_ATTR.L_THRESH)!.readUInt32LE(0)).toBe(0);
    expect(d.get(IPVS_DEST_ATTR.ADDR_FAMILY)!.readUInt16LE(0)).toBe(AF_INET);
    const k = parseAttrs(parseAttrs(encodeDestKey({ ip: '127.0.0.2', port: 8081 })).get(IPVS_CMD_ATTR.DEST)!);
    expect([...k.keys()]).toEqual([IPVS_DEST_ATTR.ADDR, IPVS_DEST_ATTR.PORT]);
  });

  it('parses a GET_SERVICE dump message as the kernel sends it (with stats)', () => {
    const flags = Buffer.alloc(8);
    flags.writeUInt32LE(0x2, 0); // IP_VS_SVC_F_HASHED, as the kernel reports
    flags.writeUInt32LE(0xffffffff, 4);
    const msg = nested(IPVS_CMD_ATTR.SERVICE, [
      u16(IPVS_SVC_ATTR.AF, AF_INET),
      u16(IPVS_SVC_ATTR.PROTOCOL, 17),
      attr(IPVS_SVC_ATTR.ADDR, addr16('10.96.0.11')),
      u16be(IPVS_SVC_ATTR.PORT, 53),
      str(IPVS_SVC_ATTR.SCHED_NAME, 'lc'),
      attr(IPVS_SVC_ATTR.FLAGS, flags),
      u32(IPVS_SVC_ATTR.TIMEOUT, 0),
      u32(IPVS_SVC_ATTR.NETMASK, 0xffffffff),
      nested(IPVS_SVC_ATTR.STATS, [u32(1, 5)]),
    ]);
    expect(parseServiceMessage(msg)).toEqual({
      af: AF_INET,
      fwmark: 0,
      protocolNumber: 17,
      protocol: 'udp',
      ip: '10.96.0.11',
      port: 53,
      scheduler: 'lc',
      flags: 2,
      timeout: 0,
    });
  });

  it('parses IPv6 and firewall-mark services without inventing an IPv4 address', () => {
    const v6 = parseServiceMessage(
      nested(IPVS_CMD_ATTR.SERVICE, [u16(IPVS_SVC_ATTR.AF, AF_INET6), u16(IPVS_SVC_ATTR.PROTOCOL, 6), attr(IPVS_SVC_ATTR.ADDR, Buffer.alloc(16, 1)), u16be(IPVS_SVC_ATTR.PORT, 80), str(IPVS_SVC_ATTR.SCHED_NAME, 'rr')]),
    );
    expect(v6).toMatchObject({ af: AF_INET6, ip: '' });
    const fw = parseServiceMessage(nested(IPVS_CMD_ATTR.SERVICE, [u16(IPVS_SVC_ATTR.AF, AF_INET), u32(IPVS_SVC_ATTR.FWMARK, 7), str(IPVS_SVC_ATTR.SCHED_NAME, 'rr')]));
    expect(fw).toMatchObject({ fwmark: 7, ip: '', port: 0 });
  });

  it('parses a GET_DEST dump message', () => {
    const msg = nested(IPVS_CMD_ATTR.DEST, [
      attr(IPVS_DEST_ATTR.ADDR, addr16('127.0.0.3')),
      u16be(IPVS_DEST_ATTR.PORT, 8082),
      u32(IPVS_DEST_ATTR.FWD_METHOD, FWD.MASQ),
      u32(IPVS_DEST_ATTR.WEIGHT, 5),
      u32(IPVS_DEST_ATTR.U_THRESH, 0),
      u32(IPVS_DEST_ATTR.L_THRESH, 0),
      u32(IPVS_DEST_ATTR.ACTIVE_CONNS, 1),
      u16(IPVS_DEST_ATTR.ADDR_FAMILY, AF_INET),
    ]);
    expect(parseDestMessage(msg)).toEqual({ af: AF_INET, ip: '127.0.0.3', port: 8082, fwd: FWD.MASQ, weight: 5, upperThreshold: 0, lowerThreshold: 0 });
  });

  it('round-trips what it encodes', () => {
    const spec = { ip: '192.168.1.1', port: 65535, protocol: 'udp' as const, scheduler: 'rr', flags: 0, timeout: 0 };
    expect(parseServiceMessage(encodeService(spec))).toMatchObject(spec);
    const dest = { ip: '10.0.0.1', port: 1, weight: 0, fwd: FWD.MASQ, upperThreshold: 10, lowerThreshold: 2 };
    expect(parseDestMessage(encodeDest(dest))).toEqual({ af: AF_INET, ...dest });
  });

  it('fails clearly on a reply without the expected attribute', () => {
    expect(() => parseServiceMessage(Buffer.alloc(0))).toThrow(/without a service/);
    expect(() => parseDestMessage(nested(IPVS_CMD_ATTR.DEST, []))).toThrow(/without the destination address/);
  });
});
