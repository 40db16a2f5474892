// The node agent without Docker: its pods come from a fake node stream, its containers run in the in-memory
// runtime of examples/driver-memory, and what it tells the API is recorded by a fake client. The proxy and
// overlay drivers are fakes that record what they are given (and can be held or made to fail).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LABEL_NODE,
  LABEL_POD,
  LABEL_NAMESPACE,
  DRIVER_API_VERSION,
  ServiceManifest,
  type ContainerRuntime,
  createKernelHooks,
  type DriverState,
  type LbClient,
  type LogLine,
  type NetworkDriver,
  type NodeNetwork,
  type NodeStatusReport,
  type NodeStreamEvent,
  type Pod,
  type PodStatusReport,
  type ProxyDriver,
  type ServiceTable,
  type VirtualService,
} from '@lastbackend/sdk';
import memoryDriver, { configSchema as memoryConfig } from '../../../examples/driver-memory/src';
import { createLogger } from '../kernel/logger';
import { Agent, type AgentOptions } from './agent';
import { containerName } from './container-spec';
import type { PodDrivers } from './pod-sync';

const NODE = 'n1';
const IMAGE = 'lb-test/busybox:latest';
const silent = createLogger('silent');

/** The API as the agent sees it: a node stream the test pushes events into, and recorded reports. */
class FakeApi {
  readonly pods: PodStatusReport[] = [];
  readonly nodes: NodeStatusReport[] = [];
  readonly lines: LogLine[] = [];
  readonly server = 'https://api.test';
  readonly servers = [this.server];
  /** true: the server takes no heartbeat (a partition). */
  cut = false;
  private queue: NodeStreamEvent[] = [];
  private wake?: () => void;

  push(ev: NodeStreamEvent): void {
    this.queue.push(ev);
    this.wake?.();
  }

  /** The last status reported for a pod. */
  statusOf(name: string): PodStatusReport['status'] | undefined {
    return this.pods.filter((r) => r.name === name).at(-1)?.status;
  }

  client(): LbClient {
    const api: Pick<LbClient, 'server' | 'servers' | 'watchNode' | 'reportNode' | 'reportPods' | 'shipLogs' | 'nodeRef'> = {
      server: this.server,
      servers: this.servers,
      watchNode: (node, signal) => this.watch(node, signal),
      reportNode: async (node, report) => {
        expect(node).toBe(NODE);
        if (this.cut) throw new Error('connect ECONNREFUSED');
        this.nodes.push(report);
        return undefined as never;
      },
      reportPods: async (_node, batch) => {
        this.pods.push(...batch);
        return undefined as never;
      },
      shipLogs: async (_node, lines) => {
        this.lines.push(...lines);
        return undefined as never;
      },
      nodeRef: async (_node, kind, _ns, name) => {
        throw new Error(`${kind} ${name}: none in this test`);
      },
    };
    return api as unknown as LbClient;
  }

