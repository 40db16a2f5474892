// What the driver publishes for the pods of its node, under a directory no container reaches (the driver's state
// dir, never inside a volume):
//   <pods>/<namespace>/<pod>/          a tmpfs of the pod's own: its secret and config files never touch the disk
//     f/<name>/                        files written by putFiles(ref, files, pod)
//     v/<volume>.<hash of sub-path>/   a volume path pinned for the runtime to mount
// A pinned path is the directory the driver checked, bind-mounted by file descriptor: after the check, every
// component is opened again from the root without following symlinks, each relative to the directory already
// open (/proc/self/fd/N/<name>: Node has no openat), and `mount` binds the final descriptor. A container that
// swaps a checked directory for a symlink later changes nothing the runtime mounts, at this start or any later
// one. Everything of a pod is released with it: its mounts are unmounted, the tmpfs (and its files) with them.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rmdir, statfs, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { invalid, LbError, type FieldError, type PodRef, type VolumeRef } from '@lastbackend/sdk';
import { DIR_MODE, ensureChildDir, isRealDir, lstatOrNull, errno, message, notADirectory } from './fs-util';
import { DNS_LABEL } from './paths';

export const TMPFS_MAGIC = 0x01021994;
/** Upper bound of one pod's tmpfs; memory is taken only as files are written. */
const TMPFS_SIZE = '64m';
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY;

/** Returns a clean copy of a valid pod reference or throws INVALID_ARGUMENT naming the bad fields. */
export function checkPod(pod: unknown): PodRef {
  if (typeof pod !== 'object' || pod === null) throw invalid([{ field: 'pod', reason: 'a pod reference {namespace, pod} is required' }], 'invalid pod reference');
  const p = pod as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const f of ['namespace', 'pod'] as const) {
    const v = p[f];
    if (typeof v !== 'string' || !DNS_LABEL.test(v)) errors.push({ field: `pod.${f}`, reason: 'must be a DNS label: 1-63 characters of [a-z0-9-]' });
  }
  if (errors.length) throw invalid(errors, 'invalid pod reference');
  return { namespace: p.namespace as string, pod: p.pod as string };
}

/**
 * Opens `root/segments…` as a directory without following a symlink at any component below root: each one is
 * opened relative to its parent's descriptor. A symlink or file in the way fails with CONFLICT (retryable): the
 * tree changed after it was checked.
 */
export async function openBeneath(root: string, segments: string[]): Promise<FileHandle> {
  let fh = await open(root, DIR_FLAGS);
  try {
    for (const seg of segments) {
      if (seg === '' || seg === '.' || seg === '..' || seg.includes('/')) throw invalid([{ field: 'subPath', reason: `bad path segment ${JSON.stringify(seg)}` }], 'invalid sub-path');
      let next: FileHandle;
      try {
        next = await open(`/proc/self/fd/${fh.fd}/${seg}`, DIR_FLAGS | constants.O_NOFOLLOW);
      } catch (e) {
        const code = errno(e);
        if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT')
          throw new LbError('CONFLICT', `the volume changed while its path was pinned: "${seg}" is no longer a directory (a symlink or file took its place)`);
        throw e;
      }
      await fh.close();
      fh = next;
    }
    return fh;
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

/** Runs a util-linux command; `fd` becomes the child's descriptor 3. */
function run(cmd: string, args: string[], fd?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: fd === undefined ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'ignore', 'pipe', fd] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (e) => reject(new LbError('UNAVAILABLE', `${cmd}: ${e.message}`, { fix: 'install util-linux (mount, umount)' })));
    child.once('close', (code) => (code === 0 ? resolve() : reject(new LbError('INTERNAL', `${cmd} ${args.join(' ')}: ${err.trim() || `exit code ${code}`}`))));
  });
}

/** Mount points at or below `dir` (from /proc/self/mountinfo), deepest first. */
export async function mountsBelow(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const point = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (point === dir || point.startsWith(`${dir}/`)) out.push(point);
  }
  return out.sort((a, b) => b.length - a.length);
}

/** Unmounts everything at or below `dir` (lazily when busy); throws when something stays mounted. */
async function unmountAll(dir: string): Promise<void> {
  for (let round = 0; round < 8; round++) {
    const mounts = await mountsBelow(dir);
    if (!mounts.length) return;
    for (const m of mounts) await run('umount', ['--no-canonicalize', m]).catch(() => run('umount', ['--no-canonicalize', '--lazy', m]).catch(() => undefined));
  }
  const left = await mountsBelow(dir);
  if (left.length) throw new LbError('UNAVAILABLE', `cannot unmount ${left.join(', ')}`);
}

async function isTmpfsMount(dir: string): Promise<boolean> {
  const [st, parent] = await Promise.all([lstat(dir), lstat(dirname(dir))]);
  return st.dev !== parent.dev && (await statfs(dir)).type === TMPFS_MAGIC;
}

