// The kernel without Docker: real driver packages on disk (examples/driver-memory under several package names,
// a table-keeping CPI), loaded by name from <data dir>/drivers like any installed driver. Covers loading,
// fallback, the all-or-none group swap, the journal across restarts (and the files it replaced), the per-kind
// handover rules, and the refusal of a driver built for another driver API.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DRIVER_API_VERSION, LABEL_NODE, LbError, type ContainerSpec, type ProxyDriver, type VirtualService } from '@lastbackend/sdk';
import { loadConfig, type KernelConfig } from '../config/config';
import { watchDriverConfig } from './config-watch';
import { Kernel } from './kernel';
import type { Logger } from './logger';

const MEMORY_SRC = resolve(__dirname, '../../../examples/driver-memory/src/index.ts');
const MEMORY_PJ = JSON.parse(readFileSync(resolve(MEMORY_SRC, '../../package.json'), 'utf8')) as { name: string; version: string };

const work = mkdtempSync(join(tmpdir(), 'lb-kernel-spec-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;

let seq = 0;
/** A fresh data dir with the driver packages installed in <data dir>/drivers/node_modules. */
function dataDir(): string {
  const data = join(work, `data-${++seq}`);
  const modules = join(data, 'drivers', 'node_modules');
  const memory = (name: string, opts: { api?: string; codeApi?: string; probe?: string; version?: string } = {}) => {
    const dir = join(modules, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name, version: opts.version ?? MEMORY_PJ.version, main: 'index.js', lastbackend: { kind: ['cri', 'cii'], api: opts.api ?? DRIVER_API_VERSION } }),
    );
    // The example's own code; variants change what its definition says or what its probe answers.
    writeFileSync(
      join(dir, 'index.js'),
      `const real = require(${JSON.stringify(MEMORY_SRC)}).default;
       const probe = ${JSON.stringify(opts.probe ?? null)};
       module.exports = { default: { ...real, ${opts.codeApi ? `api: ${JSON.stringify(opts.codeApi)},` : ''}
         create: async (ctx) => {
           const made = await real.create(ctx);
           if (probe) for (const d of [made.cri, made.cii]) d.probe = async () => ({ state: 'error', message: probe, fix: 'give it memory' });
           return made;
         } } };`,
    );
  };
  memory(MEMORY_PJ.name);
  memory('memory-b');
  memory('memory-c');
  memory('memory-broken', { probe: 'no memory on this host' });
  memory('memory-api1', { api: '1' });
  memory('memory-liar', { codeApi: '1' });
  // A CPI that keeps its table where the test sees it, by package name.
  for (const name of ['table-a', 'table-b']) {
    const dir = join(modules, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js', lastbackend: { kind: ['cpi'], api: DRIVER_API_VERSION } }));
    writeFileSync(
      join(dir, 'index.js'),
      `const tables = (globalThis.__kernelSpecTables ??= {});
       module.exports = { default: { [Symbol.for('io.lastbackend.driver')]: true, api: ${JSON.stringify(DRIVER_API_VERSION)}, create: (ctx) => ({ cpi: {
         info: () => ctx.info, probe: async () => ({ state: 'ready' }), dispose: async () => {},
         setTable: async (t) => { tables[${JSON.stringify(name)}] = t; }, list: async () => tables[${JSON.stringify(name)}] ?? [],
       } }) } };`,
    );
  }
  return data;
}

const tables = (): Record<string, VirtualService[]> => ((globalThis as { __kernelSpecTables?: Record<string, VirtualService[]> }).__kernelSpecTables ??= {});

const memoryRef = (pkg = MEMORY_PJ.name) => ({ package: pkg, config: {} });

function configFor(data: string, drivers: KernelConfig['drivers']): KernelConfig {
  const cfg = loadConfig({ env: {}, flags: { dataDir: data, listen: '127.0.0.1:1', name: 'spec-node' } });
  cfg.drivers = drivers;
  cfg.plugins = [];
  return cfg;
}

const kernels: Kernel[] = [];
async function started(data: string, drivers: KernelConfig['drivers'] = { cri: memoryRef(), cii: memoryRef() }): Promise<Kernel> {
  const k = new Kernel(configFor(data, drivers), quiet);
  kernels.push(k);
  await k.start();
  return k;
}
afterEach(async () => {
  for (const k of kernels.splice(0)) await k.dispose();
});

const stateOf = async (k: Kernel, kind: string) => (await k.states()).filter((s) => s.kind === kind && s.state !== 'retired');
const refusal = (p: Promise<unknown>): Promise<LbError> =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e as LbError,
  );

