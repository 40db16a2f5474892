// The `lb` command's quick start (core/bin/lb.js). `npm run build` bundles the client side of the CLI —
// main.ts, every client command, commander and the SDK — into one file, dist/cli/lb.bundle.js
// (core/scripts/bundle-cli.js); this loads it compiled from V8's code cache, so that start-up reads one file
// and compiles next to nothing instead of resolving, reading and compiling ~25 modules. Node 20 has no
// compile cache of its own (module.enableCompileCache is Node 22).
// The bundle is not used, and dist/cli/main.js is, when: the command is one the bundle leaves out (the
// server, the agent, conformance, completion: see NOT_BUNDLED); the bundle is missing; or it is older than
// the last TypeScript build of core or the SDK (a `tsc -b` after `npm run build` must never run stale code).
// Deliberately small, and free of imports beyond node's own: it runs before anything else.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';

export type Main = (argv: readonly string[]) => Promise<number>;

export const BUNDLE = 'lb.bundle.js';

/**
 * Commands the bundle leaves to dist/: not the client's (they load the server, the agent, jest's expect), and
 * completion, which loads every command. Their modules, loaded from the bundle, would be second copies of
 * the CLI's own (another UsageError class): they always start from dist/cli/main.js.
 */
export const NOT_BUNDLED: ReadonlySet<string> = new Set(['server', 'agent', 'conformance', '__complete']);

/** Global flags that take a value (main.ts GLOBAL_OPTIONS): their value is not the command. */
const VALUED = new Set(['--context', '--server', '--token']);

/** The top-level command ARGS run, as main.ts commandNamed finds it (main.spec.ts checks they agree). */
export function firstCommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return args[i + 1];
    if (VALUED.has(a)) i++;
    else if (!a.startsWith('-')) return a === 'help' ? args[i + 1] : a;
  }
  return undefined;
}

/** Build stamps newer than the bundle mean it is stale: tsc -b rewrites them whenever it writes dist/. */
const STAMPS = ['../../tsconfig.tsbuildinfo', '../../../sdk/tsconfig.tsbuildinfo'];

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** A code cache per node version and V8 flags: V8 refuses a cache made under others, so each keeps its own. */
function cacheFile(dir: string): string {
  let h = 0x811c9dc5; // FNV-1a over the version and flags
  for (const ch of `${process.version} ${process.execArgv.join(' ')}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return join(dir, `lb.bundle.${h.toString(16)}.cache`);
}

/** Writes the code cache (what was compiled by now included); best effort: a read-only install just starts slower. */
function writeCache(script: Script, file: string): void {
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, file);
  } catch {
    // not ours to fail over
  }
}

/**
 * main() from the bundle in AT (dist/cli) for ARGS (the words after `lb`), or undefined when the bundle
 * must not or cannot serve them (then the caller loads dist/cli/main.js).
 */
export function bundledMain(at: string, args: readonly string[]): Main | undefined {
  const dir = resolve(at);
  const cmd = firstCommand(args);
  if (cmd !== undefined && NOT_BUNDLED.has(cmd)) return undefined;
  const file = join(dir, BUNDLE);
  const built = mtime(file);
  if (!built || STAMPS.some((s) => mtime(join(dir, s)) > built)) return undefined;
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const cache = cacheFile(dir);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cache);
  } catch {
    // made at the end of this run
  }
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  // Made (again) at exit, so that it holds the functions this run compiled, not just the top level.
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => writeCache(script, cache));
  const module = { exports: {} as { main?: Main } };
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dir);
  return module.exports.main;
}
