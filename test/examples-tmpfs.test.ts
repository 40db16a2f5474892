// The third-party example driver in examples/driver-tmpfs, as a user would get it: built and packed with npm
// (outside the repo's workspaces, `file:../../sdk` bundled into the tarball), installed from the tarball into
// a prefix of its own like `<data-dir>/drivers`, loaded from there and run against the CSI conformance suite.
// Its volumes live on a tmpfs the driver mounts at a temp root on first use; afterAll unmounts it. The
// example is packed from a copy, so the repo's example directory is never touched.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, statfs, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DRIVER_API_VERSION, driverIdentity, isDriverDefinition, type DriverDefinition, type StorageDriver } from '@lastbackend/sdk';
import { runCsiConformance, packageDriverInfo } from '@lastbackend/sdk/testing';
import { installTarball, packExample } from './example-package';
import { IMAGE, TestServer, readyPods, removeHostOverlay, uniq, waitFor } from './harness';

interface TmpfsConfig {
  root: string;
  size: number;
}
interface TmpfsModule {
  default: DriverDefinition<TmpfsConfig>;
  configSchema: { parse(v: unknown): TmpfsConfig; safeParse(v: unknown): { success: boolean } };
}

const MiB = 1024 * 1024;
const SIZE = 16 * MiB;
const work = mkdtempSync(join(tmpdir(), 'lb-tmpfs-example-'));
const prefix = join(work, 'drivers'); // like <data-dir>/drivers
const root = join(work, 'root'); // the driver creates it and mounts its tmpfs there
const installed = join(prefix, 'node_modules', '@example', 'driver-tmpfs');
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The mount at exactly `dir` per /proc/self/mounts (the top one), as [fstype, options]. */
function mountAt(dir: string): [string, string[]] | undefined {
  const lines = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' '));
  const hit = lines.filter((f) => f.length >= 4 && f[1].replace(/\\040/g, ' ') === dir).pop();
  return hit ? [hit[2], hit[3].split(',')] : undefined;
}

let mod: TmpfsModule;
let csi: StorageDriver;

async function makeDriver(config: unknown): Promise<StorageDriver> {
  const made = await mod.default.create({
    config: mod.configSchema.parse(config),
    logger: silent,
    stateDir: join(work, 'state'),
    node: 'test',
    info: packageDriverInfo(installed),
  });
  if (!made.csi) throw new Error('the driver made no csi instance');
  return made.csi;
}

beforeAll(async () => {
  installTarball(packExample('driver-tmpfs', work), prefix);
  mod = require(installed) as TmpfsModule;
  csi = await makeDriver({ root, size: SIZE });
}, 150_000);

afterAll(async () => {
  await csi?.dispose();
  // dispose() leaves the tmpfs mounted (workloads may use it): unmounted here, before anything is deleted.
  for (let i = 0; i < 5 && mountAt(root)?.[0] === 'tmpfs'; i++) execFileSync('umount', [root]);
  rmSync(work, { recursive: true, force: true });
});

