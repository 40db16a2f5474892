// The nftables CPI driver against the real kernel. Everything lives in network namespaces this test creates
// (the root namespace's ruleset is never touched):
//   lbt-<id>-node     the "node": bridge br0 (10.216.<n>.1/24), forwarding on; runs the driver (test/runner.js
//                     under nsenter), so its prerouting/output chains see the VIP traffic
//   lbt-<id>-b1/-b2   backends (.2, .3): busybox httpd on :8080 answering with their own name
//   lbt-<id>-client   a client (.4) whose default route is the node, so VIPs (10.217.<n>.0/24, on no
//                     interface) are DNATed in the node's prerouting — a hairpin over the same bridge
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { LbError, type DriverInfo, type ErrorCode, type ProbeResult, type ProxyDriver, type VirtualService } from '@lastbackend/sdk';
import { canonicalTable, runCpiConformance } from '@lastbackend/sdk/testing';

const exec = promisify(execFile);
const RUNNER = join(__dirname, 'runner.js');
const DIST = join(__dirname, '..', 'dist', 'index.js');
const BUSYBOX = '/bin/busybox';

const id = randomBytes(3).toString('hex');
const ns = (n: string) => `lbt-${id}-${n}`;
const NODE = ns('node');
const B1 = ns('b1');
const B2 = ns('b2');
const CLIENT = ns('client');
const ALL = [NODE, B1, B2, CLIENT];

const octet = randomInt(1, 255);
const NET = `10.216.${octet}`;
const GW = `${NET}.1`;
const VIPS: [string, string] = [`10.217.${octet}.10`, `10.217.${octet}.11`];
const BACKENDS = [
  { ns: B1, ip: `${NET}.2`, name: `backend-1-${id}` },
  { ns: B2, ip: `${NET}.3`, name: `backend-2-${id}` },
];
const CLIENT_IP = `${NET}.4`;
const www = mkdtempSync(join(tmpdir(), 'lb-nft-www-'));
const servers: ChildProcess[] = [];
const runners: Runner[] = [];
let rootBefore = '';

const ip = async (...args: string[]): Promise<string> => (await exec('ip', args)).stdout;
const inNs = async (netns: string, ...cmd: string[]): Promise<string> => (await exec('ip', ['netns', 'exec', netns, ...cmd], { timeout: 10_000 })).stdout;

/** HTTP GET from a namespace; the body trimmed. (No `wget -T`: this busybox crashes with it; the exec timeout bounds the wait.) */
async function get(netns: string, url: string): Promise<string> {
  const { stdout } = await exec('ip', ['netns', 'exec', netns, BUSYBOX, 'wget', '-q', '-O', '-', url], { timeout: 5_000, killSignal: 'SIGKILL' });
  return stdout.trim();
}
const request = (vip: string, port: number) => get(CLIENT, `http://${vip}:${port}/`);
const tryGet = (netns: string, url: string): Promise<string | null> => get(netns, url).catch(() => null);

async function eventually(fn: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** What the root namespace holds that could be ours: our table, or anything naming our addresses. */
async function rootState(): Promise<string> {
  const { stdout } = await exec('nft', ['-s', 'list', 'ruleset']);
  const ours = stdout.split('\n').filter((l) => /\blastbackend\b/.test(l) || l.includes(`${NET}.`) || l.includes(`10.217.${octet}.`));
  return ours.join('\n');
}

interface Reply {
  id: number;
  result?: unknown;
  error?: { name?: string; code?: string; message: string };
}

/** One long-lived driver process inside the node namespace; calls go over its stdin/stdout as JSON lines. */
class Runner {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private next = 1;
  private stderr = '';
  private constructor(private readonly child: ChildProcess) {}

  static async start(netns: string, config: Record<string, unknown> = {}): Promise<Runner> {
    const child = spawn('nsenter', [`--net=/run/netns/${netns}`, process.execPath, RUNNER, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const r = new Runner(child);
    runners.push(r);
    child.stderr!.on('data', (b: Buffer) => (r.stderr = (r.stderr + b.toString()).slice(-4000)));
    const ready = new Promise<unknown>((resolve, reject) => r.pending.set(0, { resolve, reject }));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as Reply;
      const p = r.pending.get(msg.id);
      if (!p) return;
      r.pending.delete(msg.id);
      if (msg.error) {
        const e = msg.error;
        p.reject(e.name === 'LbError' && e.code ? new LbError(e.code as ErrorCode, e.message) : new Error(e.message));
      } else p.resolve(msg.result);
    });
    child.on('exit', (code) => {
      for (const p of r.pending.values()) p.reject(new Error(`runner exited (${String(code)}): ${r.stderr}`));
      r.pending.clear();
    });
    await ready;
    return r;
  }

  call(op: 'info' | 'probe' | 'setTable' | 'list' | 'dispose', arg?: unknown): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(JSON.stringify({ id, op, arg }) + '\n');
    });
  }

  /** The driver's own dispose, then the process ends. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.call('dispose').catch(() => undefined);
    this.child.stdin!.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** A ProxyDriver whose every call runs in the node namespace, through the runner. */
