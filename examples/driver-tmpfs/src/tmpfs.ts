// The tmpfs under the volumes: found in /proc/self/mounts, mounted with mount(8) when missing.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, realpath } from 'node:fs/promises';
import { LbError } from '@lastbackend/sdk';

const MOUNTS = '/proc/self/mounts';

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  options: string[];
}

/** /proc/self/mounts escapes space, tab, newline and backslash as \ooo. */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export async function readMounts(file = MOUNTS): Promise<MountEntry[]> {
  const text = await readFile(file, 'utf8');
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4) continue;
    out.push({ source: unescape(f[0]), target: unescape(f[1]), fstype: f[2], options: f[3].split(',') });
  }
  return out;
}

/** The mount at exactly `dir` (the top one when several are stacked), or undefined. */
export async function mountAt(dir: string): Promise<MountEntry | undefined> {
  const real = await realpath(dir).catch(() => dir);
  const all = await readMounts();
  for (let i = all.length - 1; i >= 0; i--) if (all[i].target === real) return all[i];
  return undefined;
}

/** Whether a tmpfs is mounted at exactly `dir` (not merely somewhere above it). */
export async function isTmpfs(dir: string): Promise<boolean> {
  return (await mountAt(dir))?.fstype === 'tmpfs';
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 15_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

/**
 * Makes `root` a tmpfs of `size` bytes: creates the directory (0700) when missing and mounts
 * `mount -t tmpfs -o size=<size>,mode=0700 tmpfs <root>` unless a tmpfs is mounted there already.
 * Refuses to mount over a non-empty directory (it would hide what is in it). Returns the real path of root.
 */
export async function ensureTmpfs(root: string, size: number): Promise<string> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  const real = await realpath(root);
  if (await isTmpfs(real)) return real;
  const entries = await readdir(real);
  if (entries.length > 0)
    throw new LbError('FAILED_PRECONDITION', `${real} is not empty and not a tmpfs; mounting over it would hide ${entries.length} entries`, {
      fix: `use an empty directory as root, or empty ${real}`,
    });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', real]);
  } catch (e) {
    throw new LbError('FAILED_PRECONDITION', `cannot mount a tmpfs at ${real}: ${e instanceof Error ? e.message : String(e)}`, {
      fix: 'run the agent as root (mount needs CAP_SYS_ADMIN), or mount the tmpfs at root beforehand',
    });
  }
  if (!(await isTmpfs(real))) throw new LbError('INTERNAL', `mount reported success but ${real} is not a tmpfs in ${MOUNTS}`);
  return real;
}

/**
 * Unmounts the tmpfs at `root` (everything on it is lost). Idempotent: nothing happens when no tmpfs is
 * mounted there. The driver never calls this (dispose() leaves volumes to the workloads); it is for tests
 * and for tearing a node down.
 */
export async function unmount(root: string): Promise<void> {
  const real = await realpath(root).catch(() => undefined);
  if (real === undefined) return;
  while (await isTmpfs(real)) await run('umount', [real]);
}