const spec = (name: string): ContainerSpec => ({
  name,
  image: 'busybox:latest',
  command: ['sleep', '3600'],
  env: {},
  labels: { [LABEL_NODE]: 'spec-node' },
  network: { mode: 'default' },
  resources: {},
  mounts: [],
});

describe('loading', () => {
  it('loads a driver by package name; its identity is its package.json', async () => {
    const k = await started(dataDir());
    expect(await k.states()).toEqual([
      expect.objectContaining({ kind: 'cri', package: MEMORY_PJ.name, version: MEMORY_PJ.version, state: 'ready', isolation: 'in-process' }),
      expect.objectContaining({ kind: 'cii', package: MEMORY_PJ.name, version: MEMORY_PJ.version, state: 'ready', isolation: 'in-process' }),
    ]);
    // The driver got it from the kernel (ctx.info): nothing repeated in its code.
    expect(k.driver('cri').info()).toEqual({ name: 'memory', version: MEMORY_PJ.version, api: [DRIVER_API_VERSION] });
  });

  it('one package serves the kinds it is named for from one instance (cri and cii share the image store)', async () => {
    const k = await started(dataDir());
    await k.driver('cii').pull('busybox:latest');
    await expect(k.driver('cri').create(spec('shared-store'))).resolves.toMatchObject({ name: 'shared-store' });
  });

  it('refuses a driver whose probe fails, with the fix the driver gives', async () => {
    const err = await refusal(started(dataDir(), { cri: memoryRef('memory-broken'), cii: memoryRef() }));
    expect(err.code).toBe('DRIVER_PROBE_FAILED');
    expect(err.message).toMatch(/cri driver "memory-broken" cannot work on this host: no memory on this host/);
    expect(err.details.fix).toBe('give it memory');
  });

  it('falls back when the host cannot run the driver, and says why', async () => {
    const k = await started(dataDir(), { cri: { ...memoryRef('memory-broken'), fallback: memoryRef('memory-b') }, cii: memoryRef() });
    expect(await stateOf(k, 'cri')).toEqual([expect.objectContaining({ package: 'memory-b', state: 'ready', message: 'fallback for memory-broken: no memory on this host' })]);
  });

  it('never writes into the config it was given', async () => {
    const data = dataDir();
    const cfg = configFor(data, { cri: memoryRef(), cii: memoryRef() });
    const before = JSON.stringify(cfg.drivers);
    const k = new Kernel(cfg, quiet);
    kernels.push(k);
    await k.start();
    await k.swapAll(['cri', 'cii'], { package: 'memory-b' });
    expect(JSON.stringify(cfg.drivers)).toBe(before);
  });
});

