// A pod template on the wire (services, deployments, pods): the original's container fields with its
// names and types (views/manifest.go ManifestSpecTemplateContainer), ours beside them where they differ.
import { z } from 'zod';
import { ContainerModel, ImageModel, PodTemplate, type ContainerManifest } from '../models/manifests';
import { decodeQuantities, encodeQuantities, omit, quantitiesView } from './common';

type Container = ContainerManifest;
type Resources = NonNullable<Container['resources']>;

const quantities = quantitiesView(['ram', 'cpu']);

// The original's `command` is the image's CMD (our args) and its `entrypoint` replaces the image's
// entrypoint (our command), as manifests.ts reads them; both are strings there, so command_argv keeps ours
// word by word and `args` (the original's own []string) is ours as it is.
export const ContainerView = ContainerModel.extend({
  command: z.string().optional().describe("the image's CMD as one string (the original's type): args joined"),
  entrypoint: z.string().optional().describe("what replaces the image's entrypoint, as one string (the original's type)"),
  command_argv: z.array(z.string()).optional().describe("what replaces the image's entrypoint, one argument per item"),
  ports: z.array(z.string()).optional().describe('container ports as "8080/tcp"'),
  image: ImageModel
    .extend({ secret: z.object({ name: z.string(), key: z.string() }).strict().optional().describe('Secret of type auth used to pull the image') })
    .strict(),
  resources: z.object({ limits: quantities.optional(), quota: quantities.optional().describe('requested resources (the original\'s name)') }).strict().optional(),
  restart_policy: z.object({ policy: z.string(), attempt: z.number() }).strict().describe('the original\'s name for restart'),
}).strict();
export type ContainerView = z.output<typeof ContainerView>;

export const PodTemplateView = z
  .object({ containers: z.array(ContainerView), volumes: PodTemplate.shape.volumes, termination: PodTemplate.shape.termination })
  .strict();
export type PodTemplateView = z.output<typeof PodTemplateView>;

function encodeResources(r: Resources): NonNullable<ContainerView['resources']> {
  return { ...(r.limits ? { limits: encodeQuantities(r.limits) } : {}), ...(r.requests ? { quota: encodeQuantities(r.requests) } : {}) };
}

function decodeResources(r: NonNullable<ContainerView['resources']>): Resources {
  return { ...(r.limits ? { limits: decodeQuantities(r.limits) } : {}), ...(r.quota ? { requests: decodeQuantities(r.quota) } : {}) };
}

export function encodeContainer(c: Container): ContainerView {
  const { command, ports, image, resources, ...rest } = c;
  const { secret, ...img } = image;
  return {
    ...rest,
    ...(c.args ? { command: c.args.join(' ') } : {}),
    ...(command ? { entrypoint: command.join(' '), command_argv: command } : {}),
    ...(ports ? { ports: ports.map((p) => `${p.container}/${p.protocol}`) } : {}),
    image: { ...img, ...(secret !== undefined ? { secret: { name: secret, key: '' } } : {}) },
    ...(resources ? { resources: encodeResources(resources) } : {}),
    restart_policy: { policy: c.restart.policy, attempt: c.restart.attempts ?? 0 },
  };
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
    ...(resources ? { resources: decodeResources(resources) } : {}),
  };
}

function decodePort(s: string): { container: number; protocol: 'tcp' | 'udp' } {
  const [port, protocol] = s.split('/');
  return { container: Number(port), protocol: protocol === 'udp' ? 'udp' : 'tcp' };
}

export const encodeTemplate = (t: PodTemplate): PodTemplateView => ({ ...t, containers: t.containers.map(encodeContainer) });
export const decodeTemplate = (w: PodTemplateView): PodTemplate => ({ ...w, containers: w.containers.map(decodeContainer) });
