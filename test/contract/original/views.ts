// The original Last.Backend's response types (pkg/api/types/v1/views/*.go and, for logs,
// pkg/distribution/types/logger.go LogMessage), written from its Go source as zod schemas that decode
// like Go's encoding/json: unknown keys are ignored and any field may be missing or null, but a field
// that is present must have the Go type (a string where Go has an int fails, as it does there).
import { z } from 'zod';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const str = () => z.string().nullish();
const int = () => z.number().int().nullish();
const uint16 = () => z.number().int().min(0).max(65535).nullish();
const bool = () => z.boolean().nullish();
/** time.Time: an RFC 3339 string. */
const time = () => z.string().regex(RFC3339, 'time.Time takes RFC 3339').nullish();
const strMap = () => z.record(z.string(), z.string()).nullish();
const arr = <T extends z.ZodType>(t: T) => z.array(t).nullish();
const obj = <S extends z.ZodRawShape>(shape: S) => z.looseObject(shape);
const opt = <T extends z.ZodType>(t: T) => t.nullish();

// ---------------------------------------------------------------- manifest.go: a service's and deployment's spec
const ManifestSpecSelector = obj({ node: str(), labels: strMap() });
/** map[uint16]string: keys must parse as port numbers. */
const ManifestSpecNetwork = obj({
  ip: str(),
  ports: z.record(z.string().regex(/^\d+$/).refine((k) => Number(k) <= 65535, 'a uint16 key'), z.string()).nullish(),
});
const ManifestSpecStrategy = obj({ type: str() });
const NameKey = obj({ name: str(), key: str() });
const ManifestSpecTemplateContainerEnv = obj({ name: str(), value: str(), secret: opt(NameKey), config: opt(NameKey) });
const ManifestSpecTemplateContainerResource = obj({ cpu: str(), ram: str() });
const ManifestSpecTemplateContainer = obj({
  name: str(),
  command: str(),
  workdir: str(),
  entrypoint: str(),
  args: arr(z.string()),
  ports: arr(z.string()),
  env: arr(ManifestSpecTemplateContainerEnv),
  image: opt(obj({ name: str(), sha: str(), secret: opt(NameKey) })),
  resources: opt(obj({ limits: opt(ManifestSpecTemplateContainerResource), quota: opt(ManifestSpecTemplateContainerResource) })),
  restart_policy: opt(obj({ policy: str(), attempt: int() })),
  volumes: arr(obj({ name: str(), mode: str(), path: str(), sub_path: str() })),
});
const Binds = arr(obj({ key: str(), file: str() }));
const ManifestSpecTemplateVolume = obj({
  name: str(),
  type: str(),
  volume: opt(obj({ name: str(), subpath: str() })),
  config: opt(obj({ name: str(), binds: Binds })),
  secret: opt(obj({ name: str(), binds: Binds })),
});
const ManifestSpecTemplate = obj({ containers: arr(ManifestSpecTemplateContainer), volumes: arr(ManifestSpecTemplateVolume) });

// ---------------------------------------------------------------- service.go
export const Service = obj({
  meta: opt(
    obj({ name: str(), namespace: str(), description: str(), self_link: str(), endpoint: str(), replicas: int(), labels: strMap(), created: time(), updated: time() }),
  ),
  status: opt(obj({ state: str(), message: str() })),
  spec: opt(obj({ selector: opt(ManifestSpecSelector), replicas: int(), network: opt(ManifestSpecNetwork), strategy: opt(ManifestSpecStrategy), template: opt(ManifestSpecTemplate) })),
});
export const ServiceList = z.array(Service);

// ---------------------------------------------------------------- namespace.go
const NamespaceResource = obj({ ram: str(), cpu: str(), storage: str() });
export const Namespace = obj({
  meta: opt(obj({ name: str(), description: str(), self_link: str(), endpoint: str(), suffix: str(), labels: strMap(), created: time(), updated: time() })),
  status: opt(obj({ resources: opt(obj({ allocated: opt(NamespaceResource) })) })),
  spec: opt(obj({ env: arr(z.string()), domain: opt(obj({ internal: str(), external: str() })), resources: opt(obj({ request: opt(NamespaceResource), limits: opt(NamespaceResource) })) })),
});
export const NamespaceList = z.array(Namespace);

