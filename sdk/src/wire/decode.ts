// The wire decoders: views (wire/*.ts) back into the models. Apart from their schemas, so that a client
// that only decodes answers (the CLI, agents) does not load zod and the schemas, which take longer to load
// than node takes to start (`lb run`, `lb get`). Type imports only: nothing here may load a schema.
import type { z } from 'zod';
import type { LogEntry } from '../client';
import type { ContainerManifest, NamespaceLimits, PodTemplate, ResourceLimits, ServiceStrategy } from '../models/manifests';
import type { Cluster, Config, Deployment, Job, Namespace, Node, Pod, Route, Secret, Service, Task, Volume } from '../models/resources';
import type { ClusterView } from './cluster';
import type { Quantities, QuantitiesView } from './common';
import type { DeploymentView } from './deployment';
import type { JobView, TaskView } from './job';
import type { LogMessageView } from './logs';
import type { NamespaceView } from './namespace';
import type { NodeListView, NodeView } from './node';
import type { ConfigView, RouteView, SecretView, VolumeView } from './objects';
import type { PodView } from './pod';
import type { ServiceView, StrategyView } from './service';
import type { ContainerView, PodTemplateView } from './template';

type Container = ContainerManifest;
type Resources = NonNullable<Container['resources']>;
type Limits = z.output<typeof ResourceLimits>;

/** Drops the keys a view added, keeping the rest as it was (the model's own fields). */
export function omit<T extends object, K extends keyof T>(o: T, ...keys: K[]): Omit<T, K> {
  const out = { ...o };
  for (const k of keys) delete out[k];
  return out;
}

export function decodeQuantities<K extends string>(w: QuantitiesView<K>): Quantities<K> {
  const { numeric = [], ...rest } = w;
  const values = rest as unknown as Partial<Record<K, string>>;
  const out: Quantities<K> = {};
  for (const k of Object.keys(values) as K[]) {
    const v = values[k];
    if (v !== undefined) out[k] = numeric.includes(k) ? Number(v) : v;
  }
  return out;
}

function containerResources(r: NonNullable<ContainerView['resources']>): Resources {
  return { ...(r.limits ? { limits: decodeQuantities(r.limits) } : {}), ...(r.quota ? { requests: decodeQuantities(r.quota) } : {}) };
}

export function decodeContainer(w: ContainerView): Container {
  const { command: cmd, entrypoint, command_argv, ports, image, resources, ...rest } = omit(w, 'restart_policy');
  const { secret, ...img } = image;
  return {
    ...rest,
    ...(command_argv ? { command: command_argv } : entrypoint !== undefined ? { command: entrypoint.split(' ').filter(Boolean) } : {}),
    ...(rest.args === undefined && cmd !== undefined ? { args: cmd.split(' ').filter(Boolean) } : {}),
    ...(ports ? { ports: ports.map(decodePort) } : {}),
    image: { ...img, ...(secret ? { secret: secret.name } : {}) },
    ...(resources ? { resources: containerResources(resources) } : {}),
  };
}

function decodePort(s: string): { container: number; protocol: 'tcp' | 'udp' } {
  const [port, protocol] = s.split('/');
  return { container: Number(port), protocol: protocol === 'udp' ? 'udp' : 'tcp' };
}

export const decodeTemplate = (w: PodTemplateView): PodTemplate => ({ ...w, containers: w.containers.map(decodeContainer) });

const clusterResources = (r: ClusterView['status']['capacity']): Cluster['status']['capacity'] => ({ cpu: r.cpu_millicores, ram: r.ram_bytes, pods: r.pods });

export function decodeCluster(w: ClusterView): Cluster {
  return {
    kind: w.kind,
    version: w.version,
    meta: w.meta,
    status: {
      nodes: { total: w.status.nodes.total, online: w.status.nodes.online },
      capacity: clusterResources(w.status.capacity),
      allocated: clusterResources(w.status.allocated),
    },
  };
}

export function decodeDeployment(w: DeploymentView): Deployment {
  return { ...w, meta: omit(w.meta, 'self_link', 'version', 'endpoint'), spec: { ...w.spec, template: decodeTemplate(w.spec.template) } };
}

