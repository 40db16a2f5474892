// Drivers that run in a child process (isolation: process): the SDK conformance suites pass through
// the process boundary unchanged; a killed driver process is restarted, re-synced and serves again while
// the API keeps answering; a swap to the same package loads the new code that was put on disk.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbError, type ContainerRuntime, type DriverBase, type ImageService, type StorageDriver } from '@lastbackend/sdk';
import { runCiiConformance, runCriConformance } from '@lastbackend/sdk/testing';
import { loadConfig } from '../core/src/config/config';
import { Kernel } from '../core/src/kernel/kernel';
import { createLogger } from '../core/src/kernel/logger';
import { RemoteDriverHost } from '../core/src/kernel/remote/remote-driver';
import { IMAGE, ROOT, TEST_DEFAULTS, TestServer, docker, uniq, waitFor, webService, readyPods } from './harness';

const log = createLogger(process.env.LB_TEST_VERBOSE ? 'debug' : 'silent');
const tmp: string[] = [];
const tempDir = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  tmp.push(d);
  return d;
};
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The Docker driver in a child process of its own, as the kernel starts it. */
async function remoteDocker(): Promise<{ host: RemoteDriverHost; cri: ContainerRuntime; cii: ImageService }> {
  const { host } = await RemoteDriverHost.start({
    init: { kind: 'cri', package: '@lastbackend/driver-docker', sources: { modules: [], walkFrom: [ROOT] }, config: {}, node: 'oop-test', stateRoot: tempDir('lb-oop-state-'), logLevel: 'warn' },
    log,
  });
  const { cri, cii } = host.proxies();
  return { host, cri: cri!, cii: cii! };
}

runCriConformance('docker, out of process', async () => {
  const { host, cri } = await remoteDocker();
  return { cri, image: IMAGE, cleanup: () => host.dispose() };
});
runCiiConformance('docker, out of process', async () => {
  const { host, cii } = await remoteDocker();
  return { cii, presentImage: IMAGE, cleanup: () => host.dispose() };
});

/** A small CSI driver package on disk whose version and behaviour the test rewrites. */
function writeDriver(dir: string, version: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'upgradable-csi', version, main: 'index.js', lastbackend: { kind: ['csi'], api: '2' } }));
  writeFileSync(
    join(dir, 'index.js'),
    `const brand = Symbol.for('io.lastbackend.driver');
     const version = ${JSON.stringify(version)};
     const impl = {
       info: () => ({ name: 'upgradable', version, api: ['2'] }),
       probe: async () => ({ state: 'ready' }),
       dispose: async () => {},
       // capacity 1 never answers: a call in flight when the process dies
       create: (v, o) => o.capacity === 1 ? new Promise(() => {}) : Promise.resolve({ ...v, path: '/v/' + version, capacity: o.capacity || 0 }),
       list: async () => [{ namespace: 'code', name: version, path: '/v', capacity: 0 }],
       path: async () => '/v',
       putFiles: async () => '/f',
       // a coded error as a driver built on another SDK copy throws it
       remove: async (v) => { if (v.name === 'busy') throw Object.assign(new Error('volume busy is in use'), { name: 'LbError', code: 'CONFLICT', details: {} }); },
     };
     module.exports = { default: { [brand]: true, name: 'upgradable', version, kinds: ['csi'], api: '2',
       configSchema: { safeParse: (c) => c && c.colour !== undefined ? { success: false, error: { issues: [{ path: ['colour'], message: 'unknown field', code: 'custom' }] } } : { success: true, data: c } },
       create: () => ({ csi: impl }) } };`,
  );
}

const HEAP_OPTIONS = ['--max-semi-space-size=1', '--heap-growing-percent=100'];

