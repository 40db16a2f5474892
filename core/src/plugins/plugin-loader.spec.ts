// Capability plugins load by name from the config, through the same sources and manifest check as drivers,
// and a package that does not provide the capability asked for is refused naming the config key.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbError } from '@lastbackend/sdk';
import { DEFAULT_PLUGINS } from '../config/config';
import { kernelPackageSources } from '../kernel/driver-loader';
import { loadCapability } from './plugin-loader';

const work = mkdtempSync(join(tmpdir(), 'lb-plugin-loader-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const data = join(work, 'data');
const modules = join(data, 'drivers', 'node_modules');
const src = kernelPackageSources(data);

/** A plugin package as a third party writes it, without the SDK at hand: branded like definePlugin does. */
function writePlugin(name: string, body: string, lastbackend: unknown = { kind: ['plugin'], api: '1' }): void {
  const dir = join(modules, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js', lastbackend }));
  writeFileSync(join(dir, 'index.js'), `module.exports = { [Symbol.for('io.lastbackend.plugin')]: true, name: ${JSON.stringify(name)}, ${body} };`);
}

const failure = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return e instanceof LbError ? `${e.code}: ${e.message} Fix: ${e.details.fix ?? ''}` : `?: ${(e as Error).message}`;
  }
  return 'loaded';
};

describe('capability plugins', () => {
  it('loads the packages the default config names, by name', () => {
    for (const capability of ['discovery', 'ingress'] as const) {
      const loaded = loadCapability(capability, DEFAULT_PLUGINS[capability], src);
      expect(loaded.package).toBe(DEFAULT_PLUGINS[capability]);
      expect(typeof loaded.create).toBe('function');
    }
  });

  it("a third party's plugin from <data dir>/drivers provides its capability", () => {
    writePlugin('lb-ingress-nginx', 'ingress: (opts) => ({ start: async () => {}, apply: async () => ({ applied: [], rejected: [] }), stop: async () => {} })');
    const loaded = loadCapability('ingress', 'lb-ingress-nginx', src);
    expect(loaded.name).toBe('lb-ingress-nginx');
    expect(typeof loaded.create).toBe('function');
  });

  it('refuses a plugin without the capability, a package that is no plugin, and a missing one, naming the config key', () => {
    writePlugin('lb-hooks-only', 'apply() {}');
    expect(failure(() => loadCapability('discovery', 'lb-hooks-only', src))).toMatch(/^DRIVER_KIND_MISMATCH: plugin "lb-hooks-only" \(lb-hooks-only\) provides no discovery.*discovery\.plugin in the config/);
    writePlugin('lb-a-driver', 'apply() {}', { kind: ['csi'], api: '1' });
    expect(failure(() => loadCapability('ingress', 'lb-a-driver', src))).toMatch(/^DRIVER_KIND_MISMATCH: package "lb-a-driver" is a csi driver/);
    writePlugin('lb-no-manifest', 'ingress: () => ({})', null);
    expect(failure(() => loadCapability('ingress', 'lb-no-manifest', src))).toMatch(/^DRIVER_INVALID: package "lb-no-manifest" is not a Last.Backend ingress plugin: its package.json has no "lastbackend" field.*ingress\.plugin in the config/);
    expect(failure(() => loadCapability('ingress', 'lb-not-there', src))).toMatch(/^DRIVER_NOT_FOUND: ingress plugin package "lb-not-there" is not installed.*ingress\.plugin in the config/);
  });

  it('a hook plugin package still loads through the plugins list (one contract)', () => {
    writePlugin('lb-both', 'apply() {}, discovery: () => ({})');
    expect(loadCapability('discovery', 'lb-both', src).name).toBe('lb-both');
  });
});