  private async *watch(node: string, signal: AbortSignal): AsyncGenerator<NodeStreamEvent> {
    expect(node).toBe(NODE);
    while (!signal.aborted) {
      while (this.queue.length) yield this.queue.shift()!;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
}

/** A proxy driver that records each table it is given; a table can be held (to pile pushes up) or refused. */
class RecordingProxy {
  readonly tables: VirtualService[][] = [];
  fail = false;
  private held?: Promise<void>;
  private release?: () => void;

  hold(): void {
    this.held = new Promise((r) => (this.release = r));
  }

  unhold(): void {
    this.release?.();
    this.held = undefined;
  }

  driver(): ProxyDriver {
    return {
      setTable: async (services: VirtualService[]) => {
        this.tables.push(services);
        await this.held;
        if (this.fail) throw new Error('table refused');
      },
      list: async () => this.tables.at(-1) ?? [],
    } as unknown as ProxyDriver;
  }
}

function service(name: string, port: number): VirtualService {
  return { ip: '10.96.0.10', port, protocol: 'tcp', backends: [{ ip: '10.0.0.5', port: 8080 }] };
}

function table(...services: VirtualService[]): ServiceTable {
  return { services, dns: { services: [], pods: [] } };
}

let revision = 0;
function pod(name: string, over: { destroy?: boolean; containers?: string[] } = {}): Pod {
  // The first container serves (the image's httpd); sidecars share its network, so they say hello and sleep.
  const containers = (over.containers ?? ['main']).map((c, i) => ({ name: c, image: { name: IMAGE }, ...(i > 0 ? { command: ['sh', '-c', `echo hello from ${c}; sleep 3600`] } : {}) }));
  const m = ServiceManifest.parse({ kind: 'Service', meta: { name: 'web' }, spec: { template: { containers } } });
  return {
    kind: 'Pod',
    version: 'v1',
    meta: { name, namespace: 'ns', service: 'web', deployment: 'v1', node: NODE, labels: {}, revision: ++revision },
    spec: { template: m.spec.template, destroy: over.destroy ?? false, resources: { cpu: 0, ram: 0 } },
    status: { state: 'provisioning', running: false, message: '', containers: [] },
  } as unknown as Pod;
}

async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 3000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('node agent on the in-memory runtime', () => {
  let dir: string;
  let api: FakeApi;
  let cri: ContainerRuntime;
  let drivers: PodDrivers;
  let agent: Agent | undefined;

  const start = async (extra: Partial<PodDrivers> = {}, opts: Partial<AgentOptions> = {}) => {
    Object.assign(drivers, extra);
    const states = async (): Promise<DriverState[]> => [];
    agent = new Agent(api.client(), () => drivers, states, createKernelHooks(), silent, {
      node: NODE,
      labels: { zone: 'a' },
      maxPods: 10,
      parallelStarts: 4,
      version: 'test',
      heartbeat: 60,
      resync: 60,
      dataDir: dir,
      address: '10.0.0.1',
      discovery: { enabled: false, port: 53, suffix: 'lb.local', config: {} },
      ...opts,
    });
    await agent.start();
    return agent;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-agent-spec-'));
    api = new FakeApi();
    // The example driver as the kernel makes it: one instance for both kinds (they share the image store).
    const made = await memoryDriver.create({
      config: memoryConfig.parse({}),
      logger: silent,
      stateDir: dir,
      node: NODE,
      info: { name: 'memory', version: '0.0.0', api: [DRIVER_API_VERSION] },
    });
    if (!made.cri || !made.cii) throw new Error('the memory driver made no cri or cii');
    cri = made.cri;
    drivers = { cri, cii: made.cii };
  });

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the node at start, creates the pods pushed in, and reports them ready', async () => {
    await start();
    expect(api.nodes).toHaveLength(1);
    expect(api.nodes[0]).toMatchObject({ labels: { zone: 'a' }, version: 'test', addresses: expect.arrayContaining(['10.0.0.1']) });
    expect(api.nodes[0].plugins).toEqual([expect.objectContaining({ capability: 'discovery', state: 'disabled' })]);

    api.push({ type: 'snapshot', pods: [pod('web-1', { containers: ['main', 'side'] }), pod('web-2')], revision: 1 });
    await waitFor('both pods ready', () => api.statusOf('web-1')?.state === 'ready' && api.statusOf('web-2')?.state === 'ready');

    const main = await cri.inspect(containerName('ns', 'web-1', 'main'));
    expect(main).toMatchObject({ state: 'running', labels: { [LABEL_NODE]: NODE, [LABEL_NAMESPACE]: 'ns', [LABEL_POD]: 'web-1' } });
    expect(api.statusOf('web-1')).toMatchObject({ running: true, network: { host_ip: '10.0.0.1' } });
    expect(api.statusOf('web-1')!.containers.map((c) => [c.name, c.state, c.ready])).toEqual([
      ['main', 'running', true],
      ['side', 'running', true],
    ]);
    // An unchanged status is not sent again.
    const sent = api.pods.length;
    await agent!.exec('ns', 'web-1', ['true']);
    await new Promise((r) => setTimeout(r, 50));
    expect(api.pods.length).toBe(sent);
  });

