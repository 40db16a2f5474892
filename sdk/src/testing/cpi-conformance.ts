// Conformance suite for proxy (CPI) drivers: the service table a driver programs is exactly the one
// it was given, every time, and (when the subject can send traffic) a VIP reaches every backend.
//   runCpiConformance('nftables', async () => ({ cpi, vips: ['10.96.0.10', '10.96.0.11'], backends: [...] }));
import { DRIVER_API_VERSION, type ProxyDriver, type VirtualService } from '../drivers/types';
import { isLbErrorLike } from './helpers';

export interface CpiConformanceSubject {
  cpi: ProxyDriver;
  /** Two addresses the suite may use as VIPs (made by the test, free on this host). */
  vips: [string, string];
  /** Backends: address and port of servers the test runs; each answers a request with its own name. */
  backends: { ip: string; port: number }[];
  /** Schedulers the driver supports besides rr (e.g. ['wrr', 'lc']). */
  schedulers?: ('wrr' | 'lc')[];
  /** Sends one TCP request to vip:port as a client would, resolves with the answer (a backend's name). */
  request?: (vip: string, port: number) => Promise<string>;
  cleanup?: () => Promise<void>;
}

/** Entries in a canonical order, so two tables compare equal whatever order a driver lists them in. */
export function canonicalTable(table: VirtualService[]): VirtualService[] {
  return table
    .map((s) => ({
      ip: s.ip,
      port: s.port,
      protocol: s.protocol,
      scheduler: s.scheduler ?? 'rr',
      backends: s.backends.map((b) => ({ ip: b.ip, port: b.port, weight: b.weight ?? 1 })).sort((a, b) => `${a.ip}:${a.port}`.localeCompare(`${b.ip}:${b.port}`)),
    }))
    .sort((a, b) => `${a.ip}:${a.port}/${a.protocol}`.localeCompare(`${b.ip}:${b.port}/${b.protocol}`));
}

/**
 * `traffic: false` leaves out the traffic check (for a place the suite cannot send traffic from): the
 * report then has one test less instead of a check that passes without looking.
 */
export function runCpiConformance(name: string, factory: () => Promise<CpiConformanceSubject>, options: { traffic?: boolean } = {}): void {
  describe(`CPI conformance: ${name}`, () => {
    let subject: CpiConformanceSubject | undefined;
    const s = (): CpiConformanceSubject => {
      if (!subject) throw new Error('the conformance factory failed; see the beforeAll error');
      return subject;
    };
    const expectTable = async (want: VirtualService[]) => expect(canonicalTable(await s().cpi.list())).toEqual(canonicalTable(want));

    beforeAll(async () => {
      subject = await factory();
      await subject.cpi.setTable([]);
    });

    afterAll(async () => {
      await subject?.cpi.setTable([]).catch(() => undefined);
      await subject?.cleanup?.();
    });

    it('info() names the driver and speaks the SDK driver API; probe() reports ready', async () => {
      const info = s().cpi.info();
      expect(info.name.length).toBeGreaterThan(0);
      expect(info.api).toContain(DRIVER_API_VERSION);
      await expect(s().cpi.probe()).resolves.toMatchObject({ state: 'ready' });
    });

    it('programs exactly the table it is given, and setting it again changes nothing', async () => {
      const [v1, v2] = s().vips;
      const [b1, b2] = s().backends;
      const table: VirtualService[] = [
        { ip: v1, port: 80, protocol: 'tcp', backends: [b1, b2] },
        { ip: v2, port: 53, protocol: 'udp', backends: [b1] },
      ];
      await s().cpi.setTable(table);
      await expectTable(table);
      await s().cpi.setTable(table);
      await expectTable(table);
    });

    it('updates backends and schedulers in place and removes services not listed', async () => {
      const [v1, v2] = s().vips;
      const [b1, b2] = s().backends;
      const sched = s().schedulers?.[0];
      const table: VirtualService[] = [
        { ip: v1, port: 80, protocol: 'tcp', ...(sched ? { scheduler: sched } : {}), backends: [{ ...b2, weight: sched === 'wrr' ? 3 : 1 }] },
        { ip: v1, port: 443, protocol: 'tcp', backends: [b1] },
      ];
      await s().cpi.setTable(table);
      await expectTable(table);
      expect((await s().cpi.list()).some((x) => x.ip === v2)).toBe(false);
    });

    it('empties the table', async () => {
      await s().cpi.setTable([]);
      await expectTable([]);
    });

    it('leaves out a bad entry and programs every other one: one bad backend or VIP does not cost the table', async () => {
      const [v1, v2] = s().vips;
      const [b1, b2] = s().backends;
      // Tables are built from what every node reports: a node's bad pod address must cost that backend only.
      const table = [
        { ip: v1, port: 80, protocol: 'tcp' as const, backends: [{ ip: 'not-an-ip', port: b1.port }, b2] },
        { ip: v2, port: 53, protocol: 'udp' as const, backends: [b1] },
        { ip: 'not-an-ip', port: 81, protocol: 'tcp' as const, backends: [b1] },
        { ip: v1, port: 70000, protocol: 'tcp' as const, backends: [b1] },
      ];
      await s().cpi.setTable(table);
      await expectTable([
        { ip: v1, port: 80, protocol: 'tcp', backends: [b2] },
        { ip: v2, port: 53, protocol: 'udp', backends: [b1] },
      ]);
      await expect(s().cpi.probe()).resolves.toMatchObject({ state: 'ready' });
      await s().cpi.setTable([]);
    });

    it('refuses a table that is not a list with a coded error', async () => {
      const err = await s().cpi.setTable('not-a-table' as unknown as VirtualService[]).then(() => undefined, (e: unknown) => e);
      expect(isLbErrorLike(err)).toBe(true);
    });

    if (options.traffic === false) return;
    it('balances a VIP over every backend, and a removed backend gets no more traffic', async () => {
      const request = s().request;
      if (!request) throw new Error('the subject has no request(): give one, or run the suite with { traffic: false }');
      const [v1] = s().vips;
      const backends = s().backends;
      await s().cpi.setTable([{ ip: v1, port: 80, protocol: 'tcp', backends }]);
      const names = new Set<string>();
      for (let i = 0; i < backends.length * 10 && names.size < backends.length; i++) names.add(await request(v1, 80));
      expect(names.size).toBe(backends.length);
      await s().cpi.setTable([{ ip: v1, port: 80, protocol: 'tcp', backends: [backends[0]] }]);
      const after = new Set<string>();
      for (let i = 0; i < 10; i++) after.add(await request(v1, 80));
      expect(after.size).toBe(1);
      await s().cpi.setTable([]);
    });
  });
}
