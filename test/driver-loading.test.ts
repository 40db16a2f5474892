// A driver package that is missing, of the wrong kind, built for another API, misconfigured or unable
// to work on this host stops `lb server` with a message that names it and the fix.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_OVERLAY, freePort, lb, removeHostOverlay } from './harness';

describe('driver loading', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-drivers-'));
    const pkg = (name: string, pj: object, index = 'module.exports = {};') => {
      const d = join(dir, 'node_modules', name);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js', ...pj }));
      writeFileSync(join(d, 'index.js'), index);
    };
    pkg('storage-only', { lastbackend: { kind: ['csi'], api: '2' } });
    pkg('future-runtime', { lastbackend: { kind: ['cri'], api: '3' } });
    pkg('left-pad-ish', {});
    // A hook plugin without the plugin manifest: its code must not run (it would leave a marker).
    pkg('unmarked-hook', {}, `require('fs').writeFileSync(${JSON.stringify(join(dir, 'hook-ran'))}, 'ran'); module.exports = { [Symbol.for('io.lastbackend.plugin')]: true, name: 'h', apply() {} };`);
    // A well-formed driver (branded like defineDriver does) whose probe says it cannot work here.
    pkg(
      'picky-runtime',
      { lastbackend: { kind: ['cri'], api: '2' } },
      `const brand = Symbol.for('io.lastbackend.driver');
       const impl = { info: () => ({ name: 'picky', version: '1.0.0', api: ['2'] }), probe: async () => ({ state: 'error', message: 'needs a frobnicator' }), dispose: async () => {} };
       module.exports = { default: { [brand]: true, name: 'picky', version: '1.0.0', kinds: ['cri'], api: '2', create: () => ({ cri: impl }) } };`,
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    removeHostOverlay(DEFAULT_OVERLAY); // a server that got as far as its network built the default overlay
  });

  async function startWith(drivers: object, name: string, more: object = {}) {
    const cfg = join(dir, `${name}.yaml`);
    writeFileSync(cfg, stringify({ drivers, ...more }));
    const data = join(dir, `data-${name}`);
    // The test's packages, as if installed into this data dir's drivers (where the kernel looks).
    mkdirSync(join(data, 'drivers'), { recursive: true });
    symlinkSync(join(dir, 'node_modules'), join(data, 'drivers', 'node_modules'), 'dir');
    return lb(['server', '--config', cfg, '--data-dir', data, '--listen', `127.0.0.1:${await freePort()}`, '--token', 'driver-test-token-123456', '--name', `drv-${name}`]);
  }

  const docker = { package: '@lastbackend/driver-docker', config: {} };

  it.each([
    ['missing package', { cri: { package: '@nope/driver-missing' }, cii: docker }, [/@nope\/driver-missing/, /not installed/, /npm install/]],
    ['wrong kind', { cri: { package: 'storage-only' }, cii: docker }, [/"storage-only" is a csi driver, not a cri driver/]],
    ['incompatible API', { cri: { package: 'future-runtime' }, cii: docker }, [/"future-runtime" is built for driver API 3; this kernel needs 2/]],
    ['not a driver', { cri: { package: 'left-pad-ish' }, cii: docker }, [/"left-pad-ish" is not a Last.Backend driver/]],
    ['invalid driver config', { cri: { package: '@lastbackend/driver-docker', config: { sockett: '/x' } }, cii: docker }, [/drivers\.cri\.config\.sockett: unknown field/, /driver-docker/]],
    ['failing probe', { cri: { package: 'picky-runtime' }, cii: docker }, [/cri driver "picky-runtime" cannot work on this host: needs a frobnicator/]],
    // Named explicitly without a fallback, IPVS on a kernel without ip_vs stops start-up: no silent fallback.
    ['ipvs without ipvs in the kernel and no fallback', { cri: docker, cii: docker, cpi: { package: '@lastbackend/driver-ipvs' } }, [/cpi driver "@lastbackend\/driver-ipvs" cannot work on this host: .*kernel has no ip_vs/]],
  ] as const)('refuses %s', async (_what, drivers, messages) => {
    const r = await startWith(drivers, _what.toLowerCase().replace(/ /g, '-'));
    expect(r.code).not.toBe(0);
    for (const m of messages) expect(r.stderr).toMatch(m);
  });

  it('refuses a hook plugin whose package.json does not say it is one, before running it', async () => {
    const r = await startWith({ cri: docker, cii: docker }, 'unmarked-hook', { plugins: ['unmarked-hook'] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/package "unmarked-hook" is not a Last.Backend hook plugin: its package.json has no "lastbackend" field/);
    expect(existsSync(join(dir, 'hook-ran'))).toBe(false);
  });

  it('refuses an invalid kernel config with the field', async () => {
    const r = await startWith({ cri: { package: 'x', colour: 'blue' } }, 'bad-kernel-config');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/drivers\.cri\.colour: unknown field/);
  });
});
