// The hostdir CSI driver against the real file system, in a temp directory of its own:
//   <outer>/state            the driver's stateDir (volumes under <outer>/state/volumes, the default root)
//   <outer>/outside          a directory outside the root, target of planted symlinks
// Nothing may appear in <outer> (outside the driver's root) that the test did not put there.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, statfs, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LbError, type DriverContext, type StorageDriver } from '@lastbackend/sdk';
import { runCsiConformance, packageDriverInfo } from '@lastbackend/sdk/testing';
import hostdir, { configSchema, HostdirStorage, mountsBelow, openBeneath, type HostdirDriverConfig } from '../src';

const MiB = 1024 * 1024;
const outer = mkdtempSync(join(tmpdir(), 'lb-hostdir-'));
const stateDir = join(outer, 'state');
const outside = join(outer, 'outside');
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
let listingBefore: string[] = [];

/** Every path under `dir` (recursive, symlinks not followed), except below `skip`. */
async function listing(dir: string, skip: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of (await readdir(d)).sort()) {
      const p = join(d, entry);
      if (p === skip) continue;
      const st = await lstat(p);
      out.push(`${p.slice(outer.length)}${st.isDirectory() ? '/' : ''}`);
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}

/** A driver as the kernel would create it, from (validated) config. */
async function driverFor(config: unknown, state = stateDir): Promise<StorageDriver> {
  const ctx: DriverContext<HostdirDriverConfig> = {
    config: configSchema.parse(config),
    logger: silent,
    stateDir: state,
    node: 'test-node',
    info: packageDriverInfo(join(__dirname, '..')),
  };
  const csi = (await hostdir.create(ctx)).csi;
  if (!csi) throw new Error('the driver made no csi instance');
  return csi;
}

const errorOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

beforeAll(async () => {
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'do not touch');
  await mkdir(stateDir);
  listingBefore = await listing(outer, join(stateDir, 'volumes'));
});

afterAll(async () => {
  // Mounts a failed test left are undone before anything is deleted (rm must never run through a bind mount).
  const left = await mountsBelow(outer);
  for (const m of left) execFileSync('umount', ['--lazy', m]);
  expect(left).toEqual([]);
  expect(await listing(outer, join(stateDir, 'volumes'))).toEqual(listingBefore);
  expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('do not touch');
  rmSync(outer, { recursive: true, force: true });
});

runCsiConformance('hostdir', async () => {
  const csi = await driverFor({});
  return { csi, cleanup: () => csi.dispose() };
});

