// Conformance suite for storage (CSI) drivers: volumes are created, found, written to and removed as the
// contract says; sub-paths stay inside their volume; files for secrets/configs are exactly the set given; bad
// names and paths are refused with a coded error and change nothing. The suite runs on the host the driver
// serves (it reads and writes the host paths the driver returns).
//   runCsiConformance('hostdir', async () => ({ csi, cleanup }));
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DRIVER_API_VERSION, type StorageDriver, type VolumeRef, type VolumeStatus } from '../drivers/types';
import { isLbErrorLike, uniqueSuffix } from './helpers';

export interface CsiConformanceSubject {
  csi: StorageDriver;
  /**
   * Called after the suite, after its volumes were removed (e.g. to dispose the driver and delete a temp root).
   * The StorageDriver interface has no removal for putFiles directories: remove them here if they matter.
   */
  cleanup?: () => Promise<void>;
}

/** Capacity each volume of the suite asks for (small, so a node with little space passes). */
const CAPACITY = 1024 * 1024;

const inside = (parent: string, child: string): boolean => {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
};

/** realpath when the path exists, else its resolved form. */
const real = async (p: string): Promise<string> => realpath(p).catch(() => resolve(p));

const rejection = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => new Error('expected a rejection, but the call succeeded'),
    (e: unknown) => e,
  );

const summary = (list: VolumeStatus[]): string[] => list.map((v) => `${v.namespace}/${v.name}`).sort();

