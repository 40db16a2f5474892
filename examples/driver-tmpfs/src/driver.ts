// The CSI implementation. Everything lives on the tmpfs at root:
//   <root>/volumes/<namespace>/<name>   a volume
//   <root>/files/<namespace>/<name>     files written by putFiles (secrets, configs)
//   <root>/volumes.json                 capacity reservations, {"namespace/name": bytes}
// The reservations sit on the tmpfs with the volumes, so both vanish together on reboot or unmount.
// Nothing below root is reached through a symlink: the driver's own directories are checked with lstat,
// and sub-paths are resolved with realpath one segment at a time and must stay inside their volume.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, rmdir, statfs } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import {
  invalid,
  LbError,
  notFound,
  type DriverInfo,
  type DriverLogger,
  type FieldError,
  type ProbeResult,
  type StorageDriver,
  type VolumeRef,
  type VolumeStatus,
} from '@lastbackend/sdk';
import { ensureTmpfs } from './tmpfs';

export interface TmpfsOptions {
  /** Absolute mount point of the tmpfs. */
  root: string;
  /** Bytes of the tmpfs, and the most all volumes together may reserve. */
  size: number;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const PLAIN_FILE = /^[A-Za-z0-9._-]{1,255}$/;
const RECORDS = 'volumes.json';

const errnoOf = (e: unknown): string | undefined => (typeof e === 'object' && e !== null ? ((e as { code?: unknown }).code as string | undefined) : undefined);
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function asLbError(e: unknown, what: string): LbError {
  if (e instanceof LbError || (e as { name?: unknown } | null)?.name === 'LbError') return e as LbError;
  const code = errnoOf(e);
  if (code === 'ENOSPC') return new LbError('UNAVAILABLE', `${what}: the tmpfs is full`, { fix: 'remove data or volumes, or raise size' });
  return new LbError(code === 'EBUSY' || code === 'EAGAIN' ? 'UNAVAILABLE' : 'INTERNAL', `${what}: ${messageOf(e)}`);
}

/** A clean copy of a volume reference whose parts are DNS labels, or INVALID_ARGUMENT naming the bad fields. */
export function checkRef(ref: unknown): VolumeRef {
  if (typeof ref !== 'object' || ref === null) throw invalid([{ field: '', reason: 'a volume reference {namespace, name} is required' }], 'invalid volume reference');
  const r = ref as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const field of ['namespace', 'name'] as const) {
    const v = r[field];
    if (typeof v !== 'string' || !LABEL.test(v))
      errors.push({ field, reason: 'must be a DNS label: 1-63 characters of [a-z0-9-], starting and ending with a letter or digit' });
  }
  if (errors.length) throw invalid(errors, 'invalid volume reference');
  return { namespace: r.namespace as string, name: r.name as string };
}

/** The segments of a relative sub-path without "..", or INVALID_ARGUMENT (field subPath). */
export function subPathSegments(subPath: unknown): string[] {
  if (subPath === undefined) return [];
  const bad = (reason: string) => invalid([{ field: 'subPath', reason }], 'invalid sub-path');
  if (typeof subPath !== 'string') throw bad('must be a string');
  if (subPath.includes('\0')) throw bad('must not contain NUL');
  if (isAbsolute(subPath)) throw bad('must be relative');
  if (subPath.split('/').includes('..')) throw bad('must not contain ".." segments');
  return posix.normalize(subPath).split('/').filter((s) => s !== '' && s !== '.');
}

function checkFiles(files: unknown): Record<string, string> {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw invalid([{ field: 'files', reason: 'must be an object of file name to content' }], 'invalid files');
  const errors: FieldError[] = [];
  for (const [name, text] of Object.entries(files)) {
    if (name === '.' || name === '..' || !PLAIN_FILE.test(name)) errors.push({ field: `files.${JSON.stringify(name)}`, reason: 'must be a plain file name of [A-Za-z0-9._-]' });
    if (typeof text !== 'string') errors.push({ field: `files.${JSON.stringify(name)}`, reason: 'content must be a string' });
  }
  if (errors.length) throw invalid(errors, 'invalid files');
  return files as Record<string, string>;
}

export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

const key = (r: VolumeRef): string => `${r.namespace}/${r.name}`;

