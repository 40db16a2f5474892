// PodRunner against an in-memory runtime: a container the engine refuses to start again is replaced.
import { createKernelHooks, ServiceManifest, type ContainerRuntime, type ContainerSpec, type ContainerStatus, type ImageService, type Pod } from '@lastbackend/sdk';
import { createLogger } from '../kernel/logger';
import { PodRunner } from './pod-sync';

/** Just enough of a CRI: containers by id and name; start of ids in `stuck` fails as after an engine restart. */
function fakeRuntime() {
  const byId = new Map<string, ContainerStatus>();
  const stuck = new Set<string>();
  let n = 0;
  const find = (ref: string) => byId.get(ref) ?? [...byId.values()].find((c) => c.name === ref) ?? null;
  const cri = {
    info: () => ({ name: 'fake', version: '1', api: ['2'] }),
    async create(spec: ContainerSpec) {
      const c: ContainerStatus = { id: `c${++n}`, name: spec.name, image: spec.image, labels: spec.labels, state: 'created' };
      byId.set(c.id, c);
      return { ...c };
    },
    async start(id: string) {
      if (stuck.has(id)) throw new Error(`task ${id}: already exists`);
      const c = find(id);
      if (!c) throw new Error(`no container ${id}`);
      c.state = 'running';
    },
    async remove(id: string) {
      const c = find(id);
      if (c) byId.delete(c.id);
    },
    async inspect(ref: string) {
      const c = find(ref);
      return c ? { ...c } : null;
    },
  };
  return { cri: cri as unknown as ContainerRuntime, byId, stuck };
}

/** An image service that has the pod's image. */
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

describe('PodRunner restarts', () => {
  it('replaces an exited container the engine cannot start again, keeping one container and counting the restart', async () => {
    const rt = fakeRuntime();
    const runner = new PodRunner(pod(), 'n1', '127.0.0.1', () => ({ cri: rt.cri, cii }), createKernelHooks(), createLogger('silent'));
    expect((await runner.sync()).state).toBe('ready');
    const [first] = rt.byId.values();

    // The engine restarted: the container exited and its stale task blocks a plain start.
    first.state = 'exited';
    first.exitCode = 137;
    rt.stuck.add(first.id);
    const status = await runner.sync();

    expect(status.state).toBe('ready');
    expect(status.containers[0].restarts).toBe(1);
    expect([...rt.byId.values()]).toHaveLength(1);
    expect(status.containers[0].id).not.toBe(first.id);
  });

  it('restarts an exited container in place when the engine can', async () => {
    const rt = fakeRuntime();
    const runner = new PodRunner(pod(), 'n1', '127.0.0.1', () => ({ cri: rt.cri, cii }), createKernelHooks(), createLogger('silent'));
    await runner.sync();
    const [first] = rt.byId.values();
    first.state = 'exited';
    const status = await runner.sync();
    expect(status.containers[0]).toMatchObject({ id: first.id, restarts: 1, state: 'running' });
  });

  it('keeps the crash-loop back-off across an agent restart: it counts from the exit, with the reported counter', async () => {
    const rt = fakeRuntime();
    // A restarted agent knows only what the pod reported: 3 restarts so far.
    const p = pod();
    p.status.containers = [{ name: 'main', id: '', image: 'img:1', state: 'exited', ready: false, restarts: 3, exitCode: 1 }] as unknown as Pod['status']['containers'];
    const runner = new PodRunner(p, 'n1', '127.0.0.1', () => ({ cri: rt.cri, cii }), createKernelHooks(), createLogger('silent'));
    expect((await runner.sync()).containers[0]).toMatchObject({ restarts: 3, state: 'running' });
    const [running] = rt.byId.values();
    Object.assign(running, { state: 'exited', exitCode: 1, finishedAt: new Date().toISOString() });
    const soon = await runner.sync();
    expect(soon.containers[0]).toMatchObject({ restarts: 3, state: 'exited' }); // 4 s after 3 restarts: not yet

    Object.assign(running, { finishedAt: new Date(Date.now() - 5000).toISOString() });
    const later = await runner.sync();
    expect(later.containers[0]).toMatchObject({ restarts: 4, state: 'running' });
  });
});

describe('PodRunner events', () => {
  const run = (cii_: ImageService, rt = fakeRuntime()) => {
    const seen: string[] = [];
    const runner = new PodRunner(pod(), 'n1', '127.0.0.1', () => ({ cri: rt.cri, cii: cii_ }), createKernelHooks(), createLogger('silent'), undefined, undefined, undefined, (e) =>
      seen.push(`${e.type} ${e.reason}: ${e.message}`),
    );
    return { runner, seen, rt };
  };

  it('a start: Created, Started, then Ready once; a crash loop: Started again, then BackOff while it waits', async () => {
    const { runner, seen, rt } = run(cii);
    await runner.sync();
    await runner.sync();
    expect(seen).toEqual(['normal Created: created container main', 'normal Started: started container main', 'normal Ready: every container is running and ready']);
    const [c] = rt.byId.values();
    Object.assign(c, { state: 'exited', exitCode: 1, finishedAt: new Date().toISOString() });
    seen.length = 0;
    await runner.sync(); // restarted at once (no restart yet)
    Object.assign(c, { state: 'exited', exitCode: 1, finishedAt: new Date().toISOString() });
    await runner.sync(); // waits: back-off
    // (No sync saw it down in between: it stayed ready, so no second Ready.)
    expect(seen).toEqual(['normal Started: started container main', 'warning BackOff: back-off restarting container main: it exited with code 1']);
  });

  it('a pull that fails: Pulling, then PullFailed naming the error (not a second, generic Failed)', async () => {
    const absent = { inspect: async () => null, pull: async () => Promise.reject(new Error('connection refused')) } as unknown as ImageService;
    const { runner, seen } = run(absent);
    const status = await runner.sync();
    expect(status.state).toBe('error');
    expect(seen).toEqual(['normal Pulling: pulling image img:1', 'warning PullFailed: pull img:1: connection refused']);
  });
});

