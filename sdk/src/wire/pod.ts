// A Pod on the wire (views/pod.go): meta.self_link and meta.parent (its deployment) added, spec.state the
// original's {destroy, maintenance} (maintenance: its node is draining), the template's containers as the original's.
import { z } from 'zod';
import { PodObject } from '../models/answers';
import type { Pod } from '../models/resources';
import { selfLink, wireSchema } from './common';
import { encodeTemplate, PodTemplateView } from './template';
export { decodePod } from './decode';

export const PodView = wireSchema<Pod>()(
  PodObject.extend({
    meta: PodObject.shape.meta
      .extend({
        self_link: z.string().describe('"<namespace>:<service>:<deployment>:<name>"'),
        parent: z.object({ kind: z.literal('deployment'), self_link: z.string() }).strict(),
      })
      .strict(),
    spec: PodObject.shape.spec.extend({ template: PodTemplateView, state: z.object({ destroy: z.boolean(), maintenance: z.boolean() }).strict() }).strict(),
  }).strict(),
);
export type PodView = z.output<typeof PodView>;

export function encodePod(p: Pod): PodView {
  const { namespace, service, deployment, name } = p.meta;
  const parent = selfLink(namespace, service, deployment);
  return {
    ...p,
    meta: { ...p.meta, self_link: selfLink(parent, name), parent: { kind: 'deployment', self_link: parent } },
    spec: { ...p.spec, template: encodeTemplate(p.spec.template), state: { destroy: p.spec.destroy, maintenance: !!p.spec.evict } },
  };
}

