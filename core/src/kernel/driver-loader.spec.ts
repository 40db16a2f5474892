// Where driver and hook packages may come from, and that nothing of a package runs before its
// package.json says it is what was asked for. Real packages in temp dirs; their code writes a marker
// file when it runs, so "not run" is observed, not assumed.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKernelHooks, LbError } from '@lastbackend/sdk';
import { DriverGroupSwapRequest, DriverPackage, DriverSwapRequest, KernelConfig } from '../config/config';
import { kernelPackageSources, loadDriverPackage, loadHookPlugin, type PackageSources } from './driver-loader';

const work = mkdtempSync(join(tmpdir(), 'lb-loader-spec-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let seq = 0;
/** A package directory whose index.js writes `marker` when it runs (a csi driver or a hook plugin). */
function writePackage(dir: string, name: string, lastbackend: unknown, opts: { plugin?: boolean; main?: string } = {}): string {
  const marker = join(work, `ran-${++seq}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: opts.main ?? 'index.js', ...(lastbackend === undefined ? {} : { lastbackend }) }));
  const body = opts.plugin
    ? `module.exports = { [Symbol.for('io.lastbackend.plugin')]: true, name: ${JSON.stringify(name)}, apply(hooks) { hooks.podCreated.tap('t', () => {}); } };`
    : `const csi = { info: () => ({ name: 'x', version: '1.0.0', api: ['2'] }), probe: async () => ({ state: 'ready' }), dispose: async () => {} };
       module.exports = { default: { [Symbol.for('io.lastbackend.driver')]: true, name: 'x', version: '1.0.0', kinds: ['csi'], api: '2', create: () => ({ csi }) } };`;
  writeFileSync(join(dir, 'index.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n${body}`);
  return marker;
}

const CSI = { kind: ['csi'], api: '2' };
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return e instanceof LbError ? `${e.code}: ${e.message}` : `?: ${(e as Error).message}`;
  }
  return 'loaded';
};

describe('where packages come from', () => {
  const data = join(work, 'data');
  const modules = join(data, 'drivers', 'node_modules');
  const api = kernelPackageSources(data);

  it('finds a name in <data dir>/drivers and among the packages installed with lb', () => {
    writePackage(join(modules, '@acme', 'driver-a'), '@acme/driver-a', CSI);
    expect(loadDriverPackage('csi', '@acme/driver-a', api).dir).toBe(join(modules, '@acme', 'driver-a'));
    expect(loadDriverPackage('csi', '@lastbackend/driver-hostdir', api).name).toBe('@lastbackend/driver-hostdir');
  });

  it('never looks in the current directory, nor above <data dir>/drivers', () => {
    const cwd = join(work, 'cwd');
    const inCwd = writePackage(join(cwd, 'node_modules', '@evil', 'driver-x'), '@evil/driver-x', CSI);
    // The data dir's parents (e.g. a world-writable /tmp/node_modules) are not searched either.
    const above = writePackage(join(work, 'node_modules', '@evil', 'driver-y'), '@evil/driver-y', CSI);
    const was = process.cwd();
    process.chdir(cwd);
    try {
      expect(codeOf(() => loadDriverPackage('csi', '@evil/driver-x', api))).toMatch(/^DRIVER_NOT_FOUND: csi driver package "@evil\/driver-x" is not installed/);
      expect(codeOf(() => loadDriverPackage('csi', '@evil/driver-y', kernelPackageSources(data, { configFile: join(cwd, 'config.yaml') })))).toMatch(/^DRIVER_NOT_FOUND/);
    } finally {
      process.chdir(was);
    }
    expect(existsSync(inCwd)).toBe(false);
    expect(existsSync(above)).toBe(false);
  });

  it('refuses a path unless the config file named it', () => {
    const dir = join(work, 'by-path');
    const marker = writePackage(dir, 'by-path', CSI);
    for (const p of [dir, '../by-path', './by-path']) {
      const err = (() => {
        try {
          loadDriverPackage('csi', p, api);
        } catch (e) {
          return e as LbError;
        }
      })();
      expect(err).toBeInstanceOf(LbError);
      expect(err!.code).toBe('INVALID_ARGUMENT');
      expect(err!.details.fields).toEqual([{ field: 'package', reason: expect.stringMatching(/a path is not accepted through the API/) }]);
    }
    expect(existsSync(marker)).toBe(false);
    // The admin's config file: an absolute path, or one relative to the file (not to the cwd).
    const fromConfig = kernelPackageSources(data, { configFile: join(work, 'etc', 'config.yaml') });
    expect(loadDriverPackage('csi', dir, fromConfig).dir).toBe(dir);
    expect(loadDriverPackage('csi', '../by-path', fromConfig).dir).toBe(dir);
    expect(codeOf(() => loadDriverPackage('csi', './by-path', fromConfig))).toMatch(/^DRIVER_NOT_FOUND/);
    // A config built in code (no file): absolute paths only.
    expect(codeOf(() => loadDriverPackage('csi', '../by-path', kernelPackageSources(data, {})))).toMatch(/INVALID_ARGUMENT: .*relative path and there is no config file/);
  });

  it('refuses what is neither a package name nor a path', () => {
    for (const p of ['Upper/Case', 'a/b', '@scope', 'node_modules/../x', 'x y', '~/x'])
      expect(codeOf(() => loadDriverPackage('csi', p, kernelPackageSources(data, {})))).toMatch(/^INVALID_ARGUMENT: .*package: /);
  });
});