/** `<parent>/<name>` as a real directory: created (0700) when `create`, undefined when missing; a symlink or file there is refused. */
async function dirAt(parent: string, name: string, create: boolean): Promise<string | undefined> {
  const p = join(parent, name);
  const st = await lstat(p).catch((e: unknown) => {
    if (errnoOf(e) === 'ENOENT') return undefined;
    throw e;
  });
  if (st === undefined) {
    if (!create) return undefined;
    await mkdir(p, { mode: 0o700 }).catch((e: unknown) => {
      if (errnoOf(e) !== 'EEXIST') throw e;
    });
    return dirAt(parent, name, false);
  }
  if (!st.isDirectory()) throw new LbError('FAILED_PRECONDITION', `${p} is not a directory (a symlink or file is in its place)`, { fix: `remove ${p}` });
  return p;
}

async function writeFileAtomic(dir: string, name: string, text: string): Promise<void> {
  const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, name));
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** Bytes allocated below `dir` (symlinks not followed). */
async function usage(dir: string): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length) {
    const p = stack.pop() as string;
    const st = await lstat(p).catch(() => undefined);
    if (!st) continue;
    total += st.blocks * 512;
    if (st.isDirectory()) for (const e of await readdir(p).catch(() => [] as string[])) stack.push(join(p, e));
  }
  return total;
}

