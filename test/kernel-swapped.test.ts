// A swap made through the API is kept across restarts; if that driver cannot load any more (its package
// was removed), the node still starts, on the config file's driver, and the stale swap is forgotten.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../core/src/config/config';
import { Kernel } from '../core/src/kernel/kernel';
import { createLogger } from '../core/src/kernel/logger';

const log = createLogger(process.env.LB_TEST_VERBOSE ? 'debug' : 'silent');

describe('swaps made through the API, across restarts', () => {
  const data = mkdtempSync(join(tmpdir(), 'lb-kernel-swapped-'));
  // A small CSI driver package the test can remove (self-contained: branded like defineDriver does).
  const copy = join(data, 'removable-csi');
  const writeDriver = () => {
    mkdirSync(copy, { recursive: true });
    writeFileSync(join(copy, 'package.json'), JSON.stringify({ name: 'removable-csi', version: '1.0.0', main: 'index.js', lastbackend: { kind: ['csi'], api: '1' } }));
    writeFileSync(
      join(copy, 'index.js'),
      `const brand = Symbol.for('io.lastbackend.driver');
       const csi = { info: () => ({ name: 'removable', version: '1.0.0', api: ['1'] }), probe: async () => ({ state: 'ready' }), dispose: async () => {},
         create: async (v) => ({ ...v, path: '/v', capacity: 0 }), remove: async () => {}, list: async () => [], path: async () => '/v', putFiles: async () => '/f' };
       module.exports = { default: { [brand]: true, name: 'removable', version: '1.0.0', kinds: ['csi'], api: '1', create: () => ({ csi }) } };`,
    );
  };
  const swappedFile = join(data, 'drivers-state', 'swapped-drivers.json');
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  const kernel = () => {
    const cfg = loadConfig({ env: {}, flags: { dataDir: data, listen: '127.0.0.1:1', name: 'swapped-node' } });
    cfg.drivers = { csi: { package: '@lastbackend/driver-hostdir', config: {} } };
    return new Kernel(cfg, log);
  };
  const csi = async (k: Kernel) => (await k.states()).find((s) => s.kind === 'csi')!;

  it('keeps the swap, and falls back to the config file when the swapped driver is gone', async () => {
    writeDriver();
    const first = kernel();
    await first.start();
    await first.swap('csi', { package: copy });
    expect(JSON.parse(readFileSync(swappedFile, 'utf8'))).toEqual({ csi: { package: copy, config: {} } });
    await first.dispose();

    const second = kernel();
    await second.start();
    expect(await csi(second)).toMatchObject({ package: 'removable-csi', state: 'ready' });
    await second.dispose();
    expect(JSON.parse(readFileSync(swappedFile, 'utf8'))).toHaveProperty('csi.package', copy); // still the swap

    rmSync(copy, { recursive: true, force: true });
    const third = kernel();
    await third.start(); // would throw "not installed" if the stale swap kept the node down
    expect(await csi(third)).toMatchObject({ package: '@lastbackend/driver-hostdir', state: 'ready' });
    await third.dispose();
    expect(existsSync(swappedFile) ? JSON.parse(readFileSync(swappedFile, 'utf8')) : {}).toEqual({});
  });
});
