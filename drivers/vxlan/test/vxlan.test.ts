// The VXLAN driver against the real kernel. Everything lives in network namespaces this test creates:
//   lbt-<id>-u      the underlay: a bridge joining the two hosts (10.213.<n>.0/24)
//   lbt-<id>-a/-b   two "hosts": each runs the driver (test/runner.js under nsenter) on its own
//   lbt-<id>-pod*   "pods"
// The root namespace's links are never touched, and traffic only goes to addresses created here.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hostVethName } from '../src/driver';

const exec = promisify(execFile);
const RUNNER = join(__dirname, 'runner.js');
const DIST = join(__dirname, '..', 'dist', 'index.js');

const id = randomBytes(3).toString('hex');
const ns = (n: string) => `lbt-${id}-${n}`;
const UNDERLAY = ns('u');
const HOST_A = ns('a');
const HOST_B = ns('b');
const POD1 = ns('pod1');
const POD2 = ns('pod2');
const POD3 = ns('pod3');
const ALL = [UNDERLAY, HOST_A, HOST_B, POD1, POD2, POD3];
const netnsPath = (n: string) => `/run/netns/${n}`;

const octet = randomInt(1, 255);
const ADDR_A = `10.213.${octet}.1`;
const ADDR_B = `10.213.${octet}.2`;
const NODE_A = { subnet: '10.214.1.0/24', address: ADDR_A };
const NODE_B = { subnet: '10.214.2.0/24', address: ADDR_B };

const stateA = mkdtempSync(join(tmpdir(), 'lb-vxlan-a-'));
const stateB = mkdtempSync(join(tmpdir(), 'lb-vxlan-b-'));
const www = mkdtempSync(join(tmpdir(), 'lb-vxlan-www-'));
const children: ChildProcess[] = [];

const ip = async (...args: string[]): Promise<string> => (await exec('ip', args)).stdout;
const ipJson = async <T = Record<string, unknown>[]>(netns: string, ...args: string[]): Promise<T> =>
  JSON.parse((await ip('-n', netns, '-j', ...args)) || '[]') as T;

interface Op {
  op: 'probe' | 'setupNode' | 'setRemotes' | 'attach' | 'detach';
  arg?: unknown;
}
interface RunResult {
  results: unknown[];
  error?: { op: string; code?: string; message: string };
}

/** Runs operations against a fresh driver instance inside a host namespace (a new process = a restart). */
async function drive(host: string, stateDir: string, ops: Op[]): Promise<unknown[]> {
  const { stdout } = await exec('nsenter', [`--net=${netnsPath(host)}`, process.execPath, RUNNER, JSON.stringify({ stateDir, ops })], {
    timeout: 60_000,
  });
  const out = JSON.parse(stdout) as RunResult;
  if (out.error) throw new Error(`${out.error.op} on ${host} failed: ${out.error.code ?? ''} ${out.error.message}`);
  return out.results;
}

const pod = (name: string, netns: string) => ({ namespace: 'default', pod: name, netns: netnsPath(netns) });

/**
 * HTTP GET from inside a pod namespace; resolves with the body or null when it cannot connect.
 * (No `wget -T`: busybox-static 1.35's wget crashes with it; the exec timeout bounds the wait instead.)
 */
async function fetchFrom(netns: string, url: string): Promise<string | null> {
  try {
    const { stdout } = await exec('ip', ['netns', 'exec', netns, 'busybox', 'wget', '-q', '-O', '-', url], { timeout: 5_000, killSignal: 'SIGKILL' });
    return stdout;
  } catch {
    return null;
  }
}

async function eventually(fn: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function linkExists(netns: string, name: string): Promise<boolean> {
  try {
    await ip('-n', netns, 'link', 'show', 'dev', name);
    return true;
  } catch {
    return false;
  }
}

const ifindex = async (netns: string, name: string): Promise<number> =>
  (await ipJson<{ ifindex: number }[]>(netns, 'link', 'show', 'dev', name))[0]!.ifindex;

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error(`build the driver first (npx tsc -b): ${DIST} is missing`);
  for (const n of ALL) await ip('netns', 'add', n);
  // Underlay: a bridge in its own namespace, one veth per host; the host end is eth0 in the host namespace.
  await ip('-n', UNDERLAY, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', UNDERLAY, 'link', 'set', 'br0', 'up');
  for (const [host, addr, port] of [
    [HOST_A, ADDR_A, 'ua'],
    [HOST_B, ADDR_B, 'ub'],
  ] as const) {
    await ip('-n', UNDERLAY, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host);
    await ip('-n', UNDERLAY, 'link', 'set', port, 'master', 'br0', 'up');
    await ip('-n', host, 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
    await ip('-n', host, 'link', 'set', 'eth0', 'up');
    await ip('-n', host, 'link', 'set', 'lo', 'up');
  }
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'index.html'), `hello from pod2 ${id}\n`);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  // Deleting the namespaces removes every link in them (and the veth peers elsewhere).
  for (const n of ALL) await exec('ip', ['netns', 'del', n]).catch(() => undefined);
  for (const d of [stateA, stateB, www]) rmSync(d, { recursive: true, force: true });
});