  it('creates and starts at most node.parallel_starts containers at a time, and every pod gets there', async () => {
    // Containers between their create and the end of their start, counted on the runtime itself.
    let inFlight = 0;
    let most = 0;
    const counted = Object.create(cri) as ContainerRuntime;
    counted.create = async (spec) => {
      most = Math.max(most, ++inFlight);
      return cri.create(spec);
    };
    counted.start = async (id) => {
      await new Promise((r) => setTimeout(r, 20));
      await cri.start(id);
      inFlight--;
    };
    await start({ cri: counted }, { parallelStarts: 2 });
    const names = Array.from({ length: 6 }, (_, i) => `web-${i}`);
    api.push({ type: 'snapshot', pods: names.map((n) => pod(n)), revision: 1 });
    await waitFor('every pod ready', () => names.every((n) => api.statusOf(n)?.state === 'ready'));
    expect(most).toBe(2);
  });

  it('syncs every pod again once a broken event stream is back: a container stopped meanwhile is restarted', async () => {
    // The first stream ends when the test says so, as an engine's restart closes it, and the engine then
    // stops the container with no stream open to tell it; the next streams are the runtime's own.
    let closeStream!: () => void;
    const closed = new Promise<void>((r) => (closeStream = r));
    let streams = 0;
    const restarting = Object.create(cri) as ContainerRuntime;
    restarting.events = (filter, signal) =>
      ++streams === 1
        ? (async function* () {
            await closed;
          })()
        : cri.events(filter, signal);
    await start({ cri: restarting }); // resync: 60 s, so only the reconnect can find it in time
    api.push({ type: 'snapshot', pods: [pod('web-1')], revision: 1 });
    await waitFor('web-1 ready', () => api.statusOf('web-1')?.state === 'ready');
    const main = containerName('ns', 'web-1', 'main');
    closeStream();
    await cri.stop(main);
    expect((await cri.inspect(main))?.state).not.toBe('running');
    await waitFor('web-1 restarted', async () => (await cri.inspect(main))?.state === 'running' && api.statusOf('web-1')?.containers[0].restarts === 1, 5000);
    expect(streams).toBeGreaterThanOrEqual(2);
  });

  it('removes the containers of a pod marked for destruction and reports it destroyed', async () => {
    await start();
    api.push({ type: 'snapshot', pods: [pod('web-1')], revision: 1 });
    await waitFor('web-1 ready', () => api.statusOf('web-1')?.state === 'ready');

    api.push({ type: 'upsert', pod: pod('web-1', { destroy: true }), revision: 2 });
    await waitFor('web-1 destroyed', () => api.statusOf('web-1')?.state === 'destroyed');
    expect(await cri.inspect(containerName('ns', 'web-1', 'main'))).toBeNull();
    expect(api.statusOf('web-1')).toMatchObject({ running: false, containers: [] });
  });

  it('self-fencing: cut off for longer than fenceAfter, it stops its task pods (never its services\' pods) and never starts them again', async () => {
    await start({}, { heartbeat: 0.2, fenceAfter: 1 });
    const task = pod('report-1');
    task.meta.task = 'report';
    task.meta.job = 'report';
    api.push({ type: 'snapshot', pods: [pod('web-1'), task], revision: 1 });
    await waitFor('both pods ready', () => api.statusOf('web-1')?.state === 'ready' && api.statusOf('report-1')?.state === 'ready');
    api.cut = true;
    await waitFor('the task container stopped', async () => (await cri.inspect(containerName('ns', 'report-1', 'main'))) === null, 5000);
    expect(await cri.inspect(containerName('ns', 'web-1', 'main'))).toMatchObject({ state: 'running' });
    // Back in touch, the server still has the pod as it was: it stays stopped, and is reported so.
    api.cut = false;
    api.push({ type: 'upsert', pod: { ...task, meta: { ...task.meta, revision: ++revision } }, revision: 2 });
    await waitFor('the task pod reported destroyed', () => api.statusOf('report-1')?.state === 'destroyed');
    expect(await cri.inspect(containerName('ns', 'report-1', 'main'))).toBeNull();
  });

