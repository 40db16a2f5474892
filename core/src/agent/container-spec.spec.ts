// The agent refuses a container spec its runtime cannot honour (driver API 2 features) before it touches the runtime.
import { createKernelHooks, ServiceManifest, type ContainerRuntime, type ContainerSpec, type CriFeatures, type ImageService, type Pod } from '@lastbackend/sdk';
import { createLogger } from '../kernel/logger';
import { assertNonRoot, checkSpec, containerSecurity, DEFAULT_PIDS_LIMIT } from './container-spec';
import { PodRunner } from './pod-sync';

function runtime(features?: CriFeatures) {
  const created: ContainerSpec[] = [];
  const cri = {
    features,
    info: () => ({ name: 'fake', version: '1', api: ['2'] }),
    async create(spec: ContainerSpec) {
      created.push(spec);
      return { id: `c${created.length}`, name: spec.name, image: spec.image, labels: spec.labels, state: 'created' as const };
    },
    async start() {},
    async remove() {},
    async inspect(ref: string) {
      const spec = created.find((s) => s.name === ref);
      return spec ? { id: 'c1', name: spec.name, image: spec.image, labels: spec.labels, state: 'running' as const } : null;
    },
  };
  return { cri: cri as unknown as ContainerRuntime, created };
}

const cii = { inspect: async () => ({ id: 'i', tags: ['img:1'], size: 1 }), pull: async () => undefined } as unknown as ImageService;

function pod(container: Record<string, unknown> = {}, policy?: string): Pod {
  const m = ServiceManifest.parse({ kind: 'Service', meta: { name: 'web' }, spec: { template: { containers: [{ name: 'main', image: { name: 'img:1' }, ...container }] } } });
  return {
    kind: 'Pod',
    version: 'v1',
    meta: { name: 'web-1', namespace: 'ns', service: 'web', deployment: 'v1', node: 'n1', labels: {} },
    spec: { template: m.spec.template, destroy: false, resources: { cpu: 0, ram: 0 }, ...(policy ? { policy } : {}) },
    status: { state: 'provisioning', running: false, message: '', containers: [] },
  } as unknown as Pod;
}

/** A runner whose podSpec hook asks for a read-only root file system. */
function runner(cri: ContainerRuntime) {
  const hooks = createKernelHooks();
  hooks.podSpec.tapPromise('policy', async (spec) => ({ ...spec, security: { read_only_rootfs: true } }));
  return new PodRunner(pod(), 'n1', '127.0.0.1', () => ({ cri, cii }), hooks, createLogger('silent'));
}

describe('security options and runtime features', () => {
  it('a runtime without features.security gets no container: the pod reports why', async () => {
    const rt = runtime();
    const status = await runner(rt.cri).sync();
    expect(rt.created).toHaveLength(0);
    expect(status.state).not.toBe('ready');
    expect(JSON.stringify(status)).toMatch(/needs \\"security\\".*\\"fake\\" does not support/);
  });

  it('a runtime that declares features.security gets the spec with its security options', async () => {
    const rt = runtime({ security: true, execStream: false, stats: false });
    await runner(rt.cri).sync();
    expect(rt.created).toHaveLength(1);
    expect(rt.created[0].security).toEqual({ read_only_rootfs: true });
  });

  it('malformed security options are refused naming the field', () => {
    const rt = runtime({ security: true, execStream: false, stats: false });
    const spec = { name: 'c', image: 'i', env: {}, labels: {}, network: { mode: 'default' as const }, resources: {}, mounts: [], security: { cap_add: ['bad name'] } };
    expect(() => checkSpec(rt.cri, spec)).toThrow(/security\.cap_add\.0/);
  });
});

const ALL = { security: true, seccomp: true, pidsLimit: true, execStream: false, stats: false };
const NONE = { security: false, seccomp: false, pidsLimit: false, execStream: false, stats: false };