// ---------------------------------------------------------------- node.go: NodeList is a map by name
const NodeStatusInterfaceState = obj({ type: str(), version: str(), state: str(), message: str() });
// int64 in the client the original CLI pins (lastbackend cd27b47); the server's last commit wrote strings.
const NodeResources = obj({ containers: int(), pods: int(), ram: int(), cpu: int(), storage: int() });
export const Node = obj({
  meta: opt(
    obj({
      hostname: str(),
      os_name: str(),
      os_type: str(),
      architecture: str(),
      ip: opt(obj({ external: str(), internal: str() })),
      cidr: str(),
      version: str(),
      name: str(),
      labels: strMap(),
      self_link: str(),
      created: time(),
      updated: time(),
    }),
  ),
  status: opt(
    obj({
      state: opt(obj({ ready: bool(), cri: opt(NodeStatusInterfaceState), cni: opt(NodeStatusInterfaceState), cpi: opt(NodeStatusInterfaceState), csi: opt(NodeStatusInterfaceState) })),
      online: bool(),
      capacity: opt(NodeResources),
      allocated: opt(NodeResources),
    }),
  ),
  spec: opt(obj({ security: opt(obj({ tls: bool() })) })),
});
export const NodeList = z.record(z.string(), Node);

// ---------------------------------------------------------------- cluster.go: Meta embedded, so its fields are top level
const ClusterResources = obj({ containers: int(), pods: int(), ram: str(), cpu: str(), storage: str() });
export const Cluster = obj({
  name: str(),
  description: str(),
  self_link: str(),
  labels: strMap(),
  created: time(),
  updated: time(),
  status: opt(
    obj({
      nodes: opt(obj({ total: int(), online: int(), offline: int() })),
      namespace: arr(z.unknown()),
      service: arr(z.unknown()),
      route: arr(z.unknown()),
      task: arr(z.unknown()),
      capacity: opt(ClusterResources),
      allocated: opt(ClusterResources),
    }),
  ),
});

// ---------------------------------------------------------------- config.go, secret.go, route.go, volume.go
export const Config = obj({
  meta: opt(obj({ name: str(), namespace: str(), kind: str(), self_link: str(), updated: time(), created: time() })),
  spec: opt(obj({ data: strMap() })),
});
export const Secret = obj({
  meta: opt(obj({ name: str(), namespace: str(), self_link: str(), updated: time(), created: time() })),
  spec: opt(obj({ type: str(), data: strMap() })),
});
export const Route = obj({
  meta: opt(obj({ name: str(), namespace: str(), self_link: str(), labels: strMap(), updated: time(), created: time() })),
  spec: opt(obj({ domain: str(), port: uint16(), rules: arr(opt(obj({ service: str(), path: str(), endpoint: str(), port: int() }))) })),
  status: opt(obj({ state: str(), message: str() })),
});
export const Volume = obj({
  meta: opt(obj({ name: str(), namespace: str(), description: str(), self_link: str(), updated: time(), created: time() })),
  spec: opt(
    obj({
      selector: opt(obj({ node: str(), labels: strMap() })),
      state: opt(obj({ destroy: bool() })),
      type: str(),
      path: str(),
      mode: str(),
      capacity: opt(obj({ storage: str() })),
    }),
  ),
  status: opt(obj({ state: str(), status: opt(obj({ type: str(), path: str(), ready: bool() })), message: str() })),
});
export const ConfigList = z.array(Config);
export const SecretList = z.array(Secret);
export const RouteList = z.array(Route);
export const VolumeList = z.array(Volume);

// ---------------------------------------------------------------- deployment.go, pod.go
export const Deployment = obj({
  meta: opt(
    obj({
      name: str(),
      description: str(),
      version: int(),
      namespace: str(),
      service: str(),
      endpoint: str(),
      self_link: str(),
      status: str(),
      labels: strMap(),
      created: time(),
      updated: time(),
    }),
  ),
  status: opt(obj({ state: str(), message: str() })),
  spec: opt(obj({ replicas: int(), selector: opt(ManifestSpecSelector), template: opt(ManifestSpecTemplate) })),
});
export const DeploymentList = z.array(Deployment);

const PodContainerStateExit = obj({ code: int(), timestamp: time() });
const PodContainer = obj({
  id: str(),
  pod: str(),
  name: str(),
  state: opt(
    obj({
      created: opt(obj({ timestamp: time() })),
      started: opt(obj({ started: bool(), timestamp: time() })),
      stopped: opt(obj({ stopped: bool(), exit: opt(PodContainerStateExit) })),
      error: opt(obj({ error: bool(), message: str(), exit: opt(PodContainerStateExit) })),
    }),
  ),
  ready: bool(),
  restared: int(),
  image: opt(obj({ id: str(), name: str(), sha: str() })),
});
export const Pod = obj({
  meta: opt(
    obj({
      name: str(),
      description: str(),
      self_link: str(),
      parent: opt(obj({ kind: str(), self_link: str() })),
      namespace: str(),
      node: str(),
      status: str(),
      labels: strMap(),
      created: time(),
      updated: time(),
    }),
  ),
  spec: opt(obj({ state: opt(obj({ destroy: bool(), maintenance: bool() })), template: opt(ManifestSpecTemplate) })),
  status: opt(
    obj({
      state: str(),
      message: str(),
      steps: z.record(z.string(), obj({ ready: bool(), timestamp: time() })).nullish(),
      network: opt(obj({ host_ip: str(), pod_ip: str() })),
      runtime: opt(obj({ services: arr(PodContainer), pipeline: arr(z.unknown()) })),
    }),
  ),
});
export const PodList = z.array(Pod);

