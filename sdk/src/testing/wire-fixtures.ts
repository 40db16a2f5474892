// Representative stored objects of every kind, for the wire codec's round-trip spec and the contract
// spec that parses their wire views with the original's types: each exercises the fields the views change.
import type { LogEntry } from '../client';
import type { Cluster, Config, Deployment, Job, Namespace, Node, Pod, Route, Secret, Service, Task, Volume } from '../models/resources';
import type { PodTemplate } from '../models/manifests';

const at = '2026-12-04T11:00:00.000Z';
const meta = <E extends object>(name: string, extra: E) => ({ name, labels: { app: 'web' }, uid: `uid-${name}`, created: at, updated: at, revision: 7, ...extra });

const template: PodTemplate = {
  containers: [
    {
      name: 'app',
      image: { name: 'nginx:1.27', policy: 'always', secret: 'registry' },
      command: ['nginx', '-g', 'daemon off;'],
      args: ['--verbose'],
      workdir: '/srv',
      env: [{ name: 'A', value: '1' }, { name: 'PW', secret: { name: 'db', key: 'password' } }, { name: 'CONF', config: { name: 'app', key: 'x' } }],
      ports: [{ container: 8080, protocol: 'tcp' }, { container: 53, protocol: 'udp' }],
      volumes: [{ name: 'data', path: '/data', readonly: true, sub_path: 'web' }],
      resources: { limits: { ram: 134217728, cpu: '500m' }, requests: { ram: '64mib', cpu: 0.25 } },
      restart: { policy: 'on-failure', attempts: 3 },
      readiness: { http: { path: '/', port: 8080, scheme: 'http' }, initial_delay: 0, period: 10, timeout: 1, failure_threshold: 3, success_threshold: 1 },
    },
    { name: 'side', image: { name: 'busybox', policy: 'if-not-present' }, env: [], volumes: [], restart: { policy: 'always' } },
  ],
  volumes: [{ name: 'data', volume: { name: 'data' } }],
  termination: 10,
};

interface WireFixtures {
  namespace: Namespace;
  bareNamespace: Namespace;
  service: Service;
  bareService: Service;
  deployment: Deployment;
  pod: Pod;
  node: Node;
  cluster: Cluster;
  secret: Secret;
  config: Config;
  volume: Volume;
  namedVolume: Volume;
  route: Route;
  log: LogEntry;
  job: Job;
  bareJob: Job;
  task: Task;
  queuedTask: Task;
}

