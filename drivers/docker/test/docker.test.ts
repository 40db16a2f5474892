// The Docker driver against the real engine: the SDK conformance suites plus Docker-specific checks.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import {
  LABEL_NAMESPACE,
  LABEL_POD,
  LABEL_SERVICE,
  LbError,
  driverIdentity,
  parseOrThrow,
  type ContainerSpec,
  type DriverContext,
  type DriverInstances,
} from '@lastbackend/sdk';
import { runCiiConformance, runCriConformance, packageDriverInfo } from '@lastbackend/sdk/testing';
import def, { type DockerDriverConfig, type DockerRuntime } from '../src/index';

const IMAGE = 'lb-test/busybox:latest';
const quiet = process.env.LB_TEST_VERBOSE ? console : { debug() {}, info() {}, warn() {}, error() {} };
const stateDirs: string[] = [];

/** Loads the driver through its default export, as the kernel does. */
async function load(config: unknown = {}): Promise<DriverInstances> {
  if (!def.configSchema) throw new Error('the docker driver declares a config schema');
  const stateDir = mkdtempSync(join(tmpdir(), 'lb-docker-driver-'));
  stateDirs.push(stateDir);
  const ctx: DriverContext<DockerDriverConfig> = {
    config: parseOrThrow(def.configSchema, config, 'invalid docker driver config'),
    logger: {
      debug: (m, meta) => quiet.debug(m, meta ?? ''),
      info: (m, meta) => quiet.info(m, meta ?? ''),
      warn: (m, meta) => console.warn(m, meta ?? ''),
      error: (m, meta) => console.error(m, meta ?? ''),
    },
    stateDir,
    node: 'test',
    info: packageDriverInfo(join(__dirname, '..')),
  };
  return def.create(ctx);
}

afterAll(() => {
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
});

runCriConformance('docker', async () => {
  const drivers = await load();
  if (!drivers.cri) throw new Error('the docker driver did not return a CRI');
  const cri = drivers.cri;
  return { cri, image: IMAGE, cleanup: () => cri.dispose() };
});

runCiiConformance('docker', async () => {
  const drivers = await load();
  if (!drivers.cii) throw new Error('the docker driver did not return a CII');
  const cii = drivers.cii;
  return { cii, presentImage: IMAGE, cleanup: () => cii.dispose() };
});