  it("never makes a task's container again once the server saw it run (an agent restarted after fencing)", async () => {
    await start();
    const task = pod('report-2');
    task.meta.task = 'report';
    task.status.containers = [{ name: 'main', image: IMAGE, state: 'running', ready: true, restarts: 0, message: '', started: new Date().toISOString() }];
    api.push({ type: 'snapshot', pods: [task], revision: 1 });
    await waitFor('the task pod in error', () => api.statusOf('report-2')?.state === 'error');
    expect(api.statusOf('report-2')!.containers[0].message).toMatch(/ran on this node and is gone/);
    expect(await cri.inspect(containerName('ns', 'report-2', 'main'))).toBeNull();
  });

  it('removes containers of pods that are no longer its own once a snapshot says so', async () => {
    await start();
    api.push({ type: 'snapshot', pods: [pod('web-1'), pod('web-2')], revision: 1 });
    await waitFor('both ready', () => api.statusOf('web-1')?.state === 'ready' && api.statusOf('web-2')?.state === 'ready');

    // A pod deleted while the stream was away: the next snapshot leaves it out.
    api.push({ type: 'snapshot', pods: [pod('web-1')], revision: 5 });
    await waitFor('web-2 removed as an orphan', async () => (await cri.inspect(containerName('ns', 'web-2', 'main'))) === null);
    expect((await cri.list({ all: true })).map((c) => c.name)).toEqual([containerName('ns', 'web-1', 'main')]);
  });

  it('runs a command in a pod container, and names a pod or container it does not have', async () => {
    await start();
    api.push({ type: 'snapshot', pods: [pod('web-1')], revision: 1 });
    await waitFor('web-1 ready', () => api.statusOf('web-1')?.state === 'ready');
    await expect(agent!.exec('ns', 'web-1', ['echo', 'hi'])).resolves.toMatchObject({ exitCode: 0, stdout: 'hi\n' });
    expect(() => agent!.exec('ns', 'nope', ['true'])).toThrow('pod "nope" is not running on node n1');
    expect(() => agent!.exec('ns', 'web-1', ['true'], 'other')).toThrow('pod "web-1" has no container "other"');
  });

  it('gives the proxy driver the tables pushed, one at a time, the latest last; a swapped-in driver gets the last one', async () => {
    const proxy = new RecordingProxy();
    await start({ cpi: proxy.driver() });
    api.push({ type: 'services', table: table(service('a', 80)), revision: 1 });
    await waitFor('first table', () => proxy.tables.length === 1);

    proxy.hold();
    api.push({ type: 'services', table: table(service('a', 81)), revision: 2 });
    await waitFor('second table in flight', () => proxy.tables.length === 2);
    // Two more while the second is being applied: only the newest follows it.
    api.push({ type: 'services', table: table(service('a', 82)), revision: 3 });
    api.push({ type: 'services', table: table(service('a', 83)), revision: 4 });
    await new Promise((r) => setTimeout(r, 30));
    expect(proxy.tables).toHaveLength(2);
    proxy.unhold();
    await waitFor('the newest table', () => proxy.tables.length === 3);
    expect(proxy.tables.map((t) => t[0].port)).toEqual([80, 81, 83]);

    const next = new RecordingProxy();
    await agent!.resyncProxy(next.driver());
    expect(next.tables).toEqual([[service('a', 83)]]);
  });

  it('leaves a bad backend out of the table before the proxy driver sees it', async () => {
    const proxy = new RecordingProxy();
    await start({ cpi: proxy.driver() });
    const bad = { ...service('b', 90), backends: [{ ip: 'not-an-ip', port: 1 }] };
    api.push({ type: 'services', table: table(service('a', 80), bad), revision: 1 });
    await waitFor('a table', () => proxy.tables.length === 1);
    expect(proxy.tables[0]).toEqual([service('a', 80), { ...bad, backends: [] }]);
  });

  it('applies a refused table again on the next resync', async () => {
    const proxy = new RecordingProxy();
    proxy.fail = true;
    await start({ cpi: proxy.driver() }, { resync: 0.05 });
    api.push({ type: 'services', table: table(service('a', 80)), revision: 1 });
    await waitFor('a refused table', () => proxy.tables.length === 1);
    proxy.fail = false;
    await waitFor('the table again', () => proxy.tables.length >= 2);
    const settled = proxy.tables.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(proxy.tables.length).toBe(settled); // applied: not tried again
  });