describe('the defaults every container gets', () => {
  it('no new privileges, default seccomp, NET_RAW dropped and the pids limit on a runtime that honours them', () => {
    expect(containerSecurity({}, ALL)).toEqual({ no_new_privileges: true, seccomp: 'default', cap_drop: ['NET_RAW'], pids_limit: DEFAULT_PIDS_LIMIT });
    expect(containerSecurity({}, ALL, 'baseline', 512)?.pids_limit).toBe(512);
  });

  it('manifest options map to the driver spec and override the defaults they touch', () => {
    const sec = containerSecurity(
      { security: { run_as_user: 1000, read_only_root_fs: true, capabilities: { add: ['NET_RAW'], drop: ['CHOWN'] }, allow_privilege_escalation: true, seccomp: 'unconfined' } },
      ALL,
    );
    expect(sec).toEqual({ user: '1000', read_only_rootfs: true, cap_add: ['NET_RAW'], cap_drop: ['CHOWN'], no_new_privileges: false, seccomp: 'unconfined', pids_limit: DEFAULT_PIDS_LIMIT });
    expect(containerSecurity({ security: { capabilities: { drop: ['ALL'] } } }, ALL)?.cap_drop).toEqual(['ALL']);
    expect(containerSecurity({ security: { privileged: true } }, ALL)).toEqual({ privileged: true, pids_limit: DEFAULT_PIDS_LIMIT });
  });

  it('baseline and privileged fill in only what the runtime declares; restricted needs it all, so checkSpec refuses', async () => {
    expect(containerSecurity({}, NONE)).toBeUndefined();
    expect(containerSecurity({}, { ...NONE, security: true })).toEqual({ no_new_privileges: true, cap_drop: ['NET_RAW'] });
    const restricted = containerSecurity({}, NONE, 'restricted');
    expect(restricted).toMatchObject({ seccomp: 'default', pids_limit: DEFAULT_PIDS_LIMIT, no_new_privileges: true });
    const rt = runtime({ ...NONE, security: true });
    const hooks = createKernelHooks();
    const r = new PodRunner(pod({}, 'restricted'), 'n1', '127.0.0.1', () => ({ cri: rt.cri, cii }), hooks, createLogger('silent'));
    const status = await r.sync();
    expect(rt.created).toHaveLength(0);
    expect(JSON.stringify(status)).toMatch(/needs \\"seccomp\\", \\"pidsLimit\\", which the container runtime \\"fake\\" does not support/);
  });
});

describe('run_as_non_root, checked against the image as kubelet does', () => {
  const c = (security: Record<string, unknown>) => ({ name: 'main', security });
  it('refuses a root image user (unset, root, 0) or one it cannot check, and run_as_user 0', () => {
    for (const user of ['', 'root', '0', '0:0']) expect(() => assertNonRoot(c({ run_as_non_root: true }), 'img', user)).toThrow(/runs as root/);
    expect(() => assertNonRoot(c({ run_as_non_root: true }), 'img', 'nginx')).toThrow(/cannot be checked/);
    expect(() => assertNonRoot(c({ run_as_non_root: true }), 'img', undefined)).toThrow(/cannot tell/);
    expect(() => assertNonRoot(c({ run_as_non_root: true }), 'img', '1000:1000')).not.toThrow();
    expect(() => assertNonRoot(c({ run_as_non_root: true, run_as_user: 1000 }), 'img', '')).not.toThrow();
    expect(() => assertNonRoot(c({}), 'img', '')).not.toThrow();
  });

  it('a pod whose image runs as root does not start: it reports the reason', async () => {
    const rt = runtime(ALL);
    const rootImage = { inspect: async () => ({ id: 'i', tags: ['img:1'], size: 1, user: '' }), pull: async () => undefined } as unknown as ImageService;
    const r = new PodRunner(pod({ security: { run_as_non_root: true } }), 'n1', '127.0.0.1', () => ({ cri: rt.cri, cii: rootImage }), createKernelHooks(), createLogger('silent'));
    const status = await r.sync();
    expect(rt.created).toHaveLength(0);
    expect(JSON.stringify(status)).toMatch(/run_as_non_root is set but image img:1 runs as root/);
  });
});