describe('PodRunner reasons and pull progress in the status', () => {
  afterEach(() => jest.useRealTimers());

  it('a crash loop in back-off says so, with the exit code and the restarts', async () => {
    const rt = fakeRuntime();
    const runner = new PodRunner(pod(), 'n1', '127.0.0.1', () => ({ cri: rt.cri, cii }), createKernelHooks(), createLogger('silent'));
    await runner.sync();
    const [c] = rt.byId.values();
    Object.assign(c, { state: 'exited', exitCode: 3, finishedAt: new Date().toISOString() });
    await runner.sync(); // restarted at once
    Object.assign(c, { state: 'exited', exitCode: 3, finishedAt: new Date().toISOString() });
    const s = await runner.sync();
    expect(s.containers[0]).toMatchObject({ state: 'exited', exit_code: 3, restarts: 1, message: 'back-off restarting: exited with code 3 (1 restart)' });
    expect(s).toMatchObject({ state: 'error', message: 'main: back-off restarting: exited with code 3 (1 restart)' });
  });

  it('reports pulling while the pull runs, with the bytes so far, at most once a second and never after the result', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const rt = fakeRuntime();
    let progress: ((p: { layer?: string; status: string; current: number; total: number }) => void) | undefined;
    let finish!: () => void;
    let present = false;
    const pulling = {
      features: { pullProgress: true },
      inspect: async () => (present ? { id: 'i', tags: ['img:1'], size: 1 } : null),
      pull: (_ref: string, _auth: unknown, o?: { onProgress?: typeof progress }) => {
        progress = o?.onProgress;
        return new Promise<void>((res) => (finish = () => ((present = true), res())));
      },
    } as unknown as ImageService;
    const reports: Pod['status'][] = [];
    const runner = new PodRunner(pod(), 'n1', '127.0.0.1', () => ({ cri: rt.cri, cii: pulling }), createKernelHooks(), createLogger('silent'), undefined, undefined, undefined, undefined, (s) =>
      reports.push(s),
    );
    const done = runner.sync();
    while (!progress) await new Promise((r) => setImmediate(r));
    // The pull began: reported at once, without bytes.
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ state: 'provisioning', message: 'pulling img:1', containers: [{ state: 'pulling', message: 'pulling img:1' }] });
    expect(reports[0].containers[0].pull).toBeUndefined();
    progress({ layer: 'a', status: 'Downloading', current: 1_000_000, total: 4_000_000 });
    progress({ layer: 'b', status: 'Downloading', current: 500_000, total: 1_000_000 });
    expect(reports).toHaveLength(1); // within the second: held back, the newest kept
    jest.advanceTimersByTime(1000);
    expect(reports).toHaveLength(2);
    expect(reports[1].containers[0]).toMatchObject({ state: 'pulling', pull: { current: 1_500_000, total: 5_000_000 }, message: 'pulling img:1: 1.5 MB of 5.0 MB (30%)' });
    expect(reports[1].message).toBe('pulling img:1: 1.5 MB of 5.0 MB (30%)');
    progress({ layer: 'a', status: 'Download complete', current: 0, total: 0 });
    finish();
    const final = await done;
    jest.advanceTimersByTime(5000);
    expect(reports).toHaveLength(2); // the held-back report is dropped: the result supersedes it
    expect(final.containers[0].pull).toBeUndefined();
    expect(final.state).toBe('ready');
  });

  it('a runtime without pull progress gets no callback (a driver out of process cannot take one)', async () => {
    let options: unknown = 'unset';
    const plain = { inspect: async () => null, pull: async (_r: string, _a: unknown, o?: unknown) => ((options = o), Promise.reject(new Error('denied'))) } as unknown as ImageService;
    const runner = new PodRunner(pod(), 'n1', '127.0.0.1', () => ({ cri: fakeRuntime().cri, cii: plain }), createKernelHooks(), createLogger('silent'));
    const s = await runner.sync();
    expect(options).toBeUndefined();
    expect(s.containers[0]).toMatchObject({ state: 'error', message: 'pull img:1: denied' });
    expect(s.containers[0].pull).toBeUndefined();
  });
});

describe('PodRunner and a container that exits at once', () => {
  it('is not reported ready when its process is gone before the network is attached', async () => {
    const rt = fakeRuntime();
    // The runtime still says running, with a pid no process has: the container died as it started.
    const start = rt.cri.start.bind(rt.cri);
    rt.cri.start = async (id: string) => {
      await start(id);
      Object.assign(rt.byId.get(id) ?? {}, { pid: 2 ** 22 + 1 });
    };
    const cni = { attach: async () => Promise.reject(new Error('netns gone')) };
    const runner = new PodRunner(pod(), 'n1', '127.0.0.1', () => ({ cri: rt.cri, cii, cni }) as never, createKernelHooks(), createLogger('silent'));
    const s = await runner.sync();
    expect(s.state).not.toBe('ready');
    expect(s.containers[0]).toMatchObject({ state: 'exited', ready: false });
    expect(s.containers[0].message).not.toMatch(/network/);
  });
});
