// The agent refuses a container spec its runtime cannot honour (driver API 2 features) before it touches the runtime.
import { createKernelHooks, ServiceManifest, type ContainerRuntime, type ContainerSpec, type CriFeatures, type ImageService, type Pod } from '@lastbackend/sdk';
import { createLogger } from '../kernel/logger';
import { checkSpec } from './container-spec';
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

function pod(): Pod {
  const m = ServiceManifest.parse({ kind: 'Service', meta: { name: 'web' }, spec: { template: { containers: [{ name: 'main', image: { name: 'img:1' } }] } } });
  return {
    kind: 'Pod',
    version: 'v1',
    meta: { name: 'web-1', namespace: 'ns', service: 'web', deployment: 'v1', node: 'n1', labels: {} },
    spec: { template: m.spec.template, destroy: false, resources: { cpu: 0, ram: 0 } },
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
