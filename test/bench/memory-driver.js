// Shared by the benchmarks: examples/driver-memory (an in-memory CRI + CII) packed and installed into
// <data dir>/drivers, as a user installs a third-party driver. Not a test helper: plain JS, no jest.
'use strict';
const { execFileSync } = require('node:child_process');
const { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'driver-memory');
const PACKAGE = '@example/driver-memory';

/** npm as from a user's shell: without the lifecycle variables of the `npm run` that may have started us. */
function npm(args, cwd) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_(package_|lifecycle_|command$|config_(local_prefix|prefix|global_prefix|yes)$)/i.test(k)) delete env[k];
  delete env.NODE_ENV;
  try {
    execFileSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, env, stdio: 'pipe', timeout: 180_000 });
  } catch (e) {
    throw new Error(`npm ${args.join(' ')} in ${cwd}: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/**
 * Packs examples/driver-memory and installs it into DIR/drivers (DIR being the server's data dir).
 * Returns the config's `drivers` for it as CRI and CII, with no CNI or CPI: containers in memory have
 * no network namespace for a CNI to attach.
 * LB_BENCH_DRIVER_CACHE=DIR (set by test/bench-quick.test.ts for one test run): the first install's
 * drivers tree is kept in DIR and copied for the next benchmarks, instead of packing it again (~20 s).
 * @param {string} dir
 */
function installMemoryDriver(dir) {
  const driver = { package: PACKAGE };
  const drivers = { cri: driver, cii: driver, cni: 'none', cpi: 'none' };
  const cache = process.env.LB_BENCH_DRIVER_CACHE ? join(process.env.LB_BENCH_DRIVER_CACHE, 'drivers') : undefined;
  if (cache && existsSync(cache)) {
    cpSync(cache, join(dir, 'drivers'), { recursive: true, verbatimSymlinks: true });
    return drivers;
  }
  // Packed from a copy, so a test packing the example at the same time is not disturbed (nor disturbs us).
  const pkgDir = join(dir, 'driver-memory');
  cpSync(EXAMPLE, pkgDir, { recursive: true, filter: (src) => !/[/\\](node_modules|dist)$|\.tgz$/.test(src) });
  const pj = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  pj.dependencies['@lastbackend/sdk'] = `file:${join(ROOT, 'sdk')}`;
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(pj, null, 2));
  npm(['install'], pkgDir);
  npm(['pack', '--pack-destination', dir], pkgDir);
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  npm(['install', '--prefix', join(dir, 'drivers'), join(dir, tgz)], dir);
  if (cache) cpSync(join(dir, 'drivers'), cache, { recursive: true, verbatimSymlinks: true });
  return drivers;
}

module.exports = { PACKAGE, installMemoryDriver };