describe('driver API version', () => {
  it('refuses a package built for an older driver API, naming both versions and the fix', async () => {
    const err = await refusal(started(dataDir(), { cri: memoryRef('memory-api1'), cii: memoryRef() }));
    expect(err.code).toBe('DRIVER_API_MISMATCH');
    expect(err.message).toMatch(new RegExp(`driver "memory-api1" is built for driver API 1; this kernel needs ${DRIVER_API_VERSION}`));
    expect(err.details.fix).toMatch(/rebuild it against @lastbackend\/sdk/);
  });

  it('refuses code built with an older SDK even when its package.json claims the current API', async () => {
    const err = await refusal(started(dataDir(), { cri: memoryRef('memory-liar'), cii: memoryRef() }));
    expect(err.code).toBe('DRIVER_API_MISMATCH');
    expect(err.message).toMatch(/is built for driver API 1; this kernel needs 2 \(its code/);
  });

  it('refuses it on a swap too, and the running driver stays', async () => {
    const k = await started(dataDir());
    const err = await refusal(k.swap('cri', { package: 'memory-api1' }));
    expect(err.message).toMatch(/swap of cri to memory-api1 refused: .*built for driver API 1.*; @example\/driver-memory stays/);
    expect(await stateOf(k, 'cri')).toEqual([expect.objectContaining({ package: MEMORY_PJ.name })]);
  });
});

describe('group swap', () => {
  it('swaps several kinds together', async () => {
    const k = await started(dataDir());
    const states = await k.swapAll(['cri', 'cii'], { package: 'memory-b' });
    expect(states.map((s) => [s.kind, s.package])).toEqual([
      ['cri', 'memory-b'],
      ['cii', 'memory-b'],
    ]);
  });

  it('is all or none: one refusal leaves every kind as it was, and nothing is recorded', async () => {
    const data = dataDir();
    const k = await started(data);
    const err = await refusal(
      k.swapGroup(
        [
          { kind: 'cri', ref: memoryRef('memory-c') },
          { kind: 'cii', ref: memoryRef('memory-broken') },
        ],
        'config',
      ),
    );
    expect(err.message).toMatch(/swap of cii to memory-broken refused: .*no memory on this host/);
    expect((await k.states()).map((s) => s.package)).toEqual([MEMORY_PJ.name, MEMORY_PJ.name]);
    expect(existsSync(join(data, 'drivers-state', 'driver-journal.json'))).toBe(false);
  });

  it('honours a fallback, as the config file gives it', async () => {
    const k = await started(dataDir());
    await k.swapGroup([{ kind: 'cri', ref: { ...memoryRef('memory-broken'), fallback: memoryRef('memory-c') } }], 'config');
    expect(await stateOf(k, 'cri')).toEqual([expect.objectContaining({ package: 'memory-c', message: 'fallback for memory-broken: no memory on this host' })]);
  });

  it('takes package names only through the API', async () => {
    const k = await started(dataDir());
    const err = await refusal(k.swap('cri', { package: '/tmp/some/path' }));
    expect(err.code).toBe('INVALID_ARGUMENT');
  });
});

describe('journal', () => {
  const journalOf = (data: string) => JSON.parse(readFileSync(join(data, 'drivers-state', 'driver-journal.json'), 'utf8')) as { swapped: Record<string, unknown>; retired: unknown[] };

  it('an API swap survives a restart; a config swap of that kind ends it', async () => {
    const data = dataDir();
    const first = await started(data);
    await first.swap('cii', { package: 'memory-b' });
    expect(journalOf(data).swapped).toEqual({ cii: { package: 'memory-b', config: {} } });
    await first.dispose();

    const second = await started(data);
    expect(await stateOf(second, 'cii')).toEqual([expect.objectContaining({ package: 'memory-b' })]);
    await second.swap('cii', memoryRef('memory-c'), 'config');
    expect(journalOf(data).swapped).toEqual({});
  });

  it('a swapped driver that cannot load any more gives way to the config file, and is forgotten', async () => {
    const data = dataDir();
    const first = await started(data);
    await first.swap('cii', { package: 'memory-b' });
    await first.dispose();
    rmSync(join(data, 'drivers', 'node_modules', 'memory-b'), { recursive: true });
    const second = await started(data);
    expect(await stateOf(second, 'cii')).toEqual([expect.objectContaining({ package: MEMORY_PJ.name })]);
    expect(journalOf(data).swapped).toEqual({});
  });

  it('reads the files of older releases once, then keeps everything in one journal', async () => {
    const data = dataDir();
    const state = join(data, 'drivers-state');
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, 'swapped-drivers.json'), JSON.stringify({ cri: { package: 'memory-c', config: {} } }));
    writeFileSync(join(state, 'retired-runtimes.json'), JSON.stringify([]));
    const k = await started(data);
    expect(await stateOf(k, 'cri')).toEqual([expect.objectContaining({ package: 'memory-c' })]);
    expect(existsSync(join(state, 'swapped-drivers.json'))).toBe(false);
    expect(existsSync(join(state, 'retired-runtimes.json'))).toBe(false);
    expect(journalOf(data).swapped).toEqual({ cri: { package: 'memory-c', config: {} } });
  });

  it('a torn journal is ignored: the config file applies', async () => {
    const data = dataDir();
    mkdirSync(join(data, 'drivers-state'), { recursive: true });
    writeFileSync(join(data, 'drivers-state', 'driver-journal.json'), '{"swapped": {"cri": {"pack');
    const k = await started(data);
    expect(await stateOf(k, 'cri')).toEqual([expect.objectContaining({ package: MEMORY_PJ.name })]);
  });
});

