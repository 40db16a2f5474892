// An example package (examples/<name>) as its users get it: copied out of the repo (so tests that pack
// the same example at once do not share a directory), installed, packed with npm (prepack builds it), and
// the tarball installed into a prefix, e.g. a server's `<data dir>/drivers`.
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { basename, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

/** npm with the environment of a user's shell: no lifecycle variables of the `npx jest` that runs us. */
export function npm(args: string[], cwd: string): string {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^npm_(package_|lifecycle_|command$|config_(local_prefix|prefix|global_prefix|yes)$)/i.test(k)) delete env[k];
  delete env.NODE_ENV; // production would leave out typescript, which the build needs
  try {
    return execFileSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, env, encoding: 'utf8', stdio: 'pipe', timeout: 180_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** Packs examples/<name> inside `work`; returns the tarball's path. */
export function packExample(name: string, work: string): string {
  const src = join(ROOT, 'examples', name);
  const dir = join(work, `src-${name}`);
  cpSync(src, dir, { recursive: true, filter: (p) => !['node_modules', 'dist', 'package-lock.json'].includes(basename(p)) && !p.endsWith('.tgz') });
  // The example names the SDK by a path relative to the repo; the copy names the same directory absolutely.
  const pj = join(dir, 'package.json');
  writeFileSync(pj, readFileSync(pj, 'utf8').replace(/"file:\.\.\/\.\.\/sdk"/g, JSON.stringify(`file:${join(ROOT, 'sdk')}`)));
  npm(['install'], dir);
  const out = join(work, `tgz-${name}`);
  mkdirSync(out, { recursive: true });
  npm(['pack', '--pack-destination', out], dir);
  const tgz = readdirSync(out).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack of ${name} left no tarball in ${out}`);
  return join(out, tgz);
}

/** Installs a packed tarball into `prefix` (its node_modules), as `npm install --prefix` does for users. */
export function installTarball(tgz: string, prefix: string): void {
  mkdirSync(prefix, { recursive: true });
  npm(['install', '--prefix', prefix, tgz], prefix);
}