describe('nothing runs before the manifest says it is what was asked for', () => {
  const data = join(work, 'data-manifest');
  const src: PackageSources = kernelPackageSources(data);
  const at = (name: string) => join(data, 'drivers', 'node_modules', name);

  it.each([
    ['no manifest', undefined, /^DRIVER_INVALID: package "p1" is not a Last.Backend driver/],
    ['another kind', { kind: ['cri'], api: '2' }, /^DRIVER_KIND_MISMATCH: package "p2" is a cri driver, not a csi driver/],
    ['a hook plugin', { kind: ['plugin'], api: '1' }, /^DRIVER_KIND_MISMATCH: package "p3" is a plugin package, not a csi driver/],
    ['another API major', { kind: ['csi'], api: '1' }, /^DRIVER_API_MISMATCH: driver "p4" is built for driver API 1; this kernel needs 2/],
    ['a manifest of the wrong shape', { kind: ['csi'], api: { major: 1 } }, /^DRIVER_API_MISMATCH: driver "p5" is built for driver API \(none\)/],
  ])('%s: refused, its code never ran', (_what, manifest, why) => {
    const name = `p${1 + ['no manifest', 'another kind', 'a hook plugin', 'another API major', 'a manifest of the wrong shape'].indexOf(_what)}`;
    const marker = writePackage(at(name), name, manifest);
    expect(codeOf(() => loadDriverPackage('csi', name, src))).toMatch(why);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses an entry point outside the package', () => {
    writeFileSync(join(work, 'outside.js'), `require('fs').writeFileSync(${JSON.stringify(join(work, 'outside-ran'))}, 'ran');`);
    const marker = writePackage(at('escapes'), 'escapes', CSI, { main: '../../../../outside.js' });
    expect(codeOf(() => loadDriverPackage('csi', 'escapes', src))).toMatch(/^DRIVER_INVALID: driver "escapes" names an entry point outside its package/);
    expect(existsSync(join(work, 'outside-ran'))).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it('loads a driver whose manifest matches', () => {
    const marker = writePackage(at('good'), 'good', CSI);
    expect(loadDriverPackage('csi', 'good', src)).toMatchObject({ name: 'good', manifest: { kind: ['csi'], api: '2' } });
    expect(existsSync(marker)).toBe(true);
  });

  it('hook plugins: only with a "plugin" manifest, from the same places', () => {
    const none = writePackage(at('hook-none'), 'hook-none', undefined, { plugin: true });
    expect(codeOf(() => loadHookPlugin('hook-none', src))).toMatch(/^DRIVER_INVALID: package "hook-none" is not a Last.Backend hook plugin/);
    const driver = writePackage(at('hook-csi'), 'hook-csi', CSI, { plugin: true });
    expect(codeOf(() => loadHookPlugin('hook-csi', src))).toMatch(/^DRIVER_KIND_MISMATCH: package "hook-csi" is a csi driver, not a hook plugin/);
    expect(codeOf(() => loadHookPlugin('/abs/hook', src))).toMatch(/^INVALID_ARGUMENT/);
    expect(existsSync(none) || existsSync(driver)).toBe(false);

    const ok = writePackage(at('hook-ok'), 'hook-ok', { kind: ['plugin'], api: '1' }, { plugin: true });
    const plugin = loadHookPlugin('hook-ok', src);
    expect(existsSync(ok)).toBe(true);
    const hooks = createKernelHooks();
    plugin.apply(hooks);
    expect(hooks.podCreated.taps.map((t) => t.name)).toEqual(['t']);
  });
});

describe('package fields in the schemas', () => {
  const field = (schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } }, v: unknown) => {
    const r = schema.safeParse(v);
    return r.success ? 'ok' : r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  it('the API takes npm package names only', () => {
    for (const ok of ['@acme/driver-foo', 'driver-foo', 'a.b_c~d', '@lastbackend/driver-docker'])
      expect(field(DriverSwapRequest, { package: ok })).toBe('ok');
    for (const bad of ['/tmp/evil', '../../x', './x', '..', 'Evil', '@acme', '@acme/a/b', 'a b', '.hidden', '_x', 'x'.repeat(215)])
      expect(field(DriverSwapRequest, { package: bad })).toMatch(/^package: must be an npm package name .*a path is not accepted through the API/);
    expect(field(DriverGroupSwapRequest, { kinds: ['cri', 'cii'], package: '/tmp/x' })).toMatch(/^package: /);
  });

  it('the config file may give a path (drivers and plugins)', () => {
    for (const ok of ['@acme/driver-foo', '/opt/drivers/foo', './foo', '../foo']) expect(field(DriverPackage, { package: ok })).toBe('ok');
    expect(field(DriverPackage, { package: 'foo/../../bar' })).toMatch(/^package: must be an npm package name .*or a path/);
    const cfg = (plugins: string[]) => field(KernelConfig, { data_dir: '/d', listen: '127.0.0.1:1', node: { name: 'n' }, drivers: {}, plugins });
    expect(cfg(['@acme/plugin', './local-plugin'])).toBe('ok');
    expect(cfg(['C:evil'])).toMatch(/^plugins\.0: /);
  });
});
