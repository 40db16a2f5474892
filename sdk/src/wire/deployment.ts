// A Deployment on the wire (views/deployment.go): meta.self_link, meta.version and meta.endpoint added,
// the template's containers as the original's.
import { z } from 'zod';
import { DeploymentObject } from '../models/answers';
import type { Deployment } from '../models/resources';
import { selfLink, serviceEndpoint, wireSchema, type WireContext } from './common';
import { encodeTemplate, PodTemplateView } from './template';
export { decodeDeployment } from './decode';

export const DeploymentView = wireSchema<Deployment>()(
  DeploymentObject.extend({
    meta: DeploymentObject.shape.meta
      .extend({ self_link: z.string().describe('"<namespace>:<service>:<name>"'), version: z.number(), endpoint: z.string().describe('the service\'s DNS name') })
      .strict(),
    spec: DeploymentObject.shape.spec.extend({ template: PodTemplateView }).strict(),
  }).strict(),
);
export type DeploymentView = z.output<typeof DeploymentView>;

export function encodeDeployment(d: Deployment, ctx: WireContext): DeploymentView {
  const { namespace, service, name } = d.meta;
  return {
    ...d,
    meta: { ...d.meta, self_link: selfLink(namespace, service, name), version: d.spec.version, endpoint: serviceEndpoint(namespace, service, ctx) },
    spec: { ...d.spec, template: encodeTemplate(d.spec.template) },
  };
}

