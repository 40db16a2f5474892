// The API's wire format v1: the original Last.Backend's views (pkg/api/types/v1/views) with this
// project's fields beside them. The server encodes every object it answers with (encodeAnswer); the SDK
// client decodes them back into the model types (models/resources.ts), which is what is stored.
import type { Cluster, Config, Deployment, Job, Namespace, Node, Pod, Route, Secret, Service, Task, Volume } from '../models/resources';
import type { WireContext } from './common';
import { encodeCluster } from './cluster';
import { encodeDeployment } from './deployment';
import { encodeJob, encodeTask } from './job';
import { encodeNamespace } from './namespace';
import { encodeNode, encodeNodeList } from './node';
import { encodeConfig, encodeRoute, encodeSecret, encodeVolume } from './objects';
import { encodePod } from './pod';
import { encodeService } from './service';

export * from './common';
export * from './cluster';
export * from './deployment';
export * from './job';
export * from './logs';
export * from './namespace';
export * from './node';
export * from './objects';
export * from './pod';
export * from './service';
export * from './template';

/** Encoders by the name of the route's answer schema (routes.ts); answers not named here go out as they are. */
const ENCODERS: Record<string, (value: never, ctx: WireContext) => unknown> = {
  Namespace: (v: Namespace, ctx) => encodeNamespace(v, ctx),
  Service: (v: Service, ctx) => encodeService(v, ctx),
  Deployment: (v: Deployment, ctx) => encodeDeployment(v, ctx),
  Pod: (v: Pod) => encodePod(v),
  Node: (v: Node) => encodeNode(v),
  NodeList: (v: Node[]) => encodeNodeList(v),
  Cluster: (v: Cluster) => encodeCluster(v),
  Secret: (v: Secret) => encodeSecret(v),
  Config: (v: Config) => encodeConfig(v),
  Volume: (v: Volume) => encodeVolume(v),
  Route: (v: Route) => encodeRoute(v),
  Job: (v: Job) => encodeJob(v),
  Task: (v: Task) => encodeTask(v),
};

/** Whether answers named so are encoded. */
export const hasWireEncoder = (answer: string): boolean => answer in ENCODERS;

/** A handler's answer as it goes on the wire: `list` answers are arrays of the named view. */
export function encodeAnswer(answer: string, value: unknown, list: boolean, ctx: WireContext): unknown {
  const enc = ENCODERS[answer] as ((v: unknown, ctx: WireContext) => unknown) | undefined;
  if (!enc || value === undefined || value === null) return value;
  return list ? (value as unknown[]).map((v) => enc(v, ctx)) : enc(value, ctx);
}

