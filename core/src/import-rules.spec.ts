// The layering, checked on the source: core imports no concrete driver or plugin (it loads them by the
// package name the config gives), and drivers and plugins import only the SDK, node's built-ins and their
// own declared dependencies, never core nor each other. Tests are left out: a test may drive a real driver.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** Every .ts source below `dir` that is not a test (no *.spec.ts, *.test.ts, test/ or dist/). */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      if (!['node_modules', 'dist', 'test', '__tests__'].includes(e)) out.push(...sources(p));
    } else if (e.endsWith('.ts') && !e.endsWith('.d.ts') && !/\.(spec|test)\.ts$/.test(e)) out.push(p);
  }
  return out;
}

interface Import {
  spec: string;
  /** `import type` / `export type`: erased from the compiled code. */
  typeOnly: boolean;
}

/** The modules a file imports: import/export … from, import 'x', import(), require(). */
export function importsOf(text: string): Import[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: Import[] = [];
  for (const m of code.matchAll(/\b(import|export)\s+(type\s)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g)) out.push({ spec: m[3], typeOnly: !!m[2] });
  for (const re of [/\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g]) for (const m of code.matchAll(re)) out.push({ spec: m[1], typeOnly: false });
  return out;
}

/** "@scope/name/sub" → "@scope/name"; "name/sub" → "name". */
const packageOf = (spec: string): string => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const isBuiltin = (spec: string): boolean => spec.startsWith('node:') || builtinModules.includes(packageOf(spec));
const CONCRETE = /^(@lastbackend\/(driver|plugin)-|@example\/)/;

interface Pkg {
  dir: string;
  name: string;
  deps: Set<string>;
}

function readPkg(dir: string): Pkg {
  const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
  return { dir, name: pj.name, deps: new Set(Object.keys({ ...pj.dependencies, ...pj.peerDependencies, ...pj.optionalDependencies })) };
}

/** Driver and plugin packages: drivers/*, plugins/*, and the examples a third party would write. */
function extensionPackages(): Pkg[] {
  const out: Pkg[] = [];
  for (const group of ['drivers', 'plugins', 'examples']) {
    const base = join(ROOT, group);
    if (!existsSync(base)) continue;
    for (const e of readdirSync(base)) if (existsSync(join(base, e, 'package.json'))) out.push(readPkg(join(base, e)));
  }
  return out;
}

/** What a core source may not import, or undefined when the import is fine. */
export function coreViolation(file: string, spec: string): string | undefined {
  if (CONCRETE.test(spec)) return `imports the concrete package ${spec}: load it by name from the config instead`;
  if (spec.startsWith('.')) {
    const target = relative(ROOT, resolve(file, '..', spec)).split(sep)[0];
    if (target !== 'core') return `imports ${spec}, outside core (${target}/)`;
  }
  return undefined;
}

/**
 * What a driver or plugin source may not import: anything but itself, built-ins, the SDK and its own
 * dependencies (types only may come from a dependency's dependency: they are gone at run time).
 */
export function extensionViolation(pkg: Pkg, file: string, spec: string, typeOnly = false): string | undefined {
  if (spec.startsWith('.')) {
    const rel = relative(pkg.dir, resolve(file, '..', spec));
    return rel.startsWith('..') ? `imports ${spec}, outside its package` : undefined;
  }
  if (isBuiltin(spec)) return undefined;
  const name = packageOf(spec);
  if (name === '@lastbackend/sdk') return undefined;
  if (name === '@lastbackend/core') return 'imports core: drivers and plugins know only the SDK';
  if (CONCRETE.test(name) && name !== pkg.name) return `imports another driver or plugin (${name})`;
  if (!pkg.deps.has(name) && name !== pkg.name && !typeOnly) return `imports ${name}, which is not among its dependencies`;
  return undefined;
}

describe('import rules', () => {
  it('finds every kind of import', () => {
    const text = `import a from 'x'; import type { B } from "@s/y/sub"; export * from './z';\nimport 'side';\nconst c = require('r'); void import('d');\n// import e from 'commented'\nimport {\n  f,\n} from 'multi';`;
    expect(importsOf(text).map((i) => `${i.spec}${i.typeOnly ? ' (type)' : ''}`).sort()).toEqual(['./z', '@s/y/sub (type)', 'd', 'multi', 'r', 'side', 'x']);
  });

  it('core imports no concrete driver or plugin, nor a driver or plugin directory', () => {
    const problems: string[] = [];
    for (const file of sources(join(ROOT, 'core', 'src')))
      for (const { spec } of importsOf(readFileSync(file, 'utf8'))) {
        const why = coreViolation(file, spec);
        if (why) problems.push(`${relative(ROOT, file)} ${why}`);
      }
    expect(problems).toEqual([]);
  });

  it('drivers and plugins import only the SDK and their own dependencies, never core', () => {
    const packages = extensionPackages();
    expect(packages.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const pkg of packages)
      for (const file of sources(join(pkg.dir, 'src')))
        for (const { spec, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
          const why = extensionViolation(pkg, file, spec, typeOnly);
          if (why) problems.push(`${relative(ROOT, file)} ${why}`);
        }
    expect(problems).toEqual([]);
  });

  it('the rules catch what they forbid', () => {
    const core = join(ROOT, 'core', 'src', 'agent', 'x.ts');
    expect(coreViolation(core, '@lastbackend/plugin-discovery')).toMatch(/concrete package/);
    expect(coreViolation(core, '@lastbackend/driver-docker/dist/cri')).toMatch(/concrete package/);
    expect(coreViolation(core, '../../../drivers/docker/src')).toMatch(/outside core \(drivers\/\)/);
    expect(coreViolation(core, '@lastbackend/sdk')).toBeUndefined();
    const pkg: Pkg = { dir: join(ROOT, 'drivers', 'x'), name: '@lastbackend/driver-x', deps: new Set(['@lastbackend/sdk', 'zod']) };
    const file = join(pkg.dir, 'src', 'index.ts');
    expect(extensionViolation(pkg, file, '@lastbackend/core')).toMatch(/imports core/);
    expect(extensionViolation(pkg, file, '../../../core/src/kernel/kernel')).toMatch(/outside its package/);
    expect(extensionViolation(pkg, file, '@lastbackend/driver-hostdir')).toMatch(/another driver or plugin/);
    expect(extensionViolation(pkg, file, 'left-pad')).toMatch(/not among its dependencies/);
    expect(extensionViolation(pkg, file, 'left-pad', true)).toBeUndefined();
    expect(extensionViolation(pkg, file, '@lastbackend/core', true)).toMatch(/imports core/);
    for (const ok of ['@lastbackend/sdk/testing', 'zod', 'node:fs', 'path', './cri']) expect(extensionViolation(pkg, file, ok)).toBeUndefined();
  });
});
