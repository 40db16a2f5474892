// A CPI swap on a running platform: a bounded loop of requests to a service VIP runs through every swap
// and none of them fails. nftables table A → nftables table B (another driver instance and table: the
// new one is programmed before the old one is emptied), then table B in-process → the same package out
// of process (a reload: same table, nothing cleared), then the third-party example driver
// @example/driver-userproxy, packed with npm and installed into the server's data dir. Runs in the
// host's network namespace with a service CIDR, nft tables and a loopback VIP of its own, all removed at
// the end.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installTarball, packExample } from './example-package';
import { TEST_DEFAULTS, TestServer, readyPods, uniq, waitFor, webService } from './harness';

const suffix = randomBytes(3).toString('hex');
const TABLES = [`lbswapa${suffix}`, `lbswapb${suffix}`];
const nftables = (table: string) => ({ package: '@lastbackend/driver-nftables', config: { table } });

/** One GET on a fresh connection; resolves with the status code or rejects with why it failed. */
const request = (ip: string): Promise<number> =>
  new Promise((ok, fail) => {
    const req = get({ host: ip, port: 80, path: '/', agent: false, timeout: 3000 }, (res) => {
      res.resume().on('end', () => ok(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out'))).on('error', fail);
  });

describe('CPI swap under traffic', () => {
  let s: TestServer;
  let vip: string | undefined;
  const ns = uniq('cpiswap');
  const work = mkdtempSync(join(tmpdir(), 'lb-cpiswap-work-'));

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lb-cpiswap-'));
    installTarball(packExample('driver-userproxy', work), join(dataDir, 'drivers'));
    const config = join(dataDir, 'config.json');
    writeFileSync(config, JSON.stringify({ ...TEST_DEFAULTS, drivers: { ...TEST_DEFAULTS.drivers, cpi: nftables(TABLES[0]) }, network: { ...TEST_DEFAULTS.network, service_cidr: '10.237.0.0/16' } }));
    s = await TestServer.start({ dataDir, config });
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });

  afterAll(async () => {
    await s?.cleanup();
    if (vip) execFileSync('ip', ['addr', 'del', `${vip}/32`, 'dev', 'lo'], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
    for (const t of TABLES) {
      try {
        execFileSync('nft', ['delete', 'table', 'ip', t], { stdio: 'ignore' });
      } catch {
        // not created, or already gone
      }
    }
  });

  const tableHasVip = (table: string, vip: string) => {
    try {
      return execFileSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' }).includes(vip);
    } catch {
      return false;
    }
  };

  it('keeps serving every request while the CPI driver is swapped three times, the last to a third-party package', async () => {
    await s.client.apply(ns, [webService('web', 2)]);
    await waitFor(() => s.pods(ns, 'web'), (p) => readyPods(p).length === 2, 'web ready', 90_000);
    const ip = (await s.client.service(ns, 'web')).status.network.ip!;
    vip = ip;
    expect(ip).toMatch(/^10\.237\./);
    // The userspace proxy listens on the VIP itself, so the VIP must be an address of this host.
    execFileSync('ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo']);
    await waitFor(() => request(ip).catch(() => 0), (code) => code === 200, `VIP ${ip} answering`, 30_000);

    // The loop: at most 2000 requests, one after another, until told to stop.
    const failures: string[] = [];
    let sent = 0;
    let stop = false;
    const loop = (async () => {
      while (!stop && sent < 2000) {
        sent++;
        await request(ip).then(
          (code) => void (code !== 200 && failures.push(`HTTP ${code}`)),
          (e: Error) => void failures.push(e.message),
        );
      }
    })();

    const before = sent;
    const a = await s.lb(['driver', 'set', 'cpi', '@lastbackend/driver-nftables', '--config', JSON.stringify({ table: TABLES[1] })]);
    expect(a.code).toBe(0);
    // The new table serves the VIP; the old one was emptied after the switch.
    expect(tableHasVip(TABLES[1], ip)).toBe(true);
    expect(tableHasVip(TABLES[0], ip)).toBe(false);

    const b = await s.lb(['driver', 'set', 'cpi', '@lastbackend/driver-nftables', '--config', JSON.stringify({ table: TABLES[1] }), '--isolation', 'process']);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/cpi driver is @lastbackend\/driver-nftables@\S+ \(ready, process \d+\)/);
    expect(tableHasVip(TABLES[1], ip)).toBe(true);

    const c = await s.lb(['driver', 'set', 'cpi', '@example/driver-userproxy']);
    expect(c.stderr).toBe('');
    expect(c.stdout).toContain(`cpi driver is @example/driver-userproxy@${(JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'driver-userproxy', 'package.json'), 'utf8')) as { version: string }).version} (ready)`);
    expect(tableHasVip(TABLES[1], ip)).toBe(false); // the nft table was emptied: the proxy serves now
    await new Promise((r) => setTimeout(r, 500)); // a few more requests on the final driver
    stop = true;
    await loop;

    expect(sent - before).toBeGreaterThan(20);
    expect(failures).toEqual([]);
    const cpi = (await s.client.drivers()).find((d) => d.kind === 'cpi')!;
    expect(cpi).toMatchObject({ package: '@example/driver-userproxy', isolation: 'in-process', state: 'ready' });
  });
});