describe('kernel with an out-of-process driver', () => {
  let kernel: Kernel;
  // Installed into the data dir's drivers, where the kernel finds it by name (a swap takes names only).
  const pkg = 'upgradable-csi';
  let dir: string;
  const resynced: DriverBase[] = [];

  beforeAll(async () => {
    const data = tempDir('lb-oop-kernel-');
    dir = join(data, 'drivers', 'node_modules', pkg);
    writeDriver(dir, '1.0.0');
    const cfg = loadConfig({ env: {}, flags: { dataDir: data, listen: '127.0.0.1:1', name: 'oop-node' } });
    cfg.drivers = { csi: { package: pkg, config: {}, isolation: 'process' } };
    kernel = new Kernel(cfg, log);
    // As `lb server` runs (lb.js's SERVER_NODE_OPTIONS), with an option of another kind besides.
    const execArgv = [...process.execArgv];
    process.execArgv.push(...HEAP_OPTIONS, '--inspect=127.0.0.1:0');
    try {
      await kernel.start();
    } finally {
      process.execArgv.splice(0, Infinity, ...execArgv);
    }
    kernel.onSwap('csi', async (d) => void resynced.push(d));
  });
  afterAll(async () => kernel?.dispose());

  const state = async () => (await kernel.states()).find((s) => s.kind === 'csi')!;

  it('runs the driver in a child process and reports it', async () => {
    const s = await state();
    expect(s).toMatchObject({ package: 'upgradable-csi', version: '1.0.0', state: 'ready', isolation: 'process', restarts: 0 });
    expect(s.pid).not.toBe(process.pid);
    expect(() => process.kill(s.pid!, 0)).not.toThrow();
    // The server's heap sizing, and nothing else of its node options.
    const argv = readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0');
    expect(argv.slice(1, 1 + HEAP_OPTIONS.length)).toEqual(HEAP_OPTIONS);
    expect(argv.some((a) => a.startsWith('--inspect'))).toBe(false);
    await expect(kernel.driver('csi').list()).resolves.toEqual([{ namespace: 'code', name: '1.0.0', path: '/v', capacity: 0 }]);
  });

  it('keeps error codes across the boundary', async () => {
    const err = (await kernel.driver('csi').remove({ namespace: 'x', name: 'busy' }).then(() => undefined, (e: unknown) => e)) as LbError;
    expect(err).toBeInstanceOf(LbError);
    expect(err).toMatchObject({ code: 'CONFLICT', retryable: true, message: 'volume busy is in use' });
    await expect(kernel.driver('csi').remove({ namespace: 'x', name: 'idle' })).resolves.toBeUndefined();
  });

  it('a killed driver process fails the calls in flight, is restarted, re-synced and serves again', async () => {
    const before = await state();
    const csi: StorageDriver = kernel.driver('csi');
    const inFlight = csi.create({ namespace: 'a', name: 'b' }, { capacity: 1 });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(before.pid!, 'SIGKILL');
    const err = (await inFlight.then(() => undefined, (e: unknown) => e)) as LbError;
    expect(err).toBeInstanceOf(LbError);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/upgradable-csi .* exited with SIGKILL; it is being restarted/);
    // A call made while it restarts waits for the new process instead of failing.
    await expect(csi.create({ namespace: 'a', name: 'c' }, {})).resolves.toMatchObject({ name: 'c', path: '/v/1.0.0' });
    const after = await waitFor(state, (s) => s.restarts === 1 && s.state === 'ready', 'driver restarted', 20_000);
    expect(after.pid).not.toBe(before.pid);
    await waitFor(async () => resynced.length, (n) => n === 1, 'driver re-synced after its restart', 10_000);
    expect(resynced[0]).toBe(kernel.driver('csi'));
  });

  it('a swap to the same package loads the new code on disk; the old process goes', async () => {
    const old = await state();
    writeDriver(dir, '2.0.0');
    const swapped = await kernel.swap('csi', { package: pkg, isolation: 'process' });
    expect(swapped).toMatchObject({ version: '2.0.0', state: 'ready', isolation: 'process' });
    await expect(kernel.driver('csi').list()).resolves.toEqual([expect.objectContaining({ name: '2.0.0' })]);
    await waitFor(async () => { try { process.kill(old.pid!, 0); return true; } catch { return false; } }, (alive) => !alive, 'old driver process gone', 10_000);
  });

  it('a swap whose config fails the driver schema in the child is refused; the running driver stays', async () => {
    const before = await state();
    const err = (await kernel.swap('csi', { package: pkg, config: { colour: 'blue' }, isolation: 'process' }).then(() => undefined, (e: unknown) => e)) as LbError;
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/swap of csi to .*upgradable-csi refused: config of driver "upgradable-csi" is invalid: drivers\.csi\.config\.colour: unknown field/);
    expect(await state()).toMatchObject({ version: '2.0.0', pid: before.pid, state: 'ready' });
  });
});