async function proxyOf(r: Runner): Promise<ProxyDriver> {
  const info = (await r.call('info')) as DriverInfo;
  return {
    info: () => info,
    probe: async () => (await r.call('probe')) as ProbeResult,
    setTable: async (services: VirtualService[]) => void (await r.call('setTable', services)),
    list: async () => (await r.call('list')) as VirtualService[],
    dispose: async () => void (await r.call('dispose')),
  };
}

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error(`build the driver first (npx tsc -b): ${DIST} is missing`);
  rootBefore = await rootState();
  for (const n of ALL) await ip('netns', 'add', n);
  await ip('-n', NODE, 'link', 'set', 'lo', 'up');
  await ip('-n', NODE, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', NODE, 'addr', 'add', `${GW}/24`, 'dev', 'br0');
  await ip('-n', NODE, 'link', 'set', 'br0', 'up');
  // The node's own processes reach VIPs through the output chain; they need a route to start with.
  await ip('-n', NODE, 'route', 'add', `10.217.${octet}.0/24`, 'dev', 'br0');
  await inNs(NODE, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
  await inNs(NODE, 'sysctl', '-qw', 'net.ipv4.conf.all.send_redirects=0');
  await inNs(NODE, 'sysctl', '-qw', 'net.ipv4.conf.br0.send_redirects=0');
  const hosts = [...BACKENDS.map((b) => ({ ns: b.ns, ip: b.ip })), { ns: CLIENT, ip: CLIENT_IP }];
  for (const [i, h] of hosts.entries()) {
    const port = `v${i}`;
    await ip('-n', NODE, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns);
    await ip('-n', NODE, 'link', 'set', port, 'master', 'br0', 'up');
    await ip('-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0');
    await ip('-n', h.ns, 'link', 'set', 'eth0', 'up');
    await ip('-n', h.ns, 'link', 'set', 'lo', 'up');
  }
  // Only the client routes via the node; backends answer the node's (masqueraded) address on-link.
  await ip('-n', CLIENT, 'route', 'add', 'default', 'via', GW);
  for (const b of BACKENDS) {
    const dir = join(www, b.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), `${b.name}\n`);
    servers.push(spawn('ip', ['netns', 'exec', b.ns, BUSYBOX, 'httpd', '-f', '-p', '8080', '-h', dir], { stdio: 'ignore' }));
  }
  for (const b of BACKENDS) {
    const ok = await eventually(async () => (await tryGet(CLIENT, `http://${b.ip}:8080/`)) === b.name);
    if (!ok) throw new Error(`backend ${b.name} at ${b.ip}:8080 does not answer`);
  }
});

afterAll(async () => {
  for (const r of runners) r.kill();
  for (const s of servers) s.kill('SIGKILL');
  // Deleting the namespaces removes their links and their nftables rulesets.
  for (const n of ALL) await exec('ip', ['netns', 'del', n]).catch(() => undefined);
  rmSync(www, { recursive: true, force: true });
  const left = (await ip('netns', 'list')).split('\n').filter((l) => l.includes(`lbt-${id}-`));
  expect(left).toEqual([]);
  expect(await rootState()).toBe(rootBefore);
});

runCpiConformance('nftables', async () => {
  const runner = await Runner.start(NODE);
  return {
    cpi: await proxyOf(runner),
    vips: VIPS,
    backends: BACKENDS.map((b) => ({ ip: b.ip, port: 8080 })),
    schedulers: ['wrr'],
    request,
    cleanup: () => runner.close(),
  };
});

