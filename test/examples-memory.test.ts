// The example CRI + CII driver in examples/driver-memory, as a user would get it: built and packed with npm
// (outside the workspaces, `file:../../sdk` bundled into the tarball), installed from the tarball into a
// prefix like `<data-dir>/drivers`, run against the SDK's CRI and CII conformance suites, then used by a real
// `lb server`. Its containers are records with an emulated shell; the tests below also pin down where that
// emulation stops, so nothing it cannot do is counted as done. It is packed from a copy of the example.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DRIVER_API_VERSION, driverIdentity, isDriverDefinition, type ContainerRuntime, type ContainerSpec, type DriverDefinition, type ImageService } from '@lastbackend/sdk';
import { runCiiConformance, runCriConformance, packageDriverInfo } from '@lastbackend/sdk/testing';
import { installTarball, packExample } from './example-package';
import { IMAGE, TestServer, readyPods, uniq, waitFor } from './harness';

interface MemoryModule {
  default: DriverDefinition<unknown>;
  configSchema: { parse(v: unknown): unknown; safeParse(v: unknown): { success: boolean } };
  commandNames(): string[];
}

const work = mkdtempSync(join(tmpdir(), 'lb-memory-example-'));
const prefix = join(work, 'drivers'); // like <data-dir>/drivers
const installed = join(prefix, 'node_modules', '@example', 'driver-memory');
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let mod: MemoryModule;

async function makeDriver(config: unknown = {}): Promise<{ cri: ContainerRuntime; cii: ImageService }> {
  const made = await mod.default.create({
    config: mod.configSchema.parse(config),
    logger: silent,
    stateDir: join(work, 'state'),
    node: 'test',
    info: packageDriverInfo(installed),
  });
  if (!made.cri || !made.cii) throw new Error('the driver made no cri or cii instance');
  return { cri: made.cri, cii: made.cii };
}

