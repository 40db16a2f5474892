// The containerd driver against a real containerd it starts itself, pulling from a private registry on
// 127.0.0.1: the SDK conformance suites plus containerd-specific checks.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LABEL_NAMESPACE,
  LABEL_POD,
  LABEL_SERVICE,
  LbError,
  driverIdentity,
  parseOrThrow,
  type ContainerRuntime,
  type ContainerSpec,
  type DriverContext,
  type DriverInstances,
  type ImageService,
  type LogLine,
} from '@lastbackend/sdk';
import { runCiiConformance, runCriConformance, packageDriverInfo } from '@lastbackend/sdk/testing';
import { HostdirStorage, mountsBelow } from '@lastbackend/driver-hostdir';
import def, { type ContainerdDriverConfig } from '../src/index';
import { Containerd } from '../src/grpc';
import type { OciSpec } from '../src/oci-spec';
import { startEnvironment, type TestEnvironment } from './environment';

const quiet = process.env.LB_TEST_VERBOSE ? console : { debug() {}, info() {}, warn() {}, error() {} };
const stateDirs: string[] = [];
let env: TestEnvironment | undefined;

const environment = (): TestEnvironment => {
  if (!env) throw new Error('the containerd test environment did not start; see the beforeAll error');
  return env;
};

/** Loads the driver through its default export, as the kernel does. */
async function load(config: Record<string, unknown> = {}, stateDir?: string): Promise<DriverInstances> {
  if (!def.configSchema) throw new Error('the containerd driver declares a config schema');
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), 'lb-ctd-driver-'));
  if (!stateDir) stateDirs.push(dir);
  const ctx: DriverContext<ContainerdDriverConfig> = {
    config: parseOrThrow(
      def.configSchema,
      { address: environment().socket, namespace: environment().namespace, ...config },
      'invalid containerd driver config',
    ),
    logger: {
      debug: (m, meta) => quiet.debug(m, meta ?? ''),
      info: (m, meta) => quiet.info(m, meta ?? ''),
      warn: (m, meta) => console.warn(m, meta ?? ''),
      error: (m, meta) => console.error(m, meta ?? ''),
    },
    stateDir: dir,
    node: 'test',
    info: packageDriverInfo(join(__dirname, '..')),
  };
  return def.create(ctx);
}

const criOf = (d: DriverInstances): ContainerRuntime => {
  if (!d.cri) throw new Error('the containerd driver did not return a CRI');
  return d.cri;
};
const ciiOf = (d: DriverInstances): ImageService => {
  if (!d.cii) throw new Error('the containerd driver did not return a CII');
  return d.cii;
};

beforeAll(async () => {
  env = await startEnvironment();
  const drivers = await load();
  try {
    await ciiOf(drivers).pull(env.image);
  } finally {
    await drivers.cri?.dispose();
    await drivers.cii?.dispose();
  }
}, 180_000);

afterAll(async () => {
  await env?.stop();
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
}, 120_000);

runCriConformance('containerd', async () => {
  const cri = criOf(await load());
  return { cri, image: environment().image, cleanup: () => cri.dispose() };
});

runCiiConformance('containerd', async () => {
  const cii = ciiOf(await load());
  return { cii, presentImage: environment().image, pullableImage: environment().image, cleanup: () => cii.dispose() };
});

