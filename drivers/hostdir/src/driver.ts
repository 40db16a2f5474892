// The CSI implementation: a volume is the directory <root>/<namespace>/<name>; capacities are reservations
// recorded in <root>/.volumes.json and checked against the node's capacity; files for secrets/configs live
// in <root>/.files/<namespace>/<name>/, or for a pod on the pod's tmpfs (publish.ts). Nothing is ever reached
// through a symlink below root: directories the driver walks are checked with lstat, sub-paths are resolved
// with realpath and confined, and a path for a pod is pinned (publish.ts) so that what was checked is mounted.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, rmdir, statfs } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  invalid,
  LbError,
  notFound,
  type DriverInfo,
  type DriverLogger,
  type PodRef,
  type ProbeResult,
  type StorageDriver,
  type VolumeRef,
  type VolumeStatus,
} from '@lastbackend/sdk';
import { DIR_MODE, ensureChildDir, errno, FILE_MODE, isRealDir, lstatOrNull, message, notADirectory } from './fs-util';
import { checkFiles, checkRef, DNS_LABEL, FILES_DIR, filesDir, isInside, refKey, subPathSegments, TRASH_DIR, volumeDir } from './paths';
import { checkPod, Publisher } from './publish';
import { loadRecords, reserved, saveRecords, syncDir, type VolumeRecord } from './records';

export interface HostdirOptions {
  /** Absolute directory holding the volumes. */
  root: string;
  /** Bytes offered in total; the file system's size when absent. */
  capacity?: number;
  /** Directory for what is published for pods (publish.ts), out of every container's reach: `<root>/.pods` when absent. */
  pods?: string;
}

const TRANSIENT = new Set(['ENOSPC', 'EDQUOT', 'EBUSY', 'EAGAIN', 'EIO', 'EMFILE', 'ENFILE', 'EINTR']);

/** An LbError for anything thrown by the file system (LbErrors pass through). */
function toLbError(e: unknown, what: string): LbError {
  if (e instanceof LbError) return e;
  const code = errno(e);
  return new LbError(code && TRANSIENT.has(code) ? 'UNAVAILABLE' : 'INTERNAL', `${what}: ${message(e)}`);
}

/** Disk usage of a tree like `du -s` (allocated blocks; symlinks not followed; hard links counted once). */
export async function diskUsage(top: string): Promise<number> {
  const seen = new Set<string>();
  const stack = [top];
  let total = 0;
  while (stack.length) {
    const p = stack.pop() as string;
    let st: Stats;
    try {
      st = await lstat(p);
    } catch {
      continue; // gone meanwhile
    }
    if (st.nlink > 1 && !st.isDirectory()) {
      const id = `${st.dev}:${st.ino}`;
      if (seen.has(id)) continue;
      seen.add(id);
    }
    total += st.blocks * 512;
    if (st.isDirectory()) {
      try {
        for (const entry of await readdir(p)) stack.push(join(p, entry));
      } catch {
        // unreadable: counted as far as seen
      }
    }
  }
  return total;
}

