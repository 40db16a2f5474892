// Runs INSIDE User-Mode Linux (started by ../ipvs.test.ts), where the kernel has ip_vs: the CPI
// conformance suite against the real IPVS table, then `ipvsadm -Ln` and the VIP addresses compared with
// the table the driver was given. Backends are HTTP servers in this process on 127.0.0.2/127.0.0.3.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalTable, runCpiConformance } from '@lastbackend/sdk/testing';
import type { DriverLogger, VirtualService } from '@lastbackend/sdk';
import { IpvsProxy } from '../../dist';

const VIPS: [string, string] = ['10.96.0.10', '10.96.0.11'];
const BACKENDS = [
  { ip: '127.0.0.2', port: 8081, name: 'backend-1' },
  { ip: '127.0.0.3', port: 8082, name: 'backend-2' },
];
const quiet: DriverLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function startBackends(): Promise<http.Server[]> {
  return Promise.all(
    BACKENDS.map(
      (b) =>
        new Promise<http.Server>((resolve, reject) => {
          const srv = http.createServer((_req, res) => res.setHeader('connection', 'close').end(b.name));
          srv.once('error', reject);
          srv.listen(b.port, b.ip, () => resolve(srv));
        }),
    ),
  );
}

const close = (srv: http.Server) => new Promise<void>((r) => srv.close(() => r()));

function request(vip: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: vip, port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${vip}:${port} timed out`)));
    req.on('error', reject);
  });
}

const newDriver = (iface: string) => new IpvsProxy({ interface: iface }, quiet, mkdtempSync(join(tmpdir(), 'ipvs-state-')), { name: 'ipvs', version: '0.0.0-test', api: ['2'] });

let servers: http.Server[] = [];
beforeAll(async () => {
  servers = await startBackends();
});
afterAll(async () => {
  await Promise.all(servers.map(close));
});

runCpiConformance('ipvs', async () => {
  const cpi = newDriver('lb-ipvs');
  return {
    cpi,
    vips: VIPS,
    backends: BACKENDS.map(({ ip, port }) => ({ ip, port })),
    schedulers: ['wrr', 'lc'],
    request,
    cleanup: () => cpi.dispose(),
  };
});

/** `ipvsadm -Ln` parsed into a table (forwarding method kept to check it is Masq). */
function ipvsadmTable(): { table: VirtualService[]; forward: string[]; raw: string } {
  const raw = execFileSync('ipvsadm', ['-Ln'], { encoding: 'utf8', timeout: 10_000 });
  const table: VirtualService[] = [];
  const forward: string[] = [];
  for (const line of raw.split('\n')) {
    const svc = /^(TCP|UDP)\s+(\d+\.\d+\.\d+\.\d+):(\d+)\s+(\w+)/.exec(line);
    if (svc) {
      table.push({ ip: svc[2], port: Number(svc[3]), protocol: svc[1].toLowerCase() as 'tcp' | 'udp', scheduler: svc[4] as 'rr', backends: [] });
      continue;
    }
    const dest = /^\s+->\s+(\d+\.\d+\.\d+\.\d+):(\d+)\s+(\w+)\s+(\d+)/.exec(line);
    if (dest && table.length) {
      table[table.length - 1].backends.push({ ip: dest[1], port: Number(dest[2]), weight: Number(dest[4]) });
      forward.push(dest[3]);
    }
  }
  return { table, forward, raw };
}

/** /32 addresses on a link, from `ip -j`. */
function addresses(dev: string): string[] {
  const out = JSON.parse(execFileSync('ip', ['-j', '-4', 'addr', 'show', 'dev', dev], { encoding: 'utf8', timeout: 10_000 }) || '[]') as {
    addr_info?: { local: string; prefixlen: number }[];
  }[];
  return out.flatMap((l) => (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`)).sort();
}

describe('ipvs driver against ipvsadm and ip', () => {
  const table: VirtualService[] = [
    { ip: VIPS[0], port: 80, protocol: 'tcp', backends: [{ ip: '127.0.0.2', port: 8081 }, { ip: '127.0.0.3', port: 8082 }] },
    { ip: VIPS[0], port: 443, protocol: 'tcp', scheduler: 'lc', backends: [{ ip: '127.0.0.2', port: 8443, weight: 2 }] },
    { ip: VIPS[1], port: 53, protocol: 'udp', scheduler: 'wrr', backends: [{ ip: '127.0.0.3', port: 5353, weight: 5 }] },
    { ip: '10.96.0.12', port: 8080, protocol: 'tcp', backends: [] },
  ];

  it('ipvsadm shows exactly the table, masquerading, with the VIPs on the dummy link', async () => {
    const cpi = newDriver('lb-ipvs');
    try {
      await cpi.setTable(table);
      const got = ipvsadmTable();
      process.stdout.write(`IPVSADM-BEGIN\n${got.raw}IPVSADM-END\n`);
      expect(canonicalTable(got.table)).toEqual(canonicalTable(table));
      expect(new Set(got.forward)).toEqual(new Set(['Masq']));
      expect(addresses('lb-ipvs')).toEqual(['10.96.0.10/32', '10.96.0.11/32', '10.96.0.12/32']);
      // A new instance (an agent restart) sees the same table and changes nothing.
      const again = newDriver('lb-ipvs');
      expect(canonicalTable(await again.list())).toEqual(canonicalTable(table));
      await again.setTable(table);
      expect(ipvsadmTable().raw).toBe(got.raw);
      await again.dispose();
      await cpi.setTable([]);
      expect(ipvsadmTable().table).toEqual([]);
      expect(addresses('lb-ipvs')).toEqual([]);
    } finally {
      await cpi.setTable([]).catch(() => undefined);
      await cpi.dispose();
    }
  });

  it('falls back to lo without a dummy link type, and removes only its own addresses there', async () => {
    // Take the dummy driver away (the host test loaded it as a module); the kernel then answers
    // "Unknown device type" to a new dummy link, and the driver must bind VIPs to lo instead.
    execFileSync('ip', ['link', 'del', 'lb-ipvs'], { timeout: 10_000 });
    execFileSync('busybox', ['rmmod', 'dummy'], { timeout: 10_000, stdio: 'pipe' });
    expect(existsSync('/sys/module/dummy')).toBe(false);
    const cpi = newDriver('lb-ipvs');
    try {
      await cpi.setTable(table.slice(0, 2));
      expect(addresses('lo')).toEqual(['10.96.0.10/32', '127.0.0.1/8']);
      expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toMatch(/lb-ipvs/);
      expect(await request(VIPS[0], 80).catch((e: Error) => e.message)).toMatch(/^backend-[12]$/);
      expect(canonicalTable(ipvsadmTable().table)).toEqual(canonicalTable(table.slice(0, 2)));
      await cpi.setTable([]);
      expect(addresses('lo')).toEqual(['127.0.0.1/8']);
      expect(ipvsadmTable().table).toEqual([]);
    } finally {
      await cpi.setTable([]).catch(() => undefined);
      await cpi.dispose();
    }
  });
});