describe('hostdir driver', () => {
  const ns = 'hostdir-test';

  it('config: strict, absolute root, positive capacity; root defaults to <stateDir>/volumes', async () => {
    expect(configSchema.safeParse({ other: 1 }).success).toBe(false);
    expect(configSchema.safeParse({ root: 'relative' }).success).toBe(false);
    expect(configSchema.safeParse({ capacity: -1 }).success).toBe(false);
    expect(configSchema.safeParse({ capacity: 1.5 }).success).toBe(false);
    const csi = await driverFor({});
    const status = await csi.create({ namespace: ns, name: 'default-root' }, {});
    expect(status.path).toBe(join(stateDir, 'volumes', ns, 'default-root'));
    expect(status.capacity).toBe(0);
    expect((await lstat(status.path)).mode & 0o777).toBe(0o700);
    await csi.remove({ namespace: ns, name: 'default-root' });
  });

  it('path() refuses a symlink planted inside the volume that points out of it', async () => {
    const csi = await driverFor({});
    const ref = { namespace: ns, name: 'planted' };
    const { path } = await csi.create(ref, {});
    await symlink('/etc', join(path, 'etc-link'));
    await symlink(outside, join(path, 'out-link'));
    await symlink('../../../../outside', join(path, 'rel-link'));
    await symlink('/nonexistent-lb-test', join(path, 'dangling'));
    await mkdir(join(path, 'inner'));
    await symlink('inner', join(path, 'in-link'));
    for (const sub of ['etc-link', 'etc-link/passwd', 'out-link', 'out-link/new-dir', 'rel-link', 'dangling', 'dangling/x']) {
      const err = await errorOf(csi.path(ref, sub));
      expect(err).toBeInstanceOf(LbError);
      expect((err as LbError).code).toBe('INVALID_ARGUMENT');
      expect((err as LbError).message).toMatch(/sub-path escapes the volume/);
    }
    expect(existsSync(join(outside, 'new-dir'))).toBe(false);
    expect(existsSync('/nonexistent-lb-test')).toBe(false);
    // a symlink that stays inside is fine, and resolves to its target
    expect(await csi.path(ref, 'in-link/deeper')).toBe(join(path, 'inner', 'deeper'));
    // remove() deletes the links, never what they point at
    await csi.remove(ref);
    expect(existsSync(path)).toBe(false);
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('do not touch');
    expect(existsSync('/etc/passwd')).toBe(true);
  });

  it('accounts capacity against the node: 6 MiB + 6 MiB of 10 MiB does not fit until the first is removed', async () => {
    const csi = await driverFor({ capacity: 10 * MiB });
    const a = { namespace: ns, name: 'cap-a' };
    const b = { namespace: ns, name: 'cap-b' };
    expect((await csi.create(a, { capacity: 6 * MiB })).capacity).toBe(6 * MiB);
    const err = await errorOf(csi.create(b, { capacity: 6 * MiB }));
    expect(err).toBeInstanceOf(LbError);
    expect((err as LbError).code).toBe('FAILED_PRECONDITION');
    expect((err as LbError).message).toContain(String(6 * MiB));
    expect((err as LbError).message).toContain(String(10 * MiB));
    expect((await csi.list()).map((v) => v.name)).not.toContain('cap-b');
    expect(existsSync(join(stateDir, 'volumes', ns, 'cap-b'))).toBe(false);
    // the same volume again is not a second reservation
    await expect(csi.create(a, { capacity: 6 * MiB })).resolves.toMatchObject({ capacity: 6 * MiB });
    await csi.remove(a);
    await expect(csi.create(b, { capacity: 6 * MiB })).resolves.toMatchObject({ name: 'cap-b', capacity: 6 * MiB });
    await csi.remove(b);
    const bad = await errorOf(csi.create(a, { capacity: -1 }));
    expect((bad as LbError).code).toBe('INVALID_ARGUMENT');
  });

  it('keeps its state for a new driver instance: volumes, data and reservations', async () => {
    const first = await driverFor({ capacity: 10 * MiB });
    const ref = { namespace: ns, name: 'survivor' };
    const { path } = await first.create(ref, { capacity: 6 * MiB });
    await writeFile(join(path, 'data.bin'), Buffer.alloc(64 * 1024, 1));
    await first.dispose();

    const second = await driverFor({ capacity: 10 * MiB });
    const listed = (await second.list()).find((v) => v.name === 'survivor');
    expect(listed).toMatchObject({ namespace: ns, name: 'survivor', path, capacity: 6 * MiB });
    expect(listed?.used ?? 0).toBeGreaterThanOrEqual(64 * 1024);
    expect(await readFile(join(await second.path(ref), 'data.bin'))).toHaveLength(64 * 1024);
    const err = await errorOf(second.create({ namespace: ns, name: 'too-much' }, { capacity: 6 * MiB }));
    expect((err as LbError).code).toBe('FAILED_PRECONDITION');
    const records = JSON.parse(await readFile(join(stateDir, 'volumes', '.volumes.json'), 'utf8')) as { volumes: Record<string, { capacity: number }> };
    expect(records.volumes[`${ns}/survivor`].capacity).toBe(6 * MiB);
    await second.remove(ref);
    expect((await second.list()).find((v) => v.name === 'survivor')).toBeUndefined();
  });

  it('putFiles(): 0700 directory, 0600 files, replaced as a whole; removeFiles() is idempotent', async () => {
    const csi = (await driverFor({})) as HostdirStorage;
    const ref = { namespace: ns, name: 'secret-files' };
    const dir = await csi.putFiles(ref, { token: 's3cr3t', 'ca.crt': 'CERT' });
    expect(dir).toBe(join(stateDir, 'volumes', '.files', ns, 'secret-files'));
    expect((await lstat(dir)).mode & 0o777).toBe(0o700);
    expect((await lstat(join(dir, 'token'))).mode & 0o777).toBe(0o600);
    await csi.putFiles(ref, { token: 'new' });
    expect(await readdir(dir)).toEqual(['token']);
    expect(await readFile(join(dir, 'token'), 'utf8')).toBe('new');
    expect((await readdir(join(stateDir, 'volumes', '.files', ns))).sort()).toEqual(['secret-files']); // no temp or old dirs left
    await csi.removeFiles(ref);
    expect(existsSync(dir)).toBe(false);
    await csi.removeFiles(ref);
  });

  describe('paths and files published for a pod', () => {
    const pod = { namespace: ns, pod: 'web-0123456789' };
    const podDir = join(stateDir, '.pods', ns, pod.pod);
    const TMPFS = 0x01021994;

    it('pins the checked directory: a symlink swapped in afterwards is not followed, now or at a later call', async () => {
      const csi = await driverFor({});
      const ref = { namespace: ns, name: 'pinned' };
      const { path } = await csi.create(ref, {});
      await mkdir(join(path, 'sub'));
      await writeFile(join(path, 'sub', 'inside'), 'in the volume');
      const pinned = await csi.path(ref, 'sub', pod);
      expect(pinned.startsWith(join(podDir, 'v') + '/')).toBe(true);
      expect(await mountsBelow(pinned)).toEqual([pinned]);
      expect(await readdir(pinned)).toEqual(['inside']);
      // Another container swaps the checked folder for a symlink out of the volume.
      await rename(join(path, 'sub'), join(path, 'sub.real'));
      await symlink(outside, join(path, 'sub'));
      expect(await readdir(pinned)).toEqual(['inside']);
      expect(await csi.path(ref, 'sub', pod)).toBe(pinned); // the same pin, every sync
      expect(await readdir(pinned)).toEqual(['inside']);
      // The pin is the directory itself, wherever it was moved inside the volume.
      await writeFile(join(pinned, 'written'), 'x');
      expect(existsSync(join(path, 'sub.real', 'written'))).toBe(true);
      expect(existsSync(join(outside, 'written'))).toBe(false);
      // Unpinned, the symlink is refused as before.
      await expect(csi.path(ref, 'sub')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      // A pinned directory that was deleted is pinned again from what the sub-path is now.
      await unlink(join(path, 'sub'));
      await rm(join(path, 'sub.real'), { recursive: true });
      await mkdir(join(path, 'sub'));
      await writeFile(join(path, 'sub', 'fresh'), 'new');
      expect(await csi.path(ref, 'sub', pod)).toBe(pinned);
      expect(await readdir(pinned)).toEqual(['fresh']);
      // The whole volume and a symlink that stays inside it are pinned too.
      await mkdir(join(path, 'inner'));
      await symlink('inner', join(path, 'in-link'));
      await writeFile(join(path, 'inner', 'i'), 'i');
      expect(await readdir(await csi.path(ref, 'in-link', pod))).toEqual(['i']);
      expect((await readdir(await csi.path(ref, undefined, pod))).sort()).toEqual(['in-link', 'inner', 'sub']);
      await (csi as HostdirStorage).unpublish(pod);
      expect(await mountsBelow(join(stateDir, '.pods'))).toEqual([]);
      expect(existsSync(join(stateDir, '.pods'))).toBe(false);
      await csi.remove(ref);
    });

    it('re-walks the checked path without following a symlink at any component', async () => {
      const csi = await driverFor({});
      const ref = { namespace: ns, name: 'walk' };
      const { path } = await csi.create(ref, {});
      await mkdir(join(path, 'a', 'b'), { recursive: true });
      const fh = await openBeneath(path, ['a', 'b']);
      expect((await fh.stat()).ino).toBe((await lstat(join(path, 'a', 'b'))).ino);
      await fh.close();
      await symlink(outside, join(path, 'link'));
      await writeFile(join(path, 'file'), '');
      for (const segs of [['link'], ['a', '..', 'a'], ['file'], ['missing'], ['a/b']])
        await expect(openBeneath(path, segs)).rejects.toBeInstanceOf(LbError);
      await expect(openBeneath(path, ['link'])).rejects.toMatchObject({ code: 'CONFLICT' });
      await csi.remove(ref);
    });

    it('writes the pod\'s files on a tmpfs of its own and releases them with the pod; retain() drops stale pods', async () => {
      const csi = (await driverFor({})) as HostdirStorage;
      const other = { namespace: ns, pod: 'other-0123456789' };
      const dir = await csi.putFiles({ namespace: ns, name: 'secret-db' }, { password: 'hunter2' }, pod);
      expect(dir).toBe(join(podDir, 'f', 'secret-db'));
      expect((await statfs(dir)).type).toBe(TMPFS);
      expect((await lstat(join(dir, 'password'))).mode & 0o777).toBe(0o600);
      expect(await csi.putFiles({ namespace: ns, name: 'secret-db' }, { password: 'rotated' }, pod)).toBe(dir);
      expect(await readFile(join(dir, 'password'), 'utf8')).toBe('rotated');
      const otherDir = await csi.putFiles({ namespace: ns, name: 'config-app' }, { a: '1' }, other);
      const ref = { namespace: ns, name: 'retained' };
      await csi.create(ref, {});
      const pinned = await csi.path(ref, 'x', other);
      expect((await mountsBelow(join(stateDir, '.pods'))).sort()).toEqual([join(stateDir, '.pods', ns, other.pod), podDir, pinned].sort());

      await csi.retain([other]);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(podDir)).toBe(false);
      expect(await readFile(join(otherDir, 'a'), 'utf8')).toBe('1');
      await csi.unpublish(pod); // idempotent
      await csi.retain([]);
      expect(await mountsBelow(join(stateDir, '.pods'))).toEqual([]);
      expect(existsSync(join(stateDir, '.pods'))).toBe(false);
      await csi.remove(ref);
      await expect(csi.putFiles({ namespace: ns, name: 'f' }, {}, { namespace: ns, pod: '../x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('refuses to publish when its directory would lie inside a volume', async () => {
      const root = join(outer, 'state', 'wide-root');
      const csi = new HostdirStorage({ root, pods: join(root, 'ns1', 'vol', '.pods') }, silent, { name: 'hostdir', version: '0', api: ['2'] });
      expect((await csi.probe()).state).toBe('error');
      await expect(csi.putFiles({ namespace: ns, name: 'f' }, {}, pod)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
      rmSync(root, { recursive: true, force: true });
    });
  });

  it('probe() reports an unusable root with the reason', async () => {
    const file = join(outer, 'state', 'not-a-dir');
    await writeFile(file, '');
    const csi = await driverFor({ root: join(file, 'volumes') });
    const probe = await csi.probe();
    expect(probe.state).toBe('error');
    expect(probe.message).toMatch(/not-a-dir/);
    rmSync(file);
  });

  it('leaves nothing of its own behind once everything is removed', async () => {
    const root = join(stateDir, 'volumes');
    const left = (await readdir(root)).filter((e) => e !== '.volumes.json' && e !== '.files');
    expect(left).toEqual([]);
  });
});