describe('lb server with Docker out of process', () => {
  let server: TestServer;
  let config: string;
  const ns = uniq('oop');

  beforeAll(async () => {
    const data = tempDir('lb-oop-server-');
    config = join(data, 'config.json');
    const remote = { package: '@lastbackend/driver-docker', isolation: 'process' };
    writeFileSync(config, JSON.stringify({ ...TEST_DEFAULTS, drivers: { ...TEST_DEFAULTS.drivers, cri: remote, cii: remote } }));
    server = await TestServer.start({ config });
    await server.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
  });
  afterAll(async () => server?.cleanup());

  it('kill -9 of the driver process: the API keeps serving, the driver comes back, pods keep running', async () => {
    await server.client.apply(ns, [webService('web', 1)]);
    await waitFor(() => server.pods(ns, 'web'), (p) => readyPods(p).length === 1, 'web ready');
    const [id] = server.containers({ 'io.lastbackend.namespace': ns });
    const startedAt = docker(['inspect', '-f', '{{.State.StartedAt}}', id]);
    const cri = (await server.client.drivers()).find((d) => d.kind === 'cri')!;
    expect(cri).toMatchObject({ isolation: 'process', state: 'ready', restarts: 0 });
    expect((await server.client.drivers()).find((d) => d.kind === 'cii')?.pid).toBe(cri.pid); // one process serves both

    process.kill(cri.pid!, 'SIGKILL');
    // The API answers all along (bounded loop: 20 reads).
    for (let i = 0; i < 20; i++) {
      await expect(server.client.pods(ns, 'web')).resolves.toHaveLength(1);
      await new Promise((r) => setTimeout(r, 50));
    }
    const back = await waitFor(() => server.client.drivers(), (ds) => ds.find((d) => d.kind === 'cri')?.restarts === 1 && ds.every((d) => d.state === 'ready'), 'driver process restarted', 30_000);
    expect(back.find((d) => d.kind === 'cri')!.pid).not.toBe(cri.pid);

    // The running container was not touched, and the platform drives Docker through the new process.
    expect(docker(['inspect', '-f', '{{.State.StartedAt}}', id])).toBe(startedAt);
    await server.client.scale(ns, 'web', 2);
    await waitFor(() => server.pods(ns, 'web'), (p) => readyPods(p).length === 2, 'scaled to 2 through the restarted driver');
    expect(server.containers({ 'io.lastbackend.namespace': ns })).toContain(id);
    expect(server.output()).toMatch(/exited with SIGKILL; restarting it/);
  });
});

describe('streams from an out-of-process driver', () => {
  /** A CRI driver whose logs never end; `produced` says how many lines it has made so far. */
  function writeChattyDriver(dir: string): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'chatty-cri', version: '1.0.0', main: 'index.js', lastbackend: { kind: ['cri'], api: '2' } }));
    writeFileSync(
      join(dir, 'index.js'),
      `const brand = Symbol.for('io.lastbackend.driver');
       let produced = 0;
       const impl = {
         capabilities: {},
         info: () => ({ name: 'chatty', version: '1.0.0', api: ['2'] }),
         probe: async () => ({ state: 'ready' }),
         dispose: async () => {},
         // a line per turn of the event loop, as a container that writes without pause
         logs: async function* () { for (;;) { await new Promise((r) => setImmediate(r)); produced++; yield { time: new Date().toISOString(), stream: 'stdout', line: 'line ' + produced }; } },
         produced: async () => produced,
       };
       module.exports = { default: { [brand]: true, name: 'chatty', version: '1.0.0', kinds: ['cri'], api: '2', create: () => ({ cri: impl }) } };`,
    );
  }

  it('a consumer slower than the driver holds the driver at most a window ahead; breaking out stops it', async () => {
    const dir = join(tempDir('lb-oop-chatty-'), 'chatty-cri');
    writeChattyDriver(dir);
    const { host } = await RemoteDriverHost.start({ init: { kind: 'cri', package: dir, sources: { modules: [], walkFrom: [], paths: {} }, config: {}, node: 'oop-test', stateRoot: tempDir('lb-oop-state-'), logLevel: 'warn' }, log });
    try {
      const produced = async () => (await host.call('cri', 'produced', [])) as number;
      const lines = host.stream('cri', 'logs', ['c1', { follow: true }])[Symbol.asyncIterator]();
      let taken = 0;
      const take = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const r = await lines.next();
          expect(r.value).toMatchObject({ line: `line ${++taken}` });
        }
      };
      await take(10);
      await new Promise((r) => setTimeout(r, 500)); // the consumer pauses; the driver could make thousands
      const ahead = (await produced()) - taken;
      expect(ahead).toBeGreaterThan(0);
      expect(ahead).toBeLessThanOrEqual(256);
      // Taking more lets it go on, still bounded by the window.
      await take(2000);
      await new Promise((r) => setTimeout(r, 300));
      expect((await produced()) - taken).toBeLessThanOrEqual(256);
      // Leaving the loop cancels the stream in the child: it makes no more lines.
      await lines.return?.(undefined);
      await new Promise((r) => setTimeout(r, 200));
      const after = await produced();
      await new Promise((r) => setTimeout(r, 300));
      expect(await produced()).toBe(after);
    } finally {
      await host.dispose();
    }
  }, 30_000);
});