export class HostdirStorage implements StorageDriver {
  /** Operations that change the tree or the records run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly publisher: Publisher;

  constructor(
    private readonly options: HostdirOptions,
    private readonly logger: DriverLogger,
    /** Identity from the package (DriverContext.info). */
    private readonly about: DriverInfo,
  ) {
    this.publisher = new Publisher(resolve(options.pods ?? join(options.root, '.pods')));
  }

  info(): DriverInfo {
    return this.about;
  }

  async probe(): Promise<ProbeResult> {
    try {
      const root = await this.root();
      const tmp = join(root, `.probe-${randomBytes(4).toString('hex')}`);
      const fh = await open(tmp, 'wx', FILE_MODE);
      try {
        await fh.writeFile('probe');
      } finally {
        await fh.close();
        await rm(tmp, { force: true });
      }
      await loadRecords(root);
      await this.publishing(root);
      const capacity = await this.nodeCapacity(root);
      if (capacity <= 0) return { state: 'error', message: `the file system of ${root} reports no capacity; set capacity in the driver config` };
      return { state: 'ready' };
    } catch (e) {
      return { state: 'error', message: `volume root ${this.options.root} is not usable: ${message(e)}` };
    }
  }

  async create(volume: VolumeRef, options: { capacity?: number }): Promise<VolumeStatus> {
    const ref = checkRef(volume);
    const capacity = (options as { capacity?: unknown } | undefined)?.capacity ?? 0;
    if (typeof capacity !== 'number' || !Number.isSafeInteger(capacity) || capacity < 0)
      throw invalid([{ field: 'capacity', reason: 'must be a whole number of bytes, 0 or more' }], 'invalid volume options');
    return this.serial(`create volume ${refKey(ref)}`, async () => {
      const root = await this.root();
      const records = await loadRecords(root);
      const key = refKey(ref);
      const dir = volumeDir(root, ref);
      const existing = records.get(key);
      const present = (await isRealDir(join(root, ref.namespace))) && (await isRealDir(dir));
      if (existing) {
        if (!present) await ensureChildDir(await ensureChildDir(root, ref.namespace), ref.name); // lost by hand: recreated
        return this.status(root, ref, existing);
      }
      const node = await this.nodeCapacity(root);
      const taken = reserved(records);
      if (taken + capacity > node)
        throw new LbError(
          'FAILED_PRECONDITION',
          `cannot reserve ${capacity} bytes for volume ${key}: ${taken} of the node's ${node} bytes are reserved by ${records.size} volume(s), ${Math.max(0, node - taken)} bytes are left`,
          { fix: 'request less capacity, remove volumes, or raise the driver capacity' },
        );
      await ensureChildDir(await ensureChildDir(root, ref.namespace), ref.name);
      const record: VolumeRecord = { capacity, created: new Date().toISOString() };
      records.set(key, record);
      try {
        await saveRecords(root, records);
      } catch (e) {
        if (!present) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
        throw e;
      }
      this.logger.debug('volume created', { volume: key, capacity, path: dir });
      return this.status(root, ref, record);
    });
  }

  async remove(volume: VolumeRef): Promise<void> {
    const ref = checkRef(volume);
    return this.serial(`remove volume ${refKey(ref)}`, async () => {
      const root = await this.root();
      const records = await loadRecords(root);
      const key = refKey(ref);
      const nsDir = join(root, ref.namespace);
      if (await isRealDir(nsDir)) {
        const dir = volumeDir(root, ref);
        if (await lstatOrNull(dir)) {
          // Moved aside first, so the volume vanishes at once; then deleted (fs.rm does not follow symlinks).
          const trash = await ensureChildDir(root, TRASH_DIR);
          const aside = join(trash, `${ref.namespace}.${ref.name}.${randomBytes(4).toString('hex')}`);
          let target = dir;
          try {
            await rename(dir, aside);
            target = aside;
          } catch {
            // e.g. a mount point: deleted in place
          }
          await rm(target, { recursive: true, force: true });
        }
        await rmdir(nsDir).catch(() => undefined); // only when empty
      }
      if (records.delete(key)) await saveRecords(root, records);
      await this.emptyTrash(root);
      this.logger.debug('volume removed', { volume: key });
    });
  }

  async list(): Promise<VolumeStatus[]> {
    try {
      const root = await this.root();
      const records = await loadRecords(root);
      const out: VolumeStatus[] = [];
      for (const key of [...records.keys()].sort()) {
        const [namespace, name] = key.split('/');
        const rec = records.get(key) as VolumeRecord;
        out.push(await this.status(root, { namespace, name }, rec));
      }
      return out;
    } catch (e) {
      throw toLbError(e, 'list volumes');
    }
  }

  async path(volume: VolumeRef, subPath?: string, pod?: PodRef): Promise<string> {
    const ref = checkRef(volume);
    const segments = subPathSegments(subPath); // refused before anything is touched (async: a rejection, not a throw)
    const target = pod === undefined ? undefined : checkPod(pod);
    return this.serial(`path of volume ${refKey(ref)}`, async () => {
      const root = await this.root();
      // A pin stays while the pod lives: later calls (every sync, every container start) get the same directory.
      const point = target ? await (await this.publishing(root)).mountPoint(target, ref, segments) : undefined;
      if (point && (await this.publisher.pinned(point))) return point;
      const dir = volumeDir(root, ref);
      if (!(await isRealDir(join(root, ref.namespace))) || !(await isRealDir(dir))) throw notFound(`volume ${refKey(ref)}`);
      const vol = await realpath(dir);
      if (!isInside(root, vol)) throw notADirectory(dir);
      const checked = await this.confine(vol, segments);
      if (!point || !target) return checked;
      const rel = relative(root, checked);
      await this.publisher.pin(point, root, rel === '' ? [] : rel.split(sep));
      this.logger.debug('volume path pinned', { volume: refKey(ref), subPath: segments.join('/'), pod: `${target.namespace}/${target.pod}`, path: point });
      return point;
    });
  }

  async putFiles(ref: VolumeRef, files: Record<string, string>, pod?: PodRef): Promise<string> {
    const r = checkRef(ref);
    const content = checkFiles(files);
    const target = pod === undefined ? undefined : checkPod(pod);
    return this.serial(`put files ${refKey(r)}`, async () => {
      const root = await this.root();
      const parent = target
        ? await (await this.publishing(root)).filesDir(target)
        : await ensureChildDir(await ensureChildDir(root, FILES_DIR), r.namespace);
      const out = await this.writeFileSet(parent, r.name, content);
      this.logger.debug('files written', { ref: refKey(r), files: Object.keys(content).length, path: out });
      return out;
    });
  }

  /** Releases the pod's pinned paths and files (its tmpfs). Idempotent. */
  async unpublish(pod: PodRef): Promise<void> {
    const target = checkPod(pod);
    return this.serial(`unpublish pod ${target.namespace}/${target.pod}`, async () => {
      await this.publisher.release(target);
      this.logger.debug('pod released', { pod: `${target.namespace}/${target.pod}` });
    });
  }

  /** Releases what was published for every pod not listed. */
  async retain(pods: PodRef[]): Promise<void> {
    const keep = (Array.isArray(pods) ? pods : []).map(checkPod);
    return this.serial('release stale pods', () => this.publisher.retain(keep));
  }

  /** `<parent>/<name>` holds exactly `content` afterwards: written whole the first time, then updated in place. */
  private async writeFileSet(parent: string, name: string, content: Record<string, string>): Promise<string> {
    const target = join(parent, name);
    await this.removeLeftovers(parent, name);
    // An existing directory is updated in place, file by file (each one atomically): containers
    // bind-mount the directory itself, so replacing it would leave them looking at the old one.
    if (await isRealDir(target)) {
      await this.updateInPlace(target, content);
      return target;
    }
    const st = await lstatOrNull(target);
    if (st) await rm(target, { force: true }); // a file or symlink in the way: unlinked, never followed
    const tmp = join(parent, `.tmp-${name}.${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(tmp, { mode: DIR_MODE });
      for (const [file, text] of Object.entries(content)) await writeSynced(join(tmp, file), text, 'wx');
      await syncDir(tmp);
      // The set is complete before it takes the name.
      await rename(tmp, target);
      await syncDir(parent);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw e;
    }
    return target;
  }

  /** Writes changed files (temp + rename in the same directory), removes those no longer in the set. */
  private async updateInPlace(dir: string, content: Record<string, string>): Promise<void> {
    for (const [name, text] of Object.entries(content)) {
      const current = await readFile(join(dir, name), 'utf8').catch(() => undefined);
      if (current === text) continue;
      const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
      await writeSynced(tmp, text, 'wx');
      await rename(tmp, join(dir, name));
    }
    for (const entry of await readdir(dir)) if (!(entry in content)) await rm(join(dir, entry), { force: true, recursive: true });
    await syncDir(dir);
  }

  /** Removes the directory putFiles wrote for `ref`. Idempotent. (Not part of the SDK's StorageDriver.) */
  async removeFiles(ref: VolumeRef): Promise<void> {
    const r = checkRef(ref);
    return this.serial(`remove files ${refKey(r)}`, async () => {
      const root = await this.root();
      const filesRoot = join(root, FILES_DIR);
      const nsDir = join(filesRoot, r.namespace);
      if (!(await isRealDir(filesRoot)) || !(await isRealDir(nsDir))) return;
      await this.removeLeftovers(nsDir, r.name);
      await rm(filesDir(root, r), { recursive: true, force: true });
      await rmdir(nsDir).catch(() => undefined); // only when empty
    });
  }

  /** Waits for operations in flight; nothing else to release. Volumes stay. */
  async dispose(): Promise<void> {
    await this.queue;
  }

  // ------------------------------------------------------------------ internals

  private serial<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn).catch((e: unknown) => {
      throw toLbError(e, what);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The root, created (0700) when missing, as a real path. */
  private async root(): Promise<string> {
    await mkdir(this.options.root, { recursive: true, mode: DIR_MODE });
    const real = await realpath(this.options.root);
    if (!(await lstat(real)).isDirectory()) throw notADirectory(this.options.root);
    return real;
  }

  /** The publisher, once it is clear that no volume can contain its directory. */
  private async publishing(root: string): Promise<Publisher> {
    for (const base of new Set([root, resolve(this.options.root)])) {
      const rel = relative(base, this.publisher.dir);
      if (rel !== '' && isInside(base, this.publisher.dir) && !DNS_LABEL.test(rel.split(sep)[0])) continue;
      if (isInside(base, this.publisher.dir))
        throw new LbError('FAILED_PRECONDITION', `${this.publisher.dir} (published pod paths) would lie inside a volume of ${base}`, {
          fix: 'use a root apart from the driver state dir',
        });
    }
    return this.publisher;
  }

  private async nodeCapacity(root: string): Promise<number> {
    if (this.options.capacity !== undefined) return this.options.capacity;
    const s = await statfs(root);
    return s.bsize * s.blocks;
  }

  private async status(root: string, ref: VolumeRef, rec: VolumeRecord): Promise<VolumeStatus> {
    const path = volumeDir(root, ref);
    let used = 0;
    if ((await isRealDir(join(root, ref.namespace)).catch(() => false)) && (await isRealDir(path).catch(() => false))) used = await diskUsage(path);
    return { namespace: ref.namespace, name: ref.name, path, capacity: rec.capacity, used };
  }

  /** Walks the sub-path segment by segment from the (real) volume directory: missing directories are created,
   * every step is resolved with realpath and must stay inside the volume. */
  private async confine(vol: string, segments: string[]): Promise<string> {
    const escapes = () => invalid([{ field: 'subPath', reason: 'sub-path escapes the volume' }], 'invalid sub-path');
    let cur = vol;
    for (const seg of segments) {
      const next = join(cur, seg);
      try {
        if (!(await lstatOrNull(next))) {
          try {
            await mkdir(next, { mode: DIR_MODE });
          } catch (e) {
            if (errno(e) !== 'EEXIST') throw e;
          }
        }
        cur = await realpath(next);
      } catch (e) {
        const code = errno(e);
        if (code === 'ENOENT' || code === 'ELOOP') throw escapes(); // a dangling or looping symlink
        if (code === 'ENOTDIR') throw invalid([{ field: 'subPath', reason: `a segment before "${seg}" is not a directory` }], 'invalid sub-path');
        throw e;
      }
      if (!isInside(vol, cur)) throw escapes();
    }
    return cur;
  }

  /** Temp and old directories a crashed putFiles left for `name` ("." cannot occur in a name, so no other name matches). */
  private async removeLeftovers(nsDir: string, name: string): Promise<void> {
    for (const entry of await readdir(nsDir)) {
      if (entry.startsWith(`.tmp-${name}.`) || entry.startsWith(`.old-${name}.`)) await rm(join(nsDir, entry), { recursive: true, force: true });
    }
  }

  private async emptyTrash(root: string): Promise<void> {
    const trash = join(root, TRASH_DIR);
    if (!(await isRealDir(trash).catch(() => false))) return;
    for (const entry of await readdir(trash)) await rm(join(trash, entry), { recursive: true, force: true }).catch(() => undefined);
    await rmdir(trash).catch(() => undefined);
  }
}

async function writeSynced(path: string, text: string, flag: 'wx' | 'w'): Promise<void> {
  const fh = await open(path, flag, FILE_MODE);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}