/** Registers a describe() block that checks `factory()`'s storage driver against the CSI contract. */
export function runCsiConformance(name: string, factory: () => Promise<CsiConformanceSubject>): void {
  describe(`CSI conformance: ${name}`, () => {
    const run = uniqueSuffix();
    const namespace = `lbconf-${run}`;
    const created = new Map<string, VolumeRef>();
    let subject: CsiConformanceSubject | undefined;

    const csi = (): StorageDriver => {
      if (!subject) throw new Error('the conformance factory failed; see the beforeAll error');
      return subject.csi;
    };
    const ref = (purpose: string): VolumeRef => ({ namespace, name: `${purpose}-${run}`.slice(0, 63).replace(/-+$/, '') });
    const create = async (r: VolumeRef): Promise<VolumeStatus> => {
      created.set(`${r.namespace}/${r.name}`, r);
      return csi().create(r, { capacity: CAPACITY });
    };
    const ours = async (): Promise<string[]> => summary((await csi().list()).filter((v) => v.namespace === namespace));
    const expectLbError = async (p: Promise<unknown>, what: string): Promise<void> => {
      const err = await rejection(p);
      if (!isLbErrorLike(err)) throw new Error(`${what}: expected an LbError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    };

    beforeAll(async () => {
      subject = await factory();
    });

    afterAll(async () => {
      if (subject) for (const r of created.values()) await subject.csi.remove(r).catch(() => undefined);
      await subject?.cleanup?.();
    });

    it('info() names the driver and speaks the SDK driver API; probe() reports ready', async () => {
      const info = csi().info();
      expect(info.name.length).toBeGreaterThan(0);
      expect(info.api).toContain(DRIVER_API_VERSION);
      await expect(csi().probe()).resolves.toMatchObject({ state: 'ready' });
    });

    it('create() returns the volume with a host path that is an existing directory', async () => {
      const r = ref('create');
      const status = await create(r);
      expect(status).toMatchObject({ namespace: r.namespace, name: r.name });
      expect(status.capacity).toBeGreaterThanOrEqual(CAPACITY);
      expect(isAbsolute(status.path)).toBe(true);
      expect((await lstat(await real(status.path))).isDirectory()).toBe(true);
      expect(await real(await csi().path(r))).toBe(await real(status.path));
    });

    it('create() is idempotent by name: the same volume and path again', async () => {
      const r = ref('idem');
      const first = await create(r);
      const second = await create(r);
      expect(second.path).toBe(first.path);
      expect(second).toMatchObject({ namespace: r.namespace, name: r.name });
      expect((await ours()).filter((k) => k === `${r.namespace}/${r.name}`)).toHaveLength(1);
    });

    it('data written into the volume stays there across list() and path()', async () => {
      const r = ref('data');
      const status = await create(r);
      await writeFile(join(status.path, 'hello.txt'), 'hello, volume\n');
      expect(await ours()).toContain(`${r.namespace}/${r.name}`);
      const again = await create(r);
      expect(await readFile(join(again.path, 'hello.txt'), 'utf8')).toBe('hello, volume\n');
      expect(await readFile(join(await csi().path(r), 'hello.txt'), 'utf8')).toBe('hello, volume\n');
    });

    it('path(ref, subPath) stays inside the volume', async () => {
      const r = ref('sub');
      await create(r);
      const vol = await real(await csi().path(r));
      const sub = await real(await csi().path(r, 'a/b'));
      expect(sub).not.toBe(vol);
      expect(inside(vol, sub)).toBe(true);
      expect(inside(join(vol, 'a'), sub)).toBe(true);
      expect(inside(vol, await real(await csi().path(r, './a//b/')))).toBe(true);
    });

    it('path() refuses sub-paths that leave the volume, and creates nothing outside it', async () => {
      const r = ref('escape');
      await create(r);
      const vol = await real(await csi().path(r));
      const sibling = join(vol, '..', 'x');
      const before = existsSync(sibling);
      for (const bad of ['../x', '/etc', 'a/../../x', '..', 'a/b/../../../x'])
        await expectLbError(csi().path(r, bad), `path(ref, ${JSON.stringify(bad)})`);
      expect(existsSync(sibling)).toBe(before);
    });

    it('path() of a volume that does not exist is refused', async () => {
      await expectLbError(csi().path(ref('never-created')), 'path() of a missing volume');
    });

    it('remove() deletes the volume and is idempotent', async () => {
      const r = ref('remove');
      const status = await create(r);
      await writeFile(join(status.path, 'f'), 'x');
      await csi().remove(r);
      expect(await ours()).not.toContain(`${r.namespace}/${r.name}`);
      expect(existsSync(status.path)).toBe(false);
      await csi().remove(r);
      await csi().remove(ref('never-created'));
    });

    it('list() reflects creates and removes', async () => {
      const a = ref('list-a');
      const b = ref('list-b');
      const before = await ours();
      await create(a);
      await create(b);
      expect(await ours()).toEqual([...before, `${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`].sort());
      await csi().remove(a);
      expect(await ours()).toEqual([...before, `${b.namespace}/${b.name}`].sort());
      await csi().remove(b);
      expect(await ours()).toEqual(before);
    });

    it('putFiles() writes exactly the given files, and a second call replaces the set', async () => {
      const r = ref('files');
      const first = await csi().putFiles(r, { 'a.txt': 'A', 'b.conf': 'b = 1\n', '.env': 'X=1' });
      expect((await lstat(await real(first))).isDirectory()).toBe(true);
      expect((await readdir(first)).sort()).toEqual(['.env', 'a.txt', 'b.conf']);
      expect(await readFile(join(first, 'a.txt'), 'utf8')).toBe('A');
      expect(await readFile(join(first, 'b.conf'), 'utf8')).toBe('b = 1\n');
      expect(await readFile(join(first, '.env'), 'utf8')).toBe('X=1');

      const second = await csi().putFiles(r, { 'b.conf': 'b = 2\n', c: '' });
      expect((await readdir(second)).sort()).toEqual(['b.conf', 'c']);
      expect(await readFile(join(second, 'b.conf'), 'utf8')).toBe('b = 2\n');
      expect(await readFile(join(second, 'c'), 'utf8')).toBe('');
      expect(existsSync(join(second, 'a.txt'))).toBe(false);

      const empty = await csi().putFiles(r, {});
      expect(await readdir(empty)).toEqual([]);
    });

    it('putFiles() refuses file names that are not plain names', async () => {
      const r = ref('badfiles');
      for (const key of ['../evil', 'a/b', '..', '.', '', '/etc/passwd'])
        await expectLbError(csi().putFiles(r, { [key]: 'x' }), `putFiles key ${JSON.stringify(key)}`);
    });

    it('refuses names that are not DNS labels, with a coded error, and changes nothing', async () => {
      const listBefore = summary(await csi().list());
      const bad = ['..', 'a/b', 'UPPER', '', '.', '-lead', 'dots.in.name', '/abs', 'x'.repeat(64)];
      for (const b of bad) {
        for (const r of [{ namespace, name: b }, { namespace: b, name: 'ok' }]) {
          const what = JSON.stringify(r);
          await expectLbError(csi().create(r, { capacity: CAPACITY }), `create(${what})`);
          await expectLbError(csi().path(r), `path(${what})`);
          await expectLbError(csi().remove(r), `remove(${what})`);
          await expectLbError(csi().putFiles(r, { f: 'x' }), `putFiles(${what})`);
        }
      }
      expect(summary(await csi().list())).toEqual(listBefore);
    });
  });
}