export class Publisher {
  /** @param dir where pods' directories go: private to the driver, outside every volume. */
  constructor(readonly dir: string) {}

  podDir(pod: PodRef): string {
    return join(this.dir, pod.namespace, pod.pod);
  }

  /** The pod's directory with its own tmpfs mounted on it (mounted when missing, e.g. after a reboot). */
  async ensurePod(pod: PodRef): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: DIR_MODE });
    if (!(await isRealDir(this.dir))) throw notADirectory(this.dir);
    const dir = await ensureChildDir(await ensureChildDir(this.dir, pod.namespace), pod.pod);
    if (!(await isTmpfsMount(dir))) {
      await run('mount', ['--no-canonicalize', '-t', 'tmpfs', '-o', `mode=0700,size=${TMPFS_SIZE},nosuid,nodev,noexec`, 'lastbackend-pod', dir]);
      if (!(await isTmpfsMount(dir))) throw new LbError('INTERNAL', `the tmpfs of pod ${pod.namespace}/${pod.pod} did not mount on ${dir}`);
    }
    return dir;
  }

  /** Directory of the pod's files (on its tmpfs). */
  async filesDir(pod: PodRef): Promise<string> {
    return ensureChildDir(await this.ensurePod(pod), 'f');
  }

  /** Where a volume (and sub-path) of the pod is pinned: the same path for the same volume and sub-path. */
  async mountPoint(pod: PodRef, volume: VolumeRef, segments: string[]): Promise<string> {
    const hash = createHash('sha256').update(segments.join('/')).digest('hex').slice(0, 16);
    return join(await ensureChildDir(await this.ensurePod(pod), 'v'), `${volume.name}.${hash}`);
  }

  /**
   * Whether `point` holds a live pin. A pin whose directory was deleted since (nothing left to mount) is
   * unmounted, so that it is pinned again.
   */
  async pinned(point: string): Promise<boolean> {
    const st = await lstatOrNull(point);
    if (!st) return false;
    if (st.dev === (await lstat(dirname(point))).dev) return false; // an empty directory on the pod's tmpfs
    if (st.isDirectory() && st.nlink > 0) return true;
    await unmountAll(point);
    return false;
  }

  /** Pins `root/segments…` (checked by the caller, re-walked here without following symlinks) on `point`. */
  async pin(point: string, root: string, segments: string[]): Promise<void> {
    await unmountAll(point);
    if (!(await lstatOrNull(point))) await mkdir(point, { mode: DIR_MODE });
    const fh = await openBeneath(root, segments);
    try {
      // --no-canonicalize: mount must not resolve the descriptor's link back into a path (that would re-open the race).
      await run('mount', ['--no-canonicalize', '--bind', '/proc/self/fd/3', point], fh.fd);
      const [want, got] = await Promise.all([fh.stat(), lstat(point)]);
      if (want.dev !== got.dev || want.ino !== got.ino) {
        await unmountAll(point);
        throw new LbError('INTERNAL', `${point} does not show the directory that was pinned`);
      }
    } finally {
      await fh.close();
    }
  }

  /** Unmounts and removes everything of the pod. Idempotent. */
  async release(pod: PodRef): Promise<void> {
    const dir = this.podDir(pod);
    await unmountAll(dir);
    // Only ever rmdir: whatever the pod had lay on its tmpfs, and a recursive delete must never run into a
    // mount (another driver instance could be pinning meanwhile during a swap).
    try {
      await rmdir(dir);
    } catch (e) {
      if (errno(e) !== 'ENOENT') throw e;
    }
    // The namespace's directory and the base, when empty.
    await rmdir(dirname(dir)).catch(() => undefined);
    await rmdir(this.dir).catch(() => undefined);
  }

  /** Releases every pod not in `keep`. */
  async retain(keep: PodRef[]): Promise<void> {
    const kept = new Set(keep.map((p) => `${p.namespace}/${p.pod}`));
    if (!(await isRealDir(this.dir).catch(() => false))) return;
    const failures: string[] = [];
    for (const ns of await readdir(this.dir)) {
      if (!(await isRealDir(join(this.dir, ns)).catch(() => false))) continue;
      for (const pod of await readdir(join(this.dir, ns))) {
        if (kept.has(`${ns}/${pod}`)) continue;
        await this.release({ namespace: ns, pod }).catch((e: unknown) => failures.push(`${ns}/${pod}: ${message(e)}`));
      }
      await rmdir(join(this.dir, ns)).catch(() => undefined);
    }
    await rmdir(this.dir).catch(() => undefined);
    if (failures.length) throw new LbError('UNAVAILABLE', `releasing pods: ${failures.join('; ')}`);
  }
}