describe('vxlan driver on a real kernel', () => {
  it('probes ready', async () => {
    expect(await drive(HOST_A, stateA, [{ op: 'probe' }])).toEqual([{ state: 'ready' }]);
  });

  it('sets up both nodes, idempotently', async () => {
    await drive(HOST_A, stateA, [
      { op: 'setupNode', arg: NODE_A },
      { op: 'setupNode', arg: NODE_A },
    ]);
    await drive(HOST_B, stateB, [{ op: 'setupNode', arg: NODE_B }]);
    await drive(HOST_B, stateB, [{ op: 'setupNode', arg: NODE_B }]);

    const [vx] = await ipJson<{ address: string; flags: string[]; linkinfo: { info_kind: string; info_data: Record<string, unknown> } }[]>(
      HOST_A, '-d', 'link', 'show', 'dev', 'lb.vxlan',
    );
    expect(vx!.address).toBe('0a:58:0a:d6:01:00');
    expect(vx!.flags).toContain('UP');
    expect(vx!.linkinfo.info_kind).toBe('vxlan');
    expect(vx!.linkinfo.info_data).toMatchObject({ id: 1, local: ADDR_A, port: 4789, learning: false });

    const addrs = await ipJson<{ ifname: string; addr_info: { local: string; prefixlen: number; family: string }[] }[]>(HOST_A, 'addr', 'show');
    const v4 = (name: string) =>
      addrs.find((a) => a.ifname === name)!.addr_info.filter((x) => x.family === 'inet').map((x) => `${x.local}/${x.prefixlen}`);
    expect(v4('lb0')).toEqual(['10.214.1.1/24']);
    expect(v4('lb.vxlan')).toEqual(['10.214.1.0/32']);
    const [br] = await ipJson<{ address: string }[]>(HOST_A, 'link', 'show', 'dev', 'lb0');
    expect(br!.address).toBe('0a:58:0a:d6:01:01');

    const forward = (await exec('ip', ['netns', 'exec', HOST_B, 'cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim();
    expect(forward).toBe('1');
  });

  it('installs the overlay entries of the remotes (skipping itself)', async () => {
    await drive(HOST_A, stateA, [{ op: 'setRemotes', arg: [NODE_A, NODE_B] }]);
    await drive(HOST_B, stateB, [{ op: 'setRemotes', arg: [NODE_A, NODE_B] }]);

    const routes = await ipJson<{ dst: string; gateway?: string; dev: string; flags: string[] }[]>(HOST_A, 'route', 'show', 'dev', 'lb.vxlan');
    expect(routes).toEqual([expect.objectContaining({ dst: '10.214.2.0/24', gateway: '10.214.2.0', flags: ['onlink'] })]);
    const neigh = await ipJson<{ dst: string; lladdr: string; state: string[] }[]>(HOST_A, 'neigh', 'show', 'dev', 'lb.vxlan');
    expect(neigh).toEqual([expect.objectContaining({ dst: '10.214.2.0', lladdr: '0a:58:0a:d6:02:00', state: ['PERMANENT'] })]);
    const fdb = JSON.parse((await exec('bridge', ['-n', HOST_A, '-j', 'fdb', 'show', 'dev', 'lb.vxlan'])).stdout) as Record<string, unknown>[];
    expect(fdb.filter((f) => f.dst)).toEqual([expect.objectContaining({ mac: '0a:58:0a:d6:02:00', dst: ADDR_B, state: 'permanent' })]);
    const remotes = JSON.parse(readFileSync(join(stateA, 'remotes.json'), 'utf8')) as unknown;
    expect(remotes).toEqual({ remotes: [NODE_B] });
  });

  it('attaches pods with the first free address, idempotently', async () => {
    const [a1, a2] = await drive(HOST_A, stateA, [
      { op: 'attach', arg: pod('pod1', POD1) },
      { op: 'attach', arg: pod('pod1', POD1) },
    ]);
    expect(a1).toEqual({ ip: '10.214.1.2' });
    expect(a2).toEqual({ ip: '10.214.1.2' });
    expect(await drive(HOST_B, stateB, [{ op: 'attach', arg: pod('pod2', POD2) }])).toEqual([{ ip: '10.214.2.2' }]);

    const [eth0] = await ipJson<{ ifname: string; mtu: number; flags: string[]; addr_info: { local: string; prefixlen: number; family: string }[] }[]>(
      POD1, 'addr', 'show', 'dev', 'eth0',
    );
    expect(eth0!.flags).toContain('UP');
    expect(eth0!.mtu).toBe(1450);
    expect(eth0!.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['10.214.1.2/24']);
    const defaults = await ipJson<{ dst: string; gateway: string }[]>(POD1, 'route', 'show', 'default');
    expect(defaults).toEqual([expect.objectContaining({ dst: 'default', gateway: '10.214.1.1' })]);

    const [veth] = await ipJson<{ ifname: string; master: string; flags: string[] }[]>(HOST_A, 'link', 'show', 'dev', hostVethName('default/pod1'));
    expect(veth).toMatchObject({ master: 'lb0' });
    expect(veth!.flags).toContain('UP');
    expect(JSON.parse(readFileSync(join(stateA, 'ipam.json'), 'utf8'))).toEqual({ subnet: '10.214.1.0/24', pods: { 'default/pod1': '10.214.1.2' } });
  });

  it('carries traffic from a pod on A to a pod on B across the overlay', async () => {
    const server = spawn('ip', ['netns', 'exec', POD2, 'busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' });
    children.push(server);
    const url = 'http://10.214.2.2:8080/index.html';
    expect(await eventually(async () => (await fetchFrom(POD1, url)) === `hello from pod2 ${id}\n`)).toBe(true);
  });

  it('keeps state across a restart: the same pod gets the same address and its veth is not recreated', async () => {
    const before = await ifindex(HOST_A, hostVethName('default/pod1'));
    expect(await drive(HOST_A, stateA, [{ op: 'setupNode', arg: NODE_A }, { op: 'attach', arg: pod('pod1', POD1) }])).toEqual([
      null,
      { ip: '10.214.1.2' },
    ]);
    expect(await ifindex(HOST_A, hostVethName('default/pod1'))).toBe(before);
    expect(await fetchFrom(POD1, 'http://10.214.2.2:8080/index.html')).toBe(`hello from pod2 ${id}\n`);
  });

  it('setRemotes([]) removes the overlay entries and traffic stops; setting them again restores it', async () => {
    // A stray route on the device (not in the state file) is reconciled away too.
    await ip('-n', HOST_A, 'route', 'add', '10.214.9.0/24', 'via', '10.214.9.0', 'dev', 'lb.vxlan', 'onlink');
    await drive(HOST_A, stateA, [{ op: 'setRemotes', arg: [] }]);
    expect(await ipJson(HOST_A, 'route', 'show', 'dev', 'lb.vxlan')).toEqual([]);
    expect(await ipJson(HOST_A, 'neigh', 'show', 'dev', 'lb.vxlan')).toEqual([]);
    const fdb = JSON.parse((await exec('bridge', ['-n', HOST_A, '-j', 'fdb', 'show', 'dev', 'lb.vxlan'])).stdout) as Record<string, unknown>[];
    expect(fdb.filter((f) => f.dst)).toEqual([]);
    expect(await fetchFrom(POD1, 'http://10.214.2.2:8080/index.html')).toBeNull();

    await drive(HOST_A, stateA, [{ op: 'setRemotes', arg: [NODE_B] }]);
    expect(await eventually(async () => (await fetchFrom(POD1, 'http://10.214.2.2:8080/index.html')) !== null)).toBe(true);
  });

  it('detach removes the host veth and frees the address for the next pod', async () => {
    const veth = hostVethName('default/pod2');
    expect(await linkExists(HOST_B, veth)).toBe(true);
    await drive(HOST_B, stateB, [
      { op: 'detach', arg: pod('pod2', POD2) },
      { op: 'detach', arg: pod('pod2', POD2) },
    ]);
    expect(await linkExists(HOST_B, veth)).toBe(false);
    expect(await linkExists(POD2, 'eth0')).toBe(false);
    expect(await drive(HOST_B, stateB, [{ op: 'attach', arg: pod('pod3', POD3) }])).toEqual([{ ip: '10.214.2.2' }]);
    expect(JSON.parse(readFileSync(join(stateB, 'ipam.json'), 'utf8'))).toEqual({ subnet: '10.214.2.0/24', pods: { 'default/pod3': '10.214.2.2' } });
  });
});