describe('handover rules', () => {
  it('cri: a runtime of another package that holds containers is retired, serves them, and goes when they do', async () => {
    const data = dataDir();
    const k = await started(data);
    await k.driver('cii').pull('busybox:latest');
    await k.driver('cri').create(spec('before-swap'));
    await k.swap('cri', { package: 'memory-b' });
    expect(await k.states()).toContainEqual(expect.objectContaining({ kind: 'cri', package: MEMORY_PJ.name, state: 'retired', message: 'runs 1 container(s) of pods created before the swap' }));
    expect(JSON.parse(readFileSync(join(data, 'drivers-state', 'driver-journal.json'), 'utf8')).retired).toEqual([{ package: MEMORY_PJ.name, config: {} }]);
    // The platform's one CRI still finds the container on the retired runtime.
    await expect(k.driver('cri').inspect('before-swap')).resolves.toMatchObject({ name: 'before-swap' });
    await k.driver('cri').remove('before-swap');
    await k.pruneRetired();
    expect((await k.states()).filter((s) => s.state === 'retired')).toEqual([]);
  });

  it('cri: a runtime without containers is simply replaced', async () => {
    const k = await started(dataDir());
    await k.swap('cri', { package: 'memory-b' });
    expect((await k.states()).filter((s) => s.state === 'retired')).toEqual([]);
  });

  it('cpi: another package clears the old table once the new one serves; the same package and config keeps it', async () => {
    const k = await started(dataDir(), { cpi: { package: 'table-a', config: {} } });
    const table: VirtualService[] = [{ ip: '10.96.0.1', port: 80, protocol: 'tcp', backends: [] }];
    k.onSwap('cpi', async (d) => (d as ProxyDriver).setTable(table));
    await (k.driver('cpi') as ProxyDriver).setTable(table);
    await k.swap('cpi', { package: 'table-a' });
    expect(tables()['table-a']).toEqual(table); // a reload: the same table, nothing cleared
    await k.swap('cpi', { package: 'table-b' });
    expect(tables()['table-b']).toEqual(table);
    expect(tables()['table-a']).toEqual([]);
  });

  it('rules are registered per kind', async () => {
    const k = await started(dataDir());
    const seen: string[] = [];
    k.handover.register('cii', async ({ old, next }) => {
      seen.push(`${old?.identity.package} -> ${next.identity.package}`);
      return 'dispose';
    });
    await k.swap('cii', { package: 'memory-b' });
    expect(seen).toEqual([`${MEMORY_PJ.name} -> memory-b`]);
  });
});

describe('swaps from the config file', () => {
  const until = async (what: string, ok: () => Promise<boolean>, ms = 10_000): Promise<void> => {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (await ok()) return;
    throw new Error(`timed out waiting for ${what}`);
  };

  it('go through the group swap: all or none, each kind with its fallback', async () => {
    const data = dataDir();
    const file = join(data, 'config.json');
    const write = (drivers: Record<string, unknown>) => writeFileSync(file, JSON.stringify({ drivers }));
    write({ cri: memoryRef(), cii: memoryRef() });
    const cfg = loadConfig({ env: {}, file, flags: { dataDir: data, listen: '127.0.0.1:1', name: 'spec-node' } });
    cfg.drivers = { cri: memoryRef(), cii: memoryRef() };
    cfg.plugins = [];
    const k = new Kernel(cfg, quiet);
    kernels.push(k);
    await k.start();
    const errors: string[] = [];
    const stop = watchDriverConfig(cfg, k, { ...quiet, error: (m: string) => void errors.push(m) } as unknown as Logger);
    try {
      // cri could swap, cii cannot: neither does.
      write({ cri: memoryRef('memory-c'), cii: memoryRef('memory-broken') });
      await until('the refusal', async () => errors.length > 0);
      expect(errors[0]).toMatch(/changed drivers\.cri,cii; none was swapped: swap of cii to memory-broken refused/);
      expect((await k.states()).map((s) => s.package)).toEqual([MEMORY_PJ.name, MEMORY_PJ.name]);
      // With a fallback for cii, both go.
      write({ cri: memoryRef('memory-c'), cii: { ...memoryRef('memory-broken'), fallback: memoryRef('memory-c') } });
      await until('the swap', async () => (await k.states()).every((s) => s.package === 'memory-c'));
      expect(await stateOf(k, 'cii')).toEqual([expect.objectContaining({ message: 'fallback for memory-broken: no memory on this host' })]);
    } finally {
      await stop();
    }
  });
});

