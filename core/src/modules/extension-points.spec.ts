// The extension points are injection tokens backed by the live driver registry: an object injected
// under CRI (or CII) before a hot swap reaches the new driver after it. The example in-memory driver
// (examples/driver-memory) loaded through the kernel from <data dir>/drivers, as a user installs one.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Inject, Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import type { ContainerRuntime, ContainerSpec, ImageService } from '@lastbackend/sdk';
import { KernelConfig } from '../config/config';
import { Kernel } from '../kernel/kernel';
import { createLogger } from '../kernel/logger';
import { CoreModule } from './core.module';
import { CII, CNI, CRI, liveDriver } from './extension-points';
import { startGraph } from './graph';
import { KernelModule } from './kernel.module';

const EXAMPLE = resolve(__dirname, '../../../examples/driver-memory');
const PKG = '@example/driver-memory';
const work = mkdtempSync(join(tmpdir(), 'lb-extension-points-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The example installed into <data dir>/drivers: its package.json, and an entry that runs its sources. */
function installExample(dataDir: string): void {
  const dir = join(dataDir, 'drivers', 'node_modules', ...PKG.split('/'));
  mkdirSync(dir, { recursive: true });
  const pj = JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pj, main: 'index.js' }));
  writeFileSync(join(dir, 'index.js'), `module.exports = require(${JSON.stringify(join(EXAMPLE, 'src', 'index.ts'))});\n`);
}

@Injectable()
class UsesDrivers {
  constructor(
    @Inject(CRI) readonly cri: ContainerRuntime,
    @Inject(CII) readonly cii: ImageService,
  ) {}
}

@Module({ providers: [UsesDrivers] })
class ConsumerModule {}

const spec = (name: string): ContainerSpec => ({ name, image: 'busybox:1', env: {}, labels: {}, network: { mode: 'default' }, resources: {}, mounts: [] });

describe('extension points', () => {
  let app: INestApplicationContext;
  let kernel: Kernel;

  beforeAll(async () => {
    const data = join(work, 'data');
    installExample(data);
    const memory = { package: PKG, config: { images: ['busybox:1'] } };
    const cfg = KernelConfig.parse({ data_dir: data, listen: '127.0.0.1:1', node: { name: 'ext' }, drivers: { cri: memory, cii: memory } });
    const log = createLogger('silent');
    app = await startGraph({ module: class Root {}, imports: [CoreModule.forRoot(cfg, log), KernelModule.forRoot({ drivers: true }), ConsumerModule] });
    kernel = app.get(Kernel);
  }, 60_000);
  afterAll(() => app?.close());

  it('an object injected under CRI/CII reaches the driver the kernel has active now, across a hot swap', async () => {
    const { cri, cii } = app.get(UsesDrivers);
    const before = kernel.driver('cri');
    await cri.create(spec('before-swap'));
    expect((await before.list({ all: true })).map((c) => c.name)).toEqual(['before-swap']);
    expect((await cri.list({ all: true })).map((c) => c.name)).toEqual(['before-swap']);

    // Another config of the same package: a new instance, with another image and none of the containers.
    await kernel.swapAll(['cri', 'cii'], { package: PKG, config: { images: ['alpine:3'] } });
    expect(kernel.driver('cri')).not.toBe(before);
    expect(app.get(UsesDrivers).cri).toBe(cri); // the same injected object…
    expect(await cri.list({ all: true })).toEqual([]); // …now reaches the new runtime
    expect((await cii.list()).flatMap((i) => i.tags).join(' ')).toContain('alpine');
    expect((await cii.list()).flatMap((i) => i.tags).join(' ')).not.toContain('busybox');
    // A method taken off the view follows swaps too.
    const list = cri.list;
    await kernel.driver('cri').create({ ...spec('after-swap'), image: 'alpine:3' });
    expect((await list({ all: true })).map((c) => c.name)).toEqual(['after-swap']);
  });

  it('a kind with no driver fails when used, naming the config key, not when injected', async () => {
    const cni = app.get(CNI, { strict: false }) as object;
    expect(cni).toBeDefined();
    expect(() => (cni as { info(): unknown }).info()).toThrow('no cni driver is configured');
    expect(() => liveDriver(kernel, 'csi').info()).toThrow('no csi driver is configured');
  });
});