describe('docker driver', () => {
  const run = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  let drivers: DriverInstances;
  const created: string[] = [];

  const cri = () => {
    if (!drivers?.cri) throw new Error('driver not loaded');
    return drivers.cri;
  };
  const spec = (purpose: string, over: Partial<ContainerSpec> = {}): ContainerSpec => {
    const name = `lbdocker-${purpose}-${run}`;
    created.push(name);
    return {
      name,
      image: IMAGE,
      env: {},
      labels: { [LABEL_NAMESPACE]: 'driver-test', [LABEL_SERVICE]: `svc-${run}`, [LABEL_POD]: name },
      network: { mode: 'default' },
      resources: {},
      mounts: [],
      ...over,
    };
  };

  beforeAll(async () => {
    drivers = await load();
  });

  afterAll(async () => {
    for (const name of created) await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
    await drivers?.cri?.dispose();
    await drivers?.cii?.dispose();
  });

  it('has the declared identity', () => {
    // Declared once, in its package.json; the kernel hands it to the driver (ctx.info).
    const identity = driverIdentity(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')));
    expect(identity.name).toBe('docker');
    expect(identity.kinds).toEqual(['cri', 'cii']);
    expect(cri().info()).toEqual({ name: 'docker', version: (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version, api: ['2'] });
  });

  it('puts the io.lastbackend labels where `docker ps --filter` finds them', async () => {
    const s = spec('labels');
    const status = await cri().create(s);
    const out = execFileSync(
      'docker',
      [
        'ps', '-a', '--no-trunc',
        '--filter', `label=${LABEL_POD}=${s.name}`,
        '--format', `{{.ID}} {{.Label "${LABEL_NAMESPACE}"}} {{.Label "${LABEL_SERVICE}"}} {{.Label "${LABEL_POD}"}}`,
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(out).toBe(`${status.id} driver-test svc-${run} ${s.name}`);
  });

  it('hands security options to the engine as it stores them (privileged, read-only root, user, capabilities, no-new-privileges)', async () => {
    const s = spec('security', {
      security: { privileged: true, read_only_rootfs: true, user: 'root:root', cap_add: ['NET_ADMIN'], cap_drop: ['MKNOD'], no_new_privileges: true },
    });
    const info = await docker.getContainer((await cri().create(s)).id).inspect();
    expect(info.HostConfig.Privileged).toBe(true);
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.Config.User).toBe('root:root');
    expect(info.HostConfig.CapAdd).toEqual(['CAP_NET_ADMIN']);
    expect(info.HostConfig.CapDrop).toEqual(['CAP_MKNOD']);
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges:true'); // the engine adds label=disable for privileged
    await expect(cri().create(spec('badcap', { security: { cap_add: ['not a cap'] } }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/security\.cap_add\.0/) });
  });

  it("network none (a CNI attaches the pod): no engine network, a namespace of its own, the runtime's resolv.conf and hosts; joined containers share them; remove() deletes them", async () => {
    const etcDir = join(stateDirs[stateDirs.length - 1], 'etc');
    const dns = { servers: ['10.1.2.3'], search: ['web.ns.lb.local', 'ns.lb.local'], options: ['ndots:2'] };
    const first = spec('netnone', { network: { mode: 'none' }, dns, command: ['sleep', '300'] });
    const a = await cri().create(first);
    await cri().start(a.id);
    const second = spec('joined', { network: { mode: 'container', container: a.id }, dns, command: ['sleep', '300'] });
    const b = await cri().create(second);
    await cri().start(b.id);
    const [ia, ib] = await Promise.all([docker.getContainer(a.id).inspect(), docker.getContainer(b.id).inspect()]);
    expect((ia.Config as { NetworkDisabled?: boolean }).NetworkDisabled).toBe(true);
    expect(ia.NetworkSettings.SandboxKey).toBe('');
    const netns = (pid: number) => execFileSync('readlink', [`/proc/${pid}/ns/net`], { encoding: 'utf8' }).trim();
    expect(netns(ia.State.Pid)).not.toBe(netns(process.pid));
    expect(netns(ib.State.Pid)).toBe(netns(ia.State.Pid));
    const resolv = 'nameserver 10.1.2.3\nsearch web.ns.lb.local ns.lb.local\noptions ndots:2\n';
    for (const id of [a.id, b.id]) {
      expect((await cri().exec(id, ['cat', '/etc/resolv.conf'])).stdout).toBe(resolv);
      expect((await cri().exec(id, ['cat', '/etc/hosts'])).stdout).toMatch(/^127\.0\.0\.1\tlocalhost\n/);
      // Loopback is up in the new namespace, as the engine's sandbox had it.
      expect((await cri().exec(id, ['cat', '/sys/class/net/lo/operstate'])).stdout.trim()).toMatch(/^(unknown|up)$/);
    }
    expect(readFileSync(join(etcDir, first.name, 'resolv.conf'), 'utf8')).toBe(resolv);
    await cri().remove(b.id);
    await cri().remove(a.id);
    expect(() => readFileSync(join(etcDir, first.name, 'resolv.conf'))).toThrow(/ENOENT/);
    expect(() => readFileSync(join(etcDir, second.name, 'hosts'))).toThrow(/ENOENT/);
  });

  it('sweepEtc(): the /etc files of a container removed outside lb go, a live one\'s and a just-written one\'s stay', async () => {
    const etcDir = join(stateDirs[stateDirs.length - 1], 'etc');
    const gone = spec('sweep-gone', { network: { mode: 'none' } });
    const kept = spec('sweep-kept', { network: { mode: 'none' } });
    const g = await cri().create(gone);
    await cri().create(kept);
    await docker.getContainer(g.id).remove({ force: true }); // `docker rm`, not the driver's remove()
    const old = new Date(Date.now() - 5 * 60_000);
    for (const name of [gone.name, kept.name]) utimesSync(join(etcDir, name), old, old);
    // Written a moment ago, no container yet: a create in progress.
    mkdirSync(join(etcDir, `${run}-creating`));
    expect(await (cri() as DockerRuntime).sweepEtc()).toEqual([gone.name]);
    expect(existsSync(join(etcDir, gone.name))).toBe(false);
    expect(readFileSync(join(etcDir, kept.name, 'hosts'), 'utf8')).toMatch(/^127\.0\.0\.1\tlocalhost\n/);
    expect(existsSync(join(etcDir, `${run}-creating`))).toBe(true);
  });

  it('applies cpu (millicores) and ram (bytes) limits, init, stop timeout and no restart policy', async () => {
    const s = spec('resources', { resources: { cpu: 500, ram: 64 * 1024 * 1024 }, stopTimeout: 4, env: { A: '1' } });
    const status = await cri().create(s);
    const info = await docker.getContainer(status.id).inspect();
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(67_108_864);
    expect((info.HostConfig as { Init?: boolean }).Init).toBe(true);
    expect((info.Config as { StopTimeout?: number }).StopTimeout).toBe(4);
    expect(info.HostConfig.RestartPolicy?.Name ?? '').toMatch(/^(no)?$/);
    expect(info.Config.Env).toContain('A=1');
  });

  it('config schema fills defaults and rejects unknown fields and wrong types, naming the field', () => {
    const schema = def.configSchema;
    if (!schema) throw new Error('no config schema');
    expect(parseOrThrow(schema, {})).toEqual({ socket: '/var/run/docker.sock' });
    const fieldsOf = (value: unknown): string[] => {
      try {
        parseOrThrow(schema, value);
      } catch (e) {
        expect(e).toBeInstanceOf(LbError);
        return ((e as LbError).details.fields ?? []).map((f) => f.field);
      }
      throw new Error('expected the config to be rejected');
    };
    expect(fieldsOf({ socket: '/var/run/docker.sock', sockt: '/x' })).toEqual(['sockt']);
    expect(fieldsOf({ timeout: 'soon' })).toEqual(['timeout']);
  });

  it('probe() against a missing socket reports an error instead of throwing', async () => {
    const missing = join(tmpdir(), `no-docker-${run}.sock`);
    const broken = await load({ socket: missing });
    try {
      const result = await broken.cri?.probe();
      expect(result?.state).toBe('error');
      expect(result?.message).toContain(`docker engine not reachable at ${missing}`);
      await expect(broken.cii?.probe()).resolves.toMatchObject({ state: 'error' });
      const err = await broken.cri?.list().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LbError);
      expect((err as LbError).code).toBe('UNAVAILABLE');
    } finally {
      await broken.cri?.dispose();
      await broken.cii?.dispose();
    }
  });

  it('exec() gives up with TIMEOUT after timeoutSeconds', async () => {
    const status = await cri().create(spec('exectimeout', { command: ['sh', '-c', 'exec sleep 600'], stopTimeout: 1 }));
    await cri().start(status.id);
    const began = Date.now();
    const err = await cri()
      .exec(status.id, ['sleep', '30'], { timeoutSeconds: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LbError);
    expect((err as LbError).code).toBe('TIMEOUT');
    expect(Date.now() - began).toBeLessThan(10_000);
  });

  it('create() of a missing image fails with NOT_FOUND instead of pulling', async () => {
    const err = await cri()
      .create(spec('noimage', { image: `lb-test/missing-${run}:latest` }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LbError);
    expect((err as LbError).code).toBe('NOT_FOUND');
  });
});
