// A pod template on the wire (services, deployments, pods): the original's container fields with its
// names and types (views/manifest.go ManifestSpecTemplateContainer), ours beside them where they differ.
import { z } from 'zod';
import { ContainerModel, ImageModel, PodTemplate, type ContainerManifest } from '../models/manifests';
import { encodeQuantities, quantitiesView } from './common';
export { decodeContainer, decodeTemplate } from './decode';

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

export const encodeTemplate = (t: PodTemplate): PodTemplateView => ({ ...t, containers: t.containers.map(encodeContainer) });