describe('containerd driver', () => {
  const run = `${process.pid}-${randomBytes(3).toString('hex')}`;
  let drivers: DriverInstances;
  const created: string[] = [];
  const extra: DriverInstances[] = [];

  const cri = () => criOf(drivers);
  const cii = () => ciiOf(drivers);
  const spec = (purpose: string, over: Partial<ContainerSpec> = {}): ContainerSpec => {
    const name = `lbctd-${purpose}-${run}`;
    created.push(name);
    return {
      name,
      image: environment().image,
      env: {},
      labels: { [LABEL_NAMESPACE]: 'driver-test', [LABEL_SERVICE]: `svc-${run}`, [LABEL_POD]: name },
      network: { mode: 'default' },
      resources: {},
      mounts: [],
      stopTimeout: 1,
      ...over,
    };
  };
  /** The OCI spec containerd holds for a container. */
  const ociSpecOf = async (id: string): Promise<OciSpec> => {
    const ctd = new Containerd(environment().socket, environment().namespace);
    try {
      const { container } = await ctd.call<{ container: { spec: { value: Buffer } } }>('containers', 'Get', { id });
      return JSON.parse(container.spec.value.toString('utf8')) as OciSpec;
    } finally {
      ctd.close();
    }
  };

  beforeAll(async () => {
    drivers = await load();
  });

  afterAll(async () => {
    for (const name of created) await cri().remove(name).catch(() => undefined);
    for (const d of [drivers, ...extra]) {
      await d?.cri?.dispose();
      await d?.cii?.dispose();
    }
  });

  it('has the declared identity', () => {
    // Declared once, in its package.json; the kernel hands it to the driver (ctx.info).
    const identity = driverIdentity(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')));
    expect(identity.name).toBe('containerd');
    expect(identity.kinds).toEqual(['cri', 'cii']);
    expect(cri().info()).toEqual({ name: 'containerd', version: (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version, api: ['2'] });
    expect(cri().capabilities).toEqual({ exec: true, logsFollow: true, events: true, networkNone: true });
    expect(cii().capabilities).toEqual({ push: false, import: false });
  });

  it('config schema fills defaults and rejects unknown fields, naming the field', () => {
    const schema = def.configSchema;
    if (!schema) throw new Error('no config schema');
    expect(parseOrThrow(schema, {})).toEqual({
      address: '/run/containerd/containerd.sock',
      namespace: 'lastbackend',
      snapshotter: 'overlayfs',
      runtime: 'io.containerd.runc.v2',
      insecure_registries: ['127.0.0.1', 'localhost'],
    });
    let fields: string[] = [];
    try {
      parseOrThrow(schema, { adress: '/x' });
    } catch (e) {
      expect(e).toBeInstanceOf(LbError);
      fields = ((e as LbError).details.fields ?? []).map((f) => f.field);
    }
    expect(fields).toEqual(['adress']);
  });

  it('pulling twice is idempotent: one image, same id, its name as tag', async () => {
    const first = await cii().pull(environment().image);
    const second = await cii().pull(environment().image);
    expect(second).toEqual(first);
    expect(first.id).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(first.tags).toEqual([environment().image]);
    expect(first.size).toBeGreaterThan(0);
    const listed = (await cii().list()).filter((i) => i.id === first.id);
    expect(listed).toHaveLength(1);
    expect(await cii().inspect(first.id)).toEqual(first);
    // The gc labels keep content and snapshots once the pull's lease is gone: collect now and run from it.
    const ctd = new Containerd(environment().socket, environment().namespace);
    try {
      await ctd.call('leases', 'Create', { id: `gc-${run}` });
      await ctd.call('leases', 'Delete', { id: `gc-${run}`, sync: true });
    } finally {
      ctd.close();
    }
    expect(await cii().inspect(environment().image)).toEqual(first);
    const status = await cri().create(spec('aftergc', { command: ['sh', '-c', 'echo still here'] }));
    await cri().start(status.id);
    expect(await cri().wait(status.id)).toBe(0);
    await cri().remove(status.id);
  });

  it('probe() against a missing socket reports an error that says what to start', async () => {
    const missing = join(tmpdir(), `no-containerd-${run}.sock`);
    const broken = await load({ address: missing });
    try {
      const result = await broken.cri?.probe();
      expect(result?.state).toBe('error');
      expect(result?.message).toContain(`containerd not reachable at ${missing}`);
      expect(result?.message).toContain('start containerd');
      const err = await broken.cri?.list().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LbError);
      expect((err as LbError).code).toBe('UNAVAILABLE');
    } finally {
      await broken.cri?.dispose();
      await broken.cii?.dispose();
    }
  });

  it('create() of a missing image fails with NOT_FOUND instead of pulling', async () => {
    const err = await cri()
      .create(spec('noimage', { image: `lb-test/missing-${run}:latest` }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LbError);
    expect((err as LbError).code).toBe('NOT_FOUND');
  });

  it('writes cpu, ram, env, mounts and resolver into the OCI spec', async () => {
    const hostDir = mkdtempSync(join(tmpdir(), 'lb-ctd-mount-'));
    stateDirs.push(hostDir);
    const s = spec('resources', {
      resources: { cpu: 500, ram: 64 * 1024 * 1024 },
      env: { A: '1' },
      mounts: [{ source: hostDir, target: '/data', readonly: true }],
      dns: { servers: ['10.0.0.10'], search: ['svc.local'], options: ['ndots:2'] },
      command: ['sh', '-c', 'exec sleep 600'],
    });
    const status = await cri().create(s);
    const oci = await ociSpecOf(status.id);
    expect(oci.linux.resources.memory).toEqual({ limit: 67_108_864 });
    expect(oci.linux.resources.cpu).toEqual({ quota: 50_000, period: 100_000 });
    expect(oci.process.env).toEqual(expect.arrayContaining(['A=1', 'PATH=/bin']));
    expect(oci.mounts).toEqual(expect.arrayContaining([{ destination: '/data', type: 'bind', source: hostDir, options: ['rbind', 'rprivate', 'ro'] }]));
    await cri().start(status.id);
    const resolv = await cri().exec(status.id, ['cat', '/etc/resolv.conf']);
    expect(resolv.stdout).toBe('nameserver 10.0.0.10\nsearch svc.local\noptions ndots:2\n');
    const write = await cri().exec(status.id, ['touch', '/data/x']);
    expect(write.exitCode).not.toBe(0);
    await cri().remove(status.id);
  });

  it('mounts the directory the CSI driver pinned: a sub-folder swapped for a symlink afterwards is not followed, at start or restart', async () => {
    const base = mkdtempSync(join(tmpdir(), 'lb-ctd-pin-'));
    stateDirs.push(base);
    const outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'outside-marker'), '');
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    const csi = new HostdirStorage({ root: join(base, 'volumes'), pods: join(base, '.pods') }, silent, { name: 'hostdir', version: '0', api: ['2'] });
    const ref = { namespace: 'driver-test', name: 'pinned' };
    const pod = { namespace: 'driver-test', pod: `pin-${run}` };
    const { path } = await csi.create(ref, {});
    try {
      await mkdir(join(path, 'sub'));
      await writeFile(join(path, 'sub', 'inside'), '');
      const source = await csi.path(ref, 'sub', pod);
      // Another container of the volume swaps the checked sub-folder for a symlink out of it.
      await rename(join(path, 'sub'), join(path, 'sub.real'));
      await symlink(outside, join(path, 'sub'));
      const status = await cri().create(spec('pinned', { command: ['sh', '-c', 'ls /mnt/sub'], mounts: [{ source, target: '/mnt/sub', readonly: false }] }));
      expect((await ociSpecOf(status.id)).mounts).toContainEqual({ destination: '/mnt/sub', type: 'bind', source, options: ['rbind', 'rprivate', 'rw'] });
      const listed = async (): Promise<string[]> => {
        const out: string[] = [];
        for await (const l of cri().logs(status.id)) out.push(l.line);
        return out;
      };
      await cri().start(status.id);
      expect(await cri().wait(status.id)).toBe(0);
      await cri().start(status.id); // a restart mounts the same pinned directory again
      expect(await cri().wait(status.id)).toBe(0);
      expect(await listed()).toEqual(['inside', 'inside']);
      await cri().remove(status.id);
    } finally {
      await csi.unpublish(pod);
      await csi.remove(ref);
    }
    expect(await mountsBelow(base)).toEqual([]);
  });

  it('network "none" gives the container only a loopback interface', async () => {
    const status = await cri().create(spec('nonet', { command: ['sh', '-c', 'exec sleep 600'], network: { mode: 'none' } }));
    await cri().start(status.id);
    const res = await cri().exec(status.id, ['sh', '-c', "ls /sys/class/net"]);
    expect(res.exitCode).toBe(0);
    expect(res.stdout.trim().split(/\s+/)).toEqual(['lo']);
    const pid = (await cri().inspect(status.id))?.pid;
    expect(pid).toEqual(expect.any(Number));
    await cri().remove(status.id);
  });

  it('a container sharing another\'s network rejoins it after that one restarted', async () => {
    const web = await cri().create(spec('peer-web'));
    await cri().start(web.id);
    const side = await cri().create(
      spec('peer-side', { command: ['sh', '-c', 'exec sleep 600'], network: { mode: 'container', container: web.id } }),
    );
    await cri().start(side.id);
    await cri().stop(side.id, 1);
    await cri().stop(web.id, 1);
    await cri().start(web.id);
    await cri().start(side.id);
    const deadline = Date.now() + 10_000;
    let res = await cri().exec(side.id, ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/']);
    while (res.exitCode !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      res = await cri().exec(side.id, ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/']);
    }
    expect(res).toMatchObject({ exitCode: 0, stdout: 'hello from lb-test\n' });
    await cri().remove(side.id);
    await cri().remove(web.id);
  });

  it('exec() gives up with TIMEOUT after timeoutSeconds', async () => {
    const status = await cri().create(spec('exectimeout', { command: ['sh', '-c', 'exec sleep 600'] }));
    await cri().start(status.id);
    const began = Date.now();
    const err = await cri()
      .exec(status.id, ['sleep', '30'], { timeoutSeconds: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LbError);
    expect((err as LbError).code).toBe('TIMEOUT');
    expect(Date.now() - began).toBeLessThan(10_000);
    await cri().remove(status.id);
  });

  it('a container keeps running and logging while the driver restarts (recover)', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'lb-ctd-recover-'));
    stateDirs.push(stateDir);
    const first = await load({}, stateDir);
    extra.push(first);
    const script = 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.1; done';
    const s = spec('recover', { command: ['sh', '-c', script] });
    const status = await criOf(first).create(s);
    await criOf(first).start(status.id);
    const ticks = async (c: ContainerRuntime): Promise<number[]> => {
      const out: LogLine[] = [];
      for await (const l of c.logs(status.id)) out.push(l);
      return out.map((l) => Number(l.line.replace('tick ', '')));
    };
    const waitFor = async (c: ContainerRuntime, n: number): Promise<number[]> => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const seen = await ticks(c);
        if (seen.length && seen[seen.length - 1] >= n) return seen;
        if (Date.now() > deadline) throw new Error(`logs stopped at ${seen[seen.length - 1]} (wanted ${n})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const before = await waitFor(criOf(first), 3);
    await first.cri?.dispose();
    await first.cii?.dispose();
    await new Promise((r) => setTimeout(r, 500)); // ticks written while no driver reads them
    const second = await load({}, stateDir);
    extra.push(second);
    const after = await waitFor(criOf(second), before[before.length - 1] + 10);
    // Nothing lost or repeated across the restart: the pipe held what was written meanwhile.
    expect(after).toEqual(after.map((_, i) => after[0] + i));
    expect((await criOf(second).inspect(status.id))?.state).toBe('running');
    await criOf(second).remove(status.id);
    expect(await criOf(second).inspect(status.id)).toBeNull();
  });
});