describe('nftables driver on a real kernel', () => {
  const [vip, vip2] = VIPS;
  const [b1, b2] = BACKENDS.map((b) => ({ ip: b.ip, port: 8080 })) as [{ ip: string; port: number }, { ip: string; port: number }];
  let cpi: ProxyDriver;
  let runner: Runner;

  beforeAll(async () => {
    runner = await Runner.start(NODE);
    cpi = await proxyOf(runner);
  });
  afterAll(async () => {
    await cpi?.setTable([]).catch(() => undefined);
    await runner?.close();
  });

  it('list() is empty when the table does not exist', async () => {
    await inNs(NODE, 'nft', 'delete', 'table', 'ip', 'lastbackend').catch(() => undefined);
    expect(await cpi.list()).toEqual([]);
  });

  it('a forged backend costs that backend only: every other service is programmed and answers, and probe() names the entry', async () => {
    await cpi.setTable([{ ip: vip, port: 80, protocol: 'tcp', backends: [b1] }]);
    expect(await request(vip, 80)).toBe(BACKENDS[0]!.name);
    // What a node reporting pod_ip "not-an-ip" used to put in every node's table: refused whole, every VIP stale.
    const table: VirtualService[] = [
      { ip: vip, port: 80, protocol: 'tcp', backends: [b2] },
      { ip: vip2, port: 80, protocol: 'tcp', backends: [{ ip: 'not-an-ip', port: 8080 }, b1] },
      { ip: '10.0.0.256', port: 80, protocol: 'tcp', backends: [b1] },
    ];
    await cpi.setTable(table);
    expect(canonicalTable(await cpi.list())).toEqual(
      canonicalTable([
        { ip: vip, port: 80, protocol: 'tcp', backends: [b2] },
        { ip: vip2, port: 80, protocol: 'tcp', backends: [b1] },
      ]),
    );
    for (let i = 0; i < 3; i++) {
      expect(await request(vip, 80)).toBe(BACKENDS[1]!.name);
      expect(await request(vip2, 80)).toBe(BACKENDS[0]!.name);
    }
    const probe = await cpi.probe();
    expect(probe.state).toBe('ready');
    expect(probe.message).toMatch(/^service table: 2 entries left out: services\.1\.backends\.0\.ip: .*"not-an-ip".*; services\.2\.ip: /);
    // A clean table clears the report.
    await cpi.setTable([{ ip: vip, port: 80, protocol: 'tcp', backends: [b1] }]);
    expect((await cpi.probe()).message).toBeUndefined();
  });

  it('serves the node itself through the output chain', async () => {
    await cpi.setTable([{ ip: vip, port: 80, protocol: 'tcp', backends: [b2] }]);
    expect(await get(NODE, `http://${vip}:80/`)).toBe(BACKENDS[1]!.name);
  });

  it('rejects connections to a VIP without backends at once', async () => {
    await cpi.setTable([{ ip: vip, port: 80, protocol: 'tcp', backends: [] }]);
    const started = Date.now();
    await expect(request(vip, 80)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(4_000); // a reset, not the exec timeout
    expect(await cpi.list()).toEqual([{ ip: vip, port: 80, protocol: 'tcp', scheduler: 'rr', backends: [] }]);
  });

  it('weights traffic by backend weight under wrr', async () => {
    await cpi.setTable([{ ip: vip, port: 80, protocol: 'tcp', scheduler: 'wrr', backends: [{ ...b1, weight: 9 }, { ...b2, weight: 1 }] }]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const n = await request(vip, 80);
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    expect(counts.get(BACKENDS[0]!.name) ?? 0).toBeGreaterThan(counts.get(BACKENDS[1]!.name) ?? 0);
  });

  it('the table survives a new driver instance (a restart): list() and traffic are unchanged', async () => {
    const table: VirtualService[] = [
      { ip: vip, port: 80, protocol: 'tcp', scheduler: 'wrr', backends: [{ ...b1, weight: 2 }, b2] },
      { ip: vip2, port: 53, protocol: 'udp', scheduler: 'lc', backends: [b1] },
      { ip: vip2, port: 80, protocol: 'tcp', backends: [] },
    ];
    await cpi.setTable(table);
    await runner.close();
    runner = await Runner.start(NODE);
    cpi = await proxyOf(runner);
    await expect(cpi.probe()).resolves.toEqual({ state: 'ready' });
    expect(canonicalTable(await cpi.list())).toEqual(canonicalTable(table));
    expect(BACKENDS.map((b) => b.name)).toContain(await request(vip, 80));
  });

  it('probe() reports an error when nft is missing', async () => {
    const broken = await Runner.start(NODE, { nft: '/nonexistent/nft' });
    try {
      const p = (await broken.call('probe')) as ProbeResult;
      expect(p.state).toBe('error');
      expect(p.message).toMatch(/nonexistent/);
    } finally {
      await broken.close();
    }
  });
});