// ---------------------------------------------------------------- logs: a stream of LogMessage objects (types/logger.go)
export const LogMessage = obj({
  message: str(),
  container_id: str(),
  container_name: str(),
  container_type: str(),
  selflink: str(),
  container_created: time(),
  tag: str(),
  extra: strMap(),
  host: str(),
  timestamp: time(),
});

// ---------------------------------------------------------------- namespace.go NamespaceApplyStatus: self link → applied
const applied = () => z.record(z.string(), z.boolean()).nullish();
export const NamespaceApplyStatus = obj({ configs: applied(), secrets: applied(), volumes: applied(), services: applied(), routes: applied(), jobs: applied() });

// ---------------------------------------------------------------- ingress.go, discovery.go: views.Meta embedded in meta, lists are maps by name
const ComponentMeta = obj({ name: str(), description: str(), self_link: str(), labels: strMap(), created: time(), updated: time(), version: str() });
export const Ingress = obj({ meta: opt(ComponentMeta), status: opt(obj({ ready: bool() })) });
export const IngressList = z.record(z.string(), Ingress.nullable());
export const Discovery = obj({ meta: opt(ComponentMeta), status: opt(obj({ ready: bool() })) });
export const DiscoveryList = z.record(z.string(), Discovery.nullable());

// ---------------------------------------------------------------- node.go NodeManifest: what the original agent got back for its status
const manifests = () => z.record(z.string(), z.unknown()).nullish();
export const NodeManifest = obj({
  meta: opt(obj({ initial: bool() })),
  discovery: manifests(),
  exporter: opt(obj({})),
  configs: manifests(),
  secrets: manifests(),
  network: manifests(),
  pods: manifests(),
  volumes: manifests(),
  endpoints: manifests(),
});

// ---------------------------------------------------------------- job.go, task.go (Meta embedded in meta; ManifestSpecRuntime of manifest.go)
const ManifestSpecRuntime = obj({
  services: arr(z.string()),
  tasks: arr(obj({ name: str(), container: str(), env: arr(ManifestSpecTemplateContainerEnv), commands: arr(z.string()) })),
  updated: time(),
});
const JobResource = obj({ ram: str(), cpu: str(), storage: str() });
const HttpCall = obj({ endpoint: str(), method: str(), headers: strMap() });
export const Job = obj({
  meta: opt(obj({ name: str(), description: str(), self_link: str(), labels: strMap(), created: time(), updated: time(), namespace: str() })),
  status: opt(
    obj({
      state: str(),
      message: str(),
      stats: opt(obj({ total: int(), active: int(), successful: int(), failed: int(), last_schedule: time() })),
      resources: opt(obj({ allocated: opt(JobResource) })),
      updated: time(),
    }),
  ),
  spec: opt(
    obj({
      enabled: bool(),
      schedule: str(),
      concurrency: opt(obj({ limit: int(), strategy: str() })),
      provider: opt(obj({ timeout: str(), http: opt(HttpCall), cron: opt(obj({})), rabbit_mq: opt(obj({})) })),
      hook: opt(obj({ http: opt(HttpCall) })),
      resources: opt(obj({ request: opt(JobResource), limits: opt(JobResource) })),
      task: opt(obj({ selector: opt(ManifestSpecSelector), runtime: opt(ManifestSpecRuntime), template: opt(ManifestSpecTemplate) })),
    }),
  ),
});
export const JobList = z.array(Job);

const PodStatusRuntime = obj({
  services: arr(PodContainer),
  pipeline: arr(obj({ name: str(), status: str(), error: bool(), message: str(), commands: arr(PodContainer) })),
});
export const Task = obj({
  meta: opt(obj({ name: str(), description: str(), self_link: str(), labels: strMap(), created: time(), updated: time(), namespace: str(), job: str() })),
  status: opt(
    obj({
      state: str(),
      message: str(),
      error: bool(),
      done: bool(),
      canceled: bool(),
      pod: opt(obj({ self_link: str(), status: str(), state: str(), runtime: opt(PodStatusRuntime) })),
    }),
  ),
  spec: opt(obj({ runtime: opt(ManifestSpecRuntime), selector: opt(ManifestSpecSelector), template: opt(ManifestSpecTemplate) })),
  pods: opt(PodList),
});
export const TaskList = z.array(Task);
