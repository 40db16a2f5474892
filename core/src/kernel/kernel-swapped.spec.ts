// A swap made through the API is kept across restarts; if that driver cannot load any more (its package
// was removed), the node still starts, on the config file's driver, and the stale swap is forgotten.
// No Docker: a unit spec (it was an integration test, and asserts what it did).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/config';
import { Kernel } from './kernel';
import { LbError } from '@lastbackend/sdk';
import { createLogger } from './logger';

const log = createLogger(process.env.LB_TEST_VERBOSE ? 'debug' : 'silent');

describe('swaps made through the API, across restarts', () => {
  const data = mkdtempSync(join(tmpdir(), 'lb-kernel-swapped-'));
  // A small CSI driver package the test can remove (self-contained: branded like defineDriver does),
  // installed into the data dir's drivers: a swap through the API names a package, never a path.
  const copy = join(data, 'drivers', 'node_modules', 'removable-csi');
  const writeDriver = () => {
    mkdirSync(copy, { recursive: true });
    writeFileSync(join(copy, 'package.json'), JSON.stringify({ name: 'removable-csi', version: '1.0.0', main: 'index.js', lastbackend: { kind: ['csi'], api: '2' } }));
    writeFileSync(
      join(copy, 'index.js'),
      `const brand = Symbol.for('io.lastbackend.driver');
       const csi = { info: () => ({ name: 'removable', version: '1.0.0', api: ['2'] }), probe: async () => ({ state: 'ready' }), dispose: async () => {},
         create: async (v) => ({ ...v, path: '/v', capacity: 0 }), remove: async () => {}, list: async () => [], path: async () => '/v', putFiles: async () => '/f' };
       module.exports = { default: { [brand]: true, name: 'removable', version: '1.0.0', kinds: ['csi'], api: '2', create: () => ({ csi }) } };`,
    );
  };
  // The swaps made through the API, as the kernel's journal records them.
  const journalFile = join(data, 'drivers-state', 'driver-journal.json');
  const swappedRecord = (): unknown => (existsSync(journalFile) ? (JSON.parse(readFileSync(journalFile, 'utf8')) as { swapped?: unknown }).swapped ?? {} : {});
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
    await first.swap('csi', { package: 'removable-csi' });
    expect(swappedRecord()).toEqual({ csi: { package: 'removable-csi', config: {} } });
    await first.dispose();

    const second = kernel();
    await second.start();
    expect(await csi(second)).toMatchObject({ package: 'removable-csi', state: 'ready' });
    await second.dispose();
    expect(swappedRecord()).toHaveProperty('csi.package', 'removable-csi'); // still the swap

    rmSync(copy, { recursive: true, force: true });
    const third = kernel();
    await third.start(); // would throw "not installed" if the stale swap kept the node down
    expect(await csi(third)).toMatchObject({ package: '@lastbackend/driver-hostdir', state: 'ready' });
    await third.dispose();
    expect(swappedRecord()).toEqual({});
  });

  it('takes package names only through the API, and a path in the record of swaps is not loaded', async () => {
    const evil = join(data, 'evil-csi');
    const marker = join(data, 'evil-ran');
    mkdirSync(evil, { recursive: true });
    writeFileSync(join(evil, 'package.json'), JSON.stringify({ name: 'evil-csi', version: '1.0.0', main: 'index.js', lastbackend: { kind: ['csi'], api: '2' } }));
    writeFileSync(join(evil, 'index.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');`);
    const k = kernel();
    await k.start();
    try {
      for (const p of [evil, '../evil-csi']) {
        const err = (await k.swap('csi', { package: p }).then(() => undefined, (e: unknown) => e)) as LbError;
        expect(err).toBeInstanceOf(LbError);
        expect(err.code).toBe('INVALID_ARGUMENT');
        expect(err.details.fields).toEqual([{ field: 'package', reason: expect.stringMatching(/a path is not accepted through the API/) }]);
      }
    } finally {
      await k.dispose();
    }
    // A record of swaps that names a path (only a hand edit could) is refused as a whole at start.
    writeFileSync(journalFile, JSON.stringify({ swapped: { csi: { package: evil, config: {} } } }));
    const next = kernel();
    await next.start();
    expect(await csi(next)).toMatchObject({ package: '@lastbackend/driver-hostdir' });
    await next.dispose();
    expect(existsSync(marker)).toBe(false);
  });
});