describe('example driver @example/driver-tmpfs, installed from its npm tarball', () => {
  const ns = 'tmpfs-example';

  it('is a csi driver package the kernel accepts: manifest, brand across SDK copies, strict config', () => {
    const pj = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { name: string; lastbackend: unknown };
    expect(pj).toMatchObject({ name: '@example/driver-tmpfs', lastbackend: { kind: ['csi'], api: DRIVER_API_VERSION } });
    // Its SDK is the copy bundled in the tarball, not the repo's; the brand still matches.
    expect(require.resolve('@lastbackend/sdk', { paths: [installed] })).toContain(installed);
    expect(isDriverDefinition(mod.default)).toBe(true);
    // Its identity is its package.json's; the definition carries the driver API of the SDK it was built with.
    expect(driverIdentity(pj)).toMatchObject({ name: 'tmpfs', kinds: ['csi'], api: DRIVER_API_VERSION });
    expect(mod.default).toMatchObject({ api: DRIVER_API_VERSION });
    expect(mod.configSchema.parse({ root: '/run/lb-tmpfs' })).toEqual({ root: '/run/lb-tmpfs', size: 64 * MiB });
    expect(mod.configSchema.safeParse({}).success).toBe(false);
    expect(mod.configSchema.safeParse({ root: 'relative' }).success).toBe(false);
    expect(mod.configSchema.safeParse({ root: '/x', extra: 1 }).success).toBe(false);
  });

  it('mounts a tmpfs of the configured size at root on first use', async () => {
    expect(existsSync(root)).toBe(false); // nothing happens before first use
    const status = await csi.create({ namespace: ns, name: 'first' }, { capacity: MiB });
    const mount = mountAt(root);
    expect(mount?.[0]).toBe('tmpfs');
    expect(mount?.[1]).toEqual(expect.arrayContaining([`size=${SIZE / 1024}k`, 'mode=700']));
    const fs = await statfs(root);
    expect(fs.bsize * fs.blocks).toBe(SIZE);
    expect(status.path.startsWith(`${root}/`)).toBe(true);
    await expect(csi.probe()).resolves.toEqual({ state: 'ready' });
    // A second instance on the same root finds the tmpfs (no second mount) and the same volumes.
    const again = await makeDriver({ root, size: SIZE });
    expect((await again.list()).map((v) => v.name)).toContain('first');
    expect(readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1] === root)).toHaveLength(1);
    await again.dispose();
    await csi.remove({ namespace: ns, name: 'first' });
  });

  it('does not follow a symlink planted in a volume out of it', async () => {
    const ref = { namespace: ns, name: 'planted' };
    const status = await csi.create(ref, { capacity: MiB });
    const outside = join(work, 'outside');
    await mkdir(outside);
    await symlink(outside, join(status.path, 'out'));
    await symlink('/etc', join(status.path, 'etc'));
    for (const sub of ['out', 'out/x', 'etc', 'etc/x']) await expect(csi.path(ref, sub)).rejects.toMatchObject({ name: 'LbError', code: 'INVALID_ARGUMENT' });
    expect(readdirSync(outside)).toEqual([]);
    await csi.remove(ref);
    expect(existsSync(outside)).toBe(true); // remove() deleted the link, not its target
  });

  it('refuses capacity beyond size with FAILED_PRECONDITION and creates nothing', async () => {
    const refused = { name: 'LbError', code: 'FAILED_PRECONDITION' };
    await expect(csi.create({ namespace: ns, name: 'too-big' }, { capacity: SIZE + 1 })).rejects.toMatchObject(refused);
    const left = SIZE - (await csi.list()).reduce((sum, v) => sum + v.capacity, 0);
    await expect(csi.create({ namespace: ns, name: 'rest' }, { capacity: left })).resolves.toMatchObject({ capacity: left });
    await expect(csi.create({ namespace: ns, name: 'one-more' }, { capacity: 1 })).rejects.toMatchObject(refused);
    expect((await csi.list()).filter((v) => v.namespace === ns).map((v) => v.name)).toEqual(['rest']);
    await csi.remove({ namespace: ns, name: 'rest' });
    await expect(csi.create({ namespace: ns, name: 'one-more' }, { capacity: 1 })).resolves.toMatchObject({ capacity: 1 });
    await csi.remove({ namespace: ns, name: 'one-more' });
  });
});

runCsiConformance('tmpfs example', async () => ({ csi }));

describe('the example swapped into a running platform', () => {
  const root2 = join(work, 'platform-root');
  let s: TestServer | undefined;
  afterAll(async () => {
    const ids = s?.containers() ?? [];
    await s?.stop();
    if (ids.length) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
    // stop(), not cleanup() (that would remove the data dir under the mounted tmpfs): so the overlay goes here.
    removeHostOverlay();
    for (let i = 0; i < 5 && mountAt(root2)?.[0] === 'tmpfs'; i++) execFileSync('umount', [root2]);
  });

  it('is found in <data dir>/drivers, swapped in by lb driver set, and serves new volumes', async () => {
    // the server's data dir is `work`, so the tarball installed into `work/drivers` is where it looks
    s = await TestServer.start({ dataDir: work });
    const ns = uniq('tmpfs');
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    const r = await s.lb(['driver', 'set', 'csi', '@example/driver-tmpfs', '--config', JSON.stringify({ root: root2, size: SIZE })]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`csi driver is @example/driver-tmpfs@${(JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'driver-tmpfs', 'package.json'), 'utf8')) as { version: string }).version} (ready)`);
    await s.client.create('volume', ns, { kind: 'Volume', meta: { name: 'scratch' }, spec: {} });
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'scratch' },
      spec: {
        replicas: 1,
        template: {
          volumes: [{ name: 'd', volume: { name: 'scratch' } }],
          containers: [{ name: 'c', image: { name: IMAGE }, command: ['sh', '-c', 'echo on-tmpfs > /data/f; exec sleep 3600'], volumes: [{ name: 'd', path: '/data' }] }],
        },
      },
    });
    await waitFor(() => s!.pods(ns, 'scratch'), (p) => readyPods(p).length === 1, 'scratch ready');
    expect(mountAt(root2)?.[0]).toBe('tmpfs');
    await waitFor(async () => existsSync(join(root2, 'volumes', ns, 'scratch', 'f')), (ok) => ok, 'the file on the tmpfs volume');
    expect(readFileSync(join(root2, 'volumes', ns, 'scratch', 'f'), 'utf8')).toBe('on-tmpfs\n');
  });
});