export class TmpfsStorage implements StorageDriver {
  /** Calls that touch the tree run one at a time, in call order (and mount at most once). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: TmpfsOptions,
    private readonly logger: DriverLogger,
    /** Identity from the package (DriverContext.info). */
    private readonly about: DriverInfo,
  ) {}

  info(): DriverInfo {
    return this.about;
  }

  /** Mounts the tmpfs when needed and checks it is writable. Never throws. */
  async probe(): Promise<ProbeResult> {
    try {
      await this.serial('probe', async () => {
        const root = await this.root();
        await readRecords(root);
        const tmp = join(root, `.probe-${randomBytes(4).toString('hex')}`);
        await writeFileAtomic(root, tmp.slice(root.length + 1), 'probe');
        await rm(tmp, { force: true });
      });
      return { state: 'ready' };
    } catch (e) {
      return { state: 'error', message: `tmpfs at ${this.options.root} is not usable: ${messageOf(e)}` };
    }
  }

  async create(volume: VolumeRef, options: { capacity?: number }): Promise<VolumeStatus> {
    const ref = checkRef(volume);
    const capacity = (options as { capacity?: unknown } | undefined)?.capacity ?? 0;
    if (typeof capacity !== 'number' || !Number.isSafeInteger(capacity) || capacity < 0)
      throw invalid([{ field: 'capacity', reason: 'must be a whole number of bytes, 0 or more' }], 'invalid volume options');
    return this.serial(`create volume ${key(ref)}`, async () => {
      const root = await this.root();
      const records = await readRecords(root);
      const existing = records[key(ref)];
      const nsDir = (await dirAt(join(root, 'volumes'), ref.namespace, true)) as string;
      if (existing !== undefined) {
        const dir = (await dirAt(nsDir, ref.name, true)) as string;
        return this.status(ref, dir, existing);
      }
      const limit = await this.limit(root);
      const taken = Object.values(records).reduce((a, b) => a + b, 0);
      if (taken + capacity > limit)
        throw new LbError(
          'FAILED_PRECONDITION',
          `cannot reserve ${capacity} bytes for volume ${key(ref)}: the tmpfs holds ${limit} bytes, ${taken} are reserved, ${Math.max(0, limit - taken)} are left`,
          { fix: 'request less capacity, remove volumes, or raise size in the driver config' },
        );
      const dir = (await dirAt(nsDir, ref.name, true)) as string;
      records[key(ref)] = capacity;
      await writeRecords(root, records);
      this.logger.debug('volume created', { volume: key(ref), capacity, path: dir });
      return this.status(ref, dir, capacity);
    });
  }

  async remove(volume: VolumeRef): Promise<void> {
    const ref = checkRef(volume);
    return this.serial(`remove volume ${key(ref)}`, async () => {
      const root = await this.root();
      const nsDir = await dirAt(join(root, 'volumes'), ref.namespace, false);
      if (nsDir) {
        await rm(join(nsDir, ref.name), { recursive: true, force: true }); // rm does not follow symlinks
        await rmdir(nsDir).catch(() => undefined); // only when empty
      }
      const records = await readRecords(root);
      if (key(ref) in records) {
        delete records[key(ref)];
        await writeRecords(root, records);
      }
      this.logger.debug('volume removed', { volume: key(ref) });
    });
  }

  async list(): Promise<VolumeStatus[]> {
    return this.serial('list volumes', async () => {
      const root = await this.root();
      const records = await readRecords(root);
      const out: VolumeStatus[] = [];
      for (const k of Object.keys(records).sort()) {
        const [namespace, name] = k.split('/');
        out.push(await this.status({ namespace, name }, join(root, 'volumes', namespace, name), records[k]));
      }
      return out;
    });
  }

  async path(volume: VolumeRef, subPath?: string): Promise<string> {
    const ref = checkRef(volume);
    const segments = subPathSegments(subPath);
    return this.serial(`path of volume ${key(ref)}`, async () => {
      const root = await this.root();
      const nsDir = await dirAt(join(root, 'volumes'), ref.namespace, false);
      const dir = nsDir && (await dirAt(nsDir, ref.name, false));
      if (!dir || !(key(ref) in (await readRecords(root)))) throw notFound(`volume ${key(ref)}`);
      const escapes = () => invalid([{ field: 'subPath', reason: 'sub-path leaves the volume' }], 'invalid sub-path');
      let cur = dir;
      for (const seg of segments) {
        const next = join(cur, seg);
        await mkdir(next, { mode: 0o700 }).catch((e: unknown) => {
          if (errnoOf(e) !== 'EEXIST') throw e;
        });
        try {
          cur = await realpath(next);
        } catch (e) {
          if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ELOOP') throw escapes(); // dangling or looping symlink
          throw e;
        }
        if (!isInside(dir, cur)) throw escapes();
        if (!(await lstat(cur)).isDirectory()) throw invalid([{ field: 'subPath', reason: `"${seg}" is not a directory` }], 'invalid sub-path');
      }
      return cur;
    });
  }

  async putFiles(ref: VolumeRef, files: Record<string, string>): Promise<string> {
    const r = checkRef(ref);
    const content = checkFiles(files);
    return this.serial(`put files ${key(r)}`, async () => {
      const root = await this.root();
      const filesRoot = (await dirAt(root, 'files', true)) as string;
      const nsDir = (await dirAt(filesRoot, r.namespace, true)) as string;
      const dir = (await dirAt(nsDir, r.name, true)) as string;
      // Updated in place, file by file (each atomically): containers bind-mount the directory itself.
      for (const [name, text] of Object.entries(content)) {
        const current = await readFile(join(dir, name), 'utf8').catch(() => undefined);
        if (current !== text) await writeFileAtomic(dir, name, text);
      }
      for (const entry of await readdir(dir)) if (!(entry in content)) await rm(join(dir, entry), { recursive: true, force: true });
      return dir;
    });
  }

  /** Waits for calls in flight. Does not unmount: workloads may still use the volumes. */
  async dispose(): Promise<void> {
    await this.queue;
  }

  // ------------------------------------------------------------------ internals

  private serial<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn).catch((e: unknown) => {
      throw asLbError(e, what);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The mounted root (mounted on first use) with its two directories. */
  private async root(): Promise<string> {
    const root = await ensureTmpfs(this.options.root, this.options.size);
    await dirAt(root, 'volumes', true);
    return root;
  }

  /** What volumes may reserve in total: the configured size, or less when the tmpfs found there is smaller. */
  private async limit(root: string): Promise<number> {
    const s = await statfs(root);
    return Math.min(this.options.size, s.bsize * s.blocks);
  }

  private async status(ref: VolumeRef, dir: string, capacity: number): Promise<VolumeStatus> {
    return { namespace: ref.namespace, name: ref.name, path: dir, capacity, used: await usage(dir) };
  }
}

async function readRecords(root: string): Promise<Record<string, number>> {
  const file = join(root, RECORDS);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return {};
    throw e;
  }
  const doc = JSON.parse(text) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new LbError('INTERNAL', `${file} is corrupt`);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(doc)) {
    const [namespace, name, extra] = k.split('/');
    if (extra !== undefined || !LABEL.test(namespace ?? '') || !LABEL.test(name ?? '') || typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      throw new LbError('INTERNAL', `${file} is corrupt at ${JSON.stringify(k)}`);
    out[k] = v;
  }
  return out;
}

async function writeRecords(root: string, records: Record<string, number>): Promise<void> {
  await writeFileAtomic(root, RECORDS, `${JSON.stringify(records, null, 2)}\n`);
}