export const WIRE_FIXTURES: WireFixtures = {
  namespace: {
    kind: 'Namespace',
    version: 'v1',
    meta: meta('demo', { description: 'the demo' }),
    spec: { resources: { limits: { ram: 2147483648, cpu: '2', storage: '10gib', pods: 20, services: 5, volumes: 3 }, defaults: { cpu: '100m', ram: 67108864 } } },
    status: { state: 'ready', resources: { used: { cpu: 1500, ram: 536870912, storage: 1073741824, pods: 4, services: 2, volumes: 1 } } },
  },
  bareNamespace: { kind: 'Namespace', version: 'v1', meta: meta('bare', {}), spec: {}, status: { state: 'destroying' } },
  service: {
    kind: 'Service',
    version: 'v1',
    meta: meta('web', { namespace: 'demo' }),
    spec: { replicas: 2, selector: { node: 'n1', labels: { disk: 'ssd' } }, network: { ports: ['http=80:8080/tcp', '80:8081/udp', '443', 'dns=53/udp'], scheduler: 'rr' }, strategy: { auto_rollback: true, deadline: '5m' }, depends_on: [{ service: 'db', condition: 'ready' }, { service: 'cache' }], template },
    status: {
      state: 'ready',
      message: '',
      deployment: 'v2',
      generation: 3,
      replicas: { desired: 2, ready: 2 },
      network: { ip: '10.211.0.5', ports: ['http=80:8080/tcp'] },
      rollout: { version: 3, state: 'rolled-back', message: 'v3 failed, rolled back to v2: pod web-0123456789: container app: pull app:3: not found', since: at },
    },
  },
  bareService: {
    kind: 'Service',
    version: 'v1',
    meta: meta('worker', { namespace: 'demo' }),
    spec: { replicas: 0, template: { containers: [{ name: 'w', image: { name: 'busybox', policy: 'never' }, env: [], volumes: [], restart: { policy: 'never' } }], volumes: [], termination: 0 } },
    status: { state: 'provisioning', message: 'waiting', generation: 0, replicas: { desired: 0, ready: 0 }, network: { ports: [] } },
  },
  deployment: {
    kind: 'Deployment',
    version: 'v1',
    meta: meta('v2', { namespace: 'demo', service: 'web' }),
    spec: { version: 2, replicas: 2, template, selector: { labels: { disk: 'ssd' } }, hash: 'abc' },
    status: { state: 'active', message: '', replicas: { desired: 2, ready: 1, total: 2 } },
  },
  pod: {
    kind: 'Pod',
    version: 'v1',
    meta: meta('web-v2-x1', { namespace: 'demo', service: 'web', deployment: 'v2', node: 'n1' }),
    spec: { template, destroy: false, resources: { cpu: 750, ram: 201326592 } },
    status: {
      state: 'ready',
      running: true,
      message: '',
      network: { host_ip: '10.0.0.1', pod_ip: '10.210.0.4' },
      containers: [
        { name: 'app', id: 'c1', image: 'nginx:1.27', state: 'running', ready: true, restarts: 1, message: '', started: at },
        { name: 'side', image: 'busybox:1.36', state: 'pulling', ready: false, restarts: 0, message: 'pulling busybox:1.36: 1.2 MB of 2.1 MB (57%)', pull: { current: 1_200_000, total: 2_100_000 } },
      ],
      updated: at,
    },
  },
  node: {
    kind: 'Node',
    version: 'v1',
    meta: meta('n1', {}),
    spec: { unschedulable: false, network: { subnet: '10.210.0.0/24' } },
    status: {
      capacity: { cpu: 4000, ram: 8 * 2 ** 30, pods: 110, storage: 100 * 2 ** 30 },
      addresses: ['192.168.1.10', '10.0.0.1'],
      os: 'linux',
      arch: 'x64',
      hostname: 'host-1',
      version: '0.1.0',
      drivers: [
        { kind: 'cri', package: '@lastbackend/driver-docker', version: '1.0.0', state: 'ready', message: '' },
        { kind: 'cni', package: '@lastbackend/driver-vxlan', version: '1.0.0', state: 'error', message: 'no bridge', isolation: 'process', pid: 42, restarts: 1 },
      ],
      plugins: [{ capability: 'discovery', package: '@lastbackend/discovery', state: 'ready', message: '', address: '10.210.0.1' }],
      endpoint: 'https://192.168.1.10:2969',
      state: 'not-ready',
      online: true,
      allocated: { cpu: 750, ram: 201326592, pods: 1 },
      heartbeat: at,
    },
  },
  cluster: {
    kind: 'Cluster',
    version: 'v1',
    meta: { name: 'lastbackend', version: '0.1.0' },
    status: { nodes: { total: 3, online: 2 }, capacity: { cpu: 12000, ram: 24 * 2 ** 30, pods: 330 }, allocated: { cpu: 750, ram: 201326592, pods: 1 } },
  },
  secret: { kind: 'Secret', version: 'v1', meta: meta('db', { namespace: 'demo' }), spec: { type: 'opaque', data: { password: '****' } }, status: {} },
  config: { kind: 'Config', version: 'v1', meta: meta('app', { namespace: 'demo' }), spec: { data: { 'app.conf': 'x=1\n' } }, status: {} },
  volume: {
    kind: 'Volume',
    version: 'v1',
    meta: meta('data', { namespace: 'demo' }),
    spec: { capacity: { storage: 1073741824 }, selector: { node: 'n1' } },
    status: { state: 'ready', node: 'n1', message: '' },
  },
  namedVolume: { kind: 'Volume', version: 'v1', meta: meta('logs', { namespace: 'demo' }), spec: { capacity: { storage: '1gib' } }, status: { state: 'pending', message: '' } },
  route: {
    kind: 'Route',
    version: 'v1',
    meta: meta('web', { namespace: 'demo' }),
    spec: { domain: 'web.example.com', port: 443, tls: { secret: 'cert', redirect: true }, rules: [{ path: '/', service: 'web', port: 80 }] },
    status: { state: 'ready', message: '' },
  },
  log: { pod: 'web-v2-x1', container: 'app', stream: 'stderr', time: '2026-12-04T11:00:00.123456789Z', line: 'GET / 200' },
  job: {
    kind: 'Job',
    version: 'v1',
    meta: meta('backup', { namespace: 'demo' }),
    spec: {
      enabled: true,
      concurrency: { limit: 2, strategy: 'skip' },
      resources: { limits: { ram: 268435456, cpu: '1' }, requests: { ram: '64mib' } },
      task: { template, selector: { node: 'n1', labels: {} }, retries: 2, backoff: '10s', deadline: '1h' },
      history: { succeeded: 10, failed: 5 },
      provider: { cron: { schedule: '*/5 * * * *', timezone: 'UTC' }, http: { endpoint: 'https://ci.example/next', method: 'GET', headers: { 'x-token': 't' } } },
      hook: { http: { endpoint: 'https://ci.example/done', method: 'POST' } },
    },
    status: { state: 'enabled', tasks: { running: 1, queued: 2, succeeded: 3, failed: 1, cancelled: 1 } },
  },
  bareJob: {
    kind: 'Job',
    version: 'v1',
    meta: meta('once', { namespace: 'demo' }),
    spec: { enabled: false, concurrency: { limit: 1, strategy: 'queue' }, task: { template, retries: 0 }, history: { succeeded: 10, failed: 10 } },
    status: { state: 'disabled' },
  },
  task: {
    kind: 'Task',
    version: 'v1',
    meta: meta('backup-1a2b3c', { namespace: 'demo', job: 'backup' }),
    spec: { env: [{ name: 'MODE', value: 'full' }], template, selector: { node: 'n1', labels: {} }, cancel: true },
    status: {
      state: 'cancelled',
      attempt: 2,
      containers: [{ name: 'app', exit_code: 137, started: at, finished: at }],
      started: at,
      finished: at,
      message: 'cancelled',
      node: 'n1',
      pod: 'backup-1a2b3c-2',
      pods: ['backup-1a2b3c-1', 'backup-1a2b3c-2'],
    },
  },
  queuedTask: {
    kind: 'Task',
    version: 'v1',
    meta: meta('backup-4d5e6f', { namespace: 'demo', job: 'backup' }),
    spec: { template },
    status: { state: 'queued', attempt: 0, containers: [], message: 'queued' },
  },
};