  it('with a CNI driver, starts no pod before the overlay is set up, then sets up this node and routes to the others', async () => {
    const calls: string[] = [];
    const cni = {
      setupNode: async (n: NodeNetwork) => void calls.push(`setup ${n.subnet} ${n.address}`),
      setRemotes: async (r: NodeNetwork[]) => void calls.push(`remotes ${r.map((x) => x.subnet).join(',')}`),
      attach: async () => ({ ip: '10.1.0.2' }),
      detach: async () => undefined,
    } as unknown as NetworkDriver;
    await start({ cni });
    api.push({ type: 'snapshot', pods: [pod('web-1')], revision: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(await cri.list({ all: true })).toEqual([]);
    expect(api.statusOf('web-1')).toBeUndefined();

    api.push({ type: 'network', nodes: [{ name: NODE, subnet: '10.1.0.0/24', address: '192.168.0.1' }, { name: 'n2', subnet: '10.1.1.0/24', address: '192.168.0.2' }], revision: 2 });
    await waitFor('the overlay set up', () => calls.length === 2);
    expect(calls).toEqual(['setup 10.1.0.0/24 192.168.0.1', 'remotes 10.1.1.0/24']);
    // The pod is synced now; the memory runtime has no network namespace for a CNI, which the status says.
    await waitFor('web-1 reported', () => api.statusOf('web-1'));
    expect(api.statusOf('web-1')!.state).toBe('error');
    expect(api.statusOf('web-1')!.message).toContain('network mode "none" is not supported');

    const swapped: string[] = [];
    await agent!.resyncNetwork({ setupNode: async (n: NodeNetwork) => void swapped.push(n.subnet), setRemotes: async (r: NodeNetwork[]) => void swapped.push(`${r.length} remote`) } as unknown as NetworkDriver);
    expect(swapped).toEqual(['10.1.0.0/24', '1 remote']);
  });

  it('ships the lines its pod containers write, named by pod and container', async () => {
    await start();
    api.push({ type: 'snapshot', pods: [pod('web-1', { containers: ['main', 'side'] })], revision: 1 });
    const line = await waitFor('the sidecar line shipped', () => api.lines.find((l) => l.line === 'hello from side'));
    expect(line).toMatchObject({ namespace: 'ns', service: 'web', pod: 'web-1', container: 'side', node: NODE, stream: 'stdout' });
  });

  it('removes the containers of a pod deleted from the node on the next pass', async () => {
    await start({}, { resync: 0.05 });
    api.push({ type: 'snapshot', pods: [pod('web-1'), pod('web-2')], revision: 1 });
    await waitFor('both ready', () => api.statusOf('web-1')?.state === 'ready' && api.statusOf('web-2')?.state === 'ready');
    api.push({ type: 'delete', namespace: 'ns', name: 'web-2', revision: 2 });
    await waitFor('web-2 removed', async () => (await cri.inspect(containerName('ns', 'web-2', 'main'))) === null);
    expect(await cri.inspect(containerName('ns', 'web-1', 'main'))).toMatchObject({ state: 'running' });
  });

  it('stop waits for the sync in flight, sends its status, and syncs nothing afterwards', async () => {
    // The runtime holds container starts until the test lets them go: the pod's sync is in flight meanwhile.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let starting = false;
    const start0 = cri.start.bind(cri);
    cri.start = async (ref: string) => {
      starting = true;
      await held;
      return start0(ref);
    };
    await start();
    api.push({ type: 'snapshot', pods: [pod('web-1')], revision: 1 });
    await waitFor('a start in flight', () => starting);
    let stopped = false;
    const stopping = agent!.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(api.statusOf('web-1')?.state).toBe('ready'); // sent before stop returned

    const reports = api.pods.length;
    api.push({ type: 'upsert', pod: pod('web-2'), revision: 2 });
    await new Promise((r) => setTimeout(r, 50));
    expect(api.pods.length).toBe(reports);
    expect(await cri.inspect(containerName('ns', 'web-2', 'main'))).toBeNull();
    agent = undefined;
  });
});