beforeAll(() => {
  installTarball(packExample('driver-memory', work), prefix);
  mod = require(installed) as MemoryModule;
}, 150_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('example driver @example/driver-memory, installed from its npm tarball', () => {
  it('is a cri + cii driver package the kernel accepts: manifest, brand across SDK copies, strict config', () => {
    const pj = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { name: string; lastbackend: unknown };
    expect(pj).toMatchObject({ name: '@example/driver-memory', lastbackend: { kind: ['cri', 'cii'], api: DRIVER_API_VERSION } });
    expect(require.resolve('@lastbackend/sdk', { paths: [installed] })).toContain(installed); // its bundled copy
    expect(isDriverDefinition(mod.default)).toBe(true);
    // Its identity is its package.json's; the definition carries the driver API of the SDK it was built with.
    expect(driverIdentity(pj)).toMatchObject({ name: 'memory', kinds: ['cri', 'cii'], api: DRIVER_API_VERSION });
    expect(mod.default).toMatchObject({ api: DRIVER_API_VERSION });
    expect(mod.configSchema.parse({})).toEqual({ images: [], registries: ['docker.io'], command: ['httpd', '-f', '-p', '8080'], logLines: 1000 });
    expect(mod.configSchema.safeParse({ extra: 1 }).success).toBe(false);
    expect(mod.configSchema.safeParse({ command: [] }).success).toBe(false);
  });

  it('declares networkNone: false (no netns, no pid for a CNI to attach), and the CRI suite checks it refuses mode "none"', async () => {
    const { cri } = await makeDriver();
    expect(cri.capabilities).toEqual({ exec: true, logsFollow: true, events: true, networkNone: false });
    expect(mod.commandNames()).toEqual(['[', 'echo', 'false', 'httpd', 'sh', 'sleep', 'test', 'touch', 'true', 'wget']);
  });
});

describe('where the emulation stops (each refused, never faked)', () => {
  let cri: ContainerRuntime;
  let cii: ImageService;
  const spec = (name: string, over: Partial<ContainerSpec> = {}): ContainerSpec => ({
    name,
    image: IMAGE,
    env: {},
    labels: {},
    network: { mode: 'default' },
    resources: {},
    mounts: [],
    ...over,
  });

  beforeAll(async () => {
    ({ cri, cii } = await makeDriver({ registries: ['docker.io'], logLines: 3 }));
    await cii.pull(IMAGE);
  });

  it('unknown commands exit 127 and shell syntax beyond the small grammar exits 2', async () => {
    const c = await cri.create(spec('limits'));
    await cri.start(c.id);
    await expect(cri.exec(c.id, ['cat', '/etc/hostname'])).resolves.toMatchObject({ exitCode: 127, stderr: 'sh: cat: not found\n' });
    for (const script of ['echo a | wc -l', 'echo $HOME', 'echo x > /tmp/f', 'if true; then echo; fi', 'for i in 1 2; do echo; done']) {
      const r = await cri.exec(c.id, ['sh', '-c', script]);
      expect(r).toMatchObject({ exitCode: 2, stdout: '' });
      expect(r.stderr).toMatch(/is not emulated/);
    }
    await cri.remove(c.id);
  });

  it('wget reaches only a server on the loopback of the same network, and has no other network', async () => {
    const c = await cri.create(spec('nonet', { command: ['sh', '-c', 'exec sleep 600'] }));
    await cri.start(c.id);
    await expect(cri.exec(c.id, ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/'])).resolves.toMatchObject({ exitCode: 1, stdout: '' });
    const far = await cri.exec(c.id, ['wget', '-q', '-O', '-', 'http://10.0.0.1:8080/']);
    expect(far).toMatchObject({ exitCode: 1, stdout: '' });
    expect(far.stderr).toMatch(/loopback only/);
    expect((await cri.inspect(c.id))?.ip).toBeUndefined();
    await cri.remove(c.id);
  });

  it('exec needs a running container and honours its timeout; logs keep the last logLines lines', async () => {
    const c = await cri.create(spec('short', { command: ['sh', '-c', 'echo 1; echo 2; echo 3; echo 4; echo 5'] }));
    await expect(cri.exec(c.id, ['echo', 'x'])).rejects.toMatchObject({ name: 'LbError', code: 'CONFLICT' });
    await cri.start(c.id);
    await expect(cri.wait(c.id)).resolves.toBe(0);
    const lines: string[] = [];
    for await (const l of cri.logs(c.id)) lines.push(l.line);
    expect(lines).toEqual(['3', '4', '5']);
    const busy = await cri.create(spec('busy', { command: ['sh', '-c', 'exec sleep 600'] }));
    await cri.start(busy.id);
    await expect(cri.exec(busy.id, ['sleep', '5'], { timeoutSeconds: 0.2 })).rejects.toMatchObject({ name: 'LbError', code: 'TIMEOUT' });
    await cri.stop(busy.id);
    expect(await cri.inspect(busy.id)).toMatchObject({ state: 'exited', exitCode: 137 });
    for (const id of [c.id, busy.id]) await cri.remove(id);
  });

  it('images: pulls only from configured registries, refuses to create from an absent image or remove one in use', async () => {
    await expect(cii.pull('registry.example.com/app:1')).rejects.toMatchObject({ name: 'LbError', code: 'UNAVAILABLE' });
    await expect(cri.create(spec('absent', { image: 'never/pulled:1' }))).rejects.toMatchObject({ name: 'LbError', code: 'NOT_FOUND' });
    await expect(cii.pull('Not A Ref')).rejects.toMatchObject({ name: 'LbError', code: 'INVALID_ARGUMENT' });
    const c = await cri.create(spec('user'));
    await expect(cii.remove(IMAGE)).rejects.toMatchObject({ name: 'LbError', code: 'CONFLICT' });
    await cri.remove(c.id);
    await cii.remove(IMAGE);
    await expect(cii.inspect(IMAGE)).resolves.toBeNull();
  });
});

runCriConformance('memory example', async () => {
  const { cri, cii } = await makeDriver();
  await cii.pull(IMAGE); // "pulled" instantly: a record, no bytes
  return { cri, image: IMAGE, cleanup: () => cri.dispose() };
});

runCiiConformance('memory example', async () => {
  const { cii } = await makeDriver({ images: [IMAGE] });
  return { cii, presentImage: IMAGE, pullableImage: 'lb-test/pullable:1', cleanup: () => cii.dispose() };
});

describe('a platform on the memory runtime', () => {
  let s: TestServer | undefined;
  afterAll(async () => {
    await s?.stop();
  });

  it('is found in <data dir>/drivers, runs a 3-replica service to ready with an exec probe, and scales it to 1', async () => {
    const config = join(work, 'memory-config.json');
    const driver = { package: '@example/driver-memory', config: {} };
    // Containers in memory have no network namespace for a CNI to attach: no overlay (and nothing else but the runtime).
    writeFileSync(config, JSON.stringify({ drivers: { cri: driver, cii: driver, csi: 'none', cni: 'none', cpi: 'none' }, discovery: { enabled: false } }));
    s = await TestServer.start({ dataDir: work, config });
    const states = await s.client.drivers();
    expect(states.filter((d) => d.kind === 'cri' || d.kind === 'cii').map((d) => [d.kind, d.package])).toEqual(
      expect.arrayContaining([['cri', '@example/driver-memory'], ['cii', '@example/driver-memory']]),
    );
    const ns = uniq('memory');
    await s.client.createNamespace({ kind: 'Namespace', meta: { name: ns } });
    const probe = { exec: { command: ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/'] }, period: 1 };
    await s.client.createService(ns, {
      kind: 'Service',
      meta: { name: 'web' },
      spec: { replicas: 3, template: { containers: [{ name: 'web', image: { name: IMAGE }, readiness: probe }] } },
    });
    const pods = await waitFor(() => s!.pods(ns, 'web'), (p) => readyPods(p).length === 3, '3 pods ready');
    const res = await s.client.exec(ns, readyPods(pods)[0].meta.name, ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/']);
    expect(res).toMatchObject({ exitCode: 0, stderr: '' });
    expect(res.stdout).toMatch(/served by the memory runtime on :8080/);
    await s.client.scale(ns, 'web', 1);
    await waitFor(() => s!.pods(ns, 'web'), (p) => p.length === 1 && readyPods(p).length === 1, 'scaled to 1 ready pod');
    expect(s.containers()).toEqual([]); // nothing reached Docker
  });

  it('refuses the pods of a restricted namespace: the runtime cannot honour the confinement it needs, and the pod says so', async () => {
    const ns = uniq('memory-r');
    await s!.client.createNamespace({ kind: 'Namespace', meta: { name: ns }, spec: { policy: 'restricted' } });
    const security = { run_as_non_root: true, run_as_user: 1000, capabilities: { drop: ['ALL'] } };
    await s!.client.createService(ns, { kind: 'Service', meta: { name: 'web' }, spec: { template: { containers: [{ name: 'web', image: { name: IMAGE }, security }] } } });
    const [pod] = await waitFor(() => s!.pods(ns, 'web'), (p) => p.length === 1 && !!p[0].status.containers[0]?.message, 'the pod reports why');
    expect(pod.status.containers[0].message).toMatch(/needs "security", "seccomp", "pidsLimit", which the container runtime "memory" does not support/);
    expect(pod.status.state).not.toBe('ready');
  });
});