export function decodeJob(w: JobView): Job {
  const { resources, task, ...spec } = omit(w.spec, 'schedule');
  const limits = (q: NonNullable<typeof resources>['limits']) => decodeQuantities(q!) as Limits;
  return {
    ...w,
    meta: omit(w.meta, 'self_link'),
    spec: {
      ...spec,
      ...(resources ? { resources: { ...(resources.limits ? { limits: limits(resources.limits) } : {}), ...(resources.request ? { requests: limits(resources.request) } : {}) } } : {}),
      task: { ...task, template: decodeTemplate(task.template) },
    },
    status: omit(w.status, 'message', 'stats'),
  };
}

export function decodeTask(w: TaskView): Task {
  const { pod, ...status } = omit(w.status, 'error', 'done', 'canceled');
  return {
    ...w,
    meta: omit(w.meta, 'self_link'),
    spec: { ...w.spec, template: decodeTemplate(w.spec.template) },
    status: { ...status, ...(pod ? { pod: pod.name } : {}) },
  };
}

export const decodeLog = (w: LogMessageView): LogEntry => omit(w, 'message', 'selflink', 'container_id', 'container_name', 'timestamp');

export function decodeNamespace(w: NamespaceView): Namespace {
  const r = w.spec.resources;
  const limits = r?.limits ? decodeQuantities(r.limits) : undefined;
  return {
    ...w,
    meta: omit(w.meta, 'self_link', 'endpoint'),
    spec: {
      ...(r
        ? {
            resources: {
              // Counts go out as strings like every quantity, listed in `numeric`: they come back as numbers.
              ...(limits ? { limits: limits as NamespaceLimits } : {}),
              ...(r.defaults ? { defaults: decodeQuantities(r.defaults) } : {}),
            },
          }
        : {}),
      ...policyOf(w.spec),
    },
  };
}

/** The security policy as set (absent: baseline). */
export const policyOf = (spec: { policy?: Namespace['spec']['policy'] }) => (spec.policy ? { policy: spec.policy } : {});

export function decodeNode(w: NodeView): Node {
  const { capacity: c, allocated: a, phase } = w.status;
  return {
    ...w,
    meta: omit(w.meta, 'self_link', 'hostname', 'os_name', 'os_type', 'architecture', 'ip', 'cidr', 'version'),
    status: {
      ...omit(w.status, 'phase'),
      state: phase,
      capacity: { cpu: c.cpu_millicores, ram: c.ram_bytes, pods: c.pods, storage: c.storage_bytes ?? 0 },
      allocated: { cpu: a.cpu_millicores, ram: a.ram_bytes, pods: a.pods },
    },
  };
}

/** Object key order puts integer-like names first: the list is sorted by name, as the server lists it. */
export const decodeNodeList = (w: NodeListView): Node[] => Object.values(w).map(decodeNode).sort((a, b) => (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0));

export const decodeSecret = (w: SecretView): Secret => ({ ...w, meta: omit(w.meta, 'self_link') });

export const decodeConfig = (w: ConfigView): Config => ({ ...w, meta: omit(w.meta, 'self_link', 'kind') });

export const decodeRoute = (w: RouteView): Route => ({ ...w, meta: omit(w.meta, 'self_link') });

export function decodeVolume(w: VolumeView): Volume {
  const { capacity, ...spec } = w.spec;
  const storage = capacity && decodeQuantities<'storage'>(capacity).storage;
  return { ...w, meta: omit(w.meta, 'self_link'), spec: { ...spec, ...(storage !== undefined ? { capacity: { storage } } : {}) } };
}

export function decodePod(w: PodView): Pod {
  return { ...w, meta: omit(w.meta, 'self_link', 'parent'), spec: { ...omit(w.spec, 'state'), template: decodeTemplate(w.spec.template) } };
}

/** The original's "Rolling" back to the rolling strategy (no type: blue-green). */
export function decodeStrategy(s: StrategyView): ServiceStrategy {
  const { type, ...rest } = s;
  return type === 'Rolling' ? { type: 'rolling', ...rest } : rest;
}

export function decodeService(w: ServiceView): Service {
  const { network: net, template, strategy, ...spec } = w.spec;
  return {
    ...w,
    meta: omit(w.meta, 'self_link', 'endpoint', 'replicas'),
    spec: {
      ...spec,
      ...(net ? { network: { ...omit(net, 'ports', 'port_mappings', 'ip'), ports: net.port_mappings } } : {}),
      ...(strategy ? { strategy: decodeStrategy(strategy) } : {}),
      template: decodeTemplate(template),
    },
  };
}
