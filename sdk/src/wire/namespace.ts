// A Namespace on the wire (views/namespace.go): meta.self_link and meta.endpoint added, resource limits
// as the original's strings (a limit written as a number is listed in `numeric`).
import { z } from 'zod';
import { NamespaceObject } from '../models/answers';
import { POD_SECURITY_POLICIES } from '../models/manifests';
import type { Namespace } from '../models/resources';
import { encodeQuantities, namespaceEndpoint, quantitiesView, selfLink, wireSchema, type WireContext } from './common';
import { policyOf } from './decode';
export { decodeNamespace } from './decode';

export const NamespaceView = wireSchema<Namespace>()(
  NamespaceObject.extend({
    meta: NamespaceObject.shape.meta
      .extend({
        self_link: z.string().describe('the namespace\'s name'),
        endpoint: z.string().describe('<namespace>.<discovery suffix>, the domain its services are found under'),
      })
      .strict(),
    spec: z
      .object({
        resources: z
          .object({
            limits: quantitiesView(['ram', 'cpu', 'storage', 'pods', 'services', 'volumes']).optional(),
            defaults: quantitiesView(['ram', 'cpu']).optional(),
          })
          .strict()
          .optional(),
        policy: z.enum(POD_SECURITY_POLICIES).optional(),
      })
      .strict(),
  }).strict(),
);
export type NamespaceView = z.output<typeof NamespaceView>;

export function encodeNamespace(n: Namespace, ctx: WireContext): NamespaceView {
  const r = n.spec.resources;
  return {
    ...n,
    meta: { ...n.meta, self_link: selfLink(n.meta.name), endpoint: namespaceEndpoint(n.meta.name, ctx) },
    spec: {
      ...(r ? { resources: { ...(r.limits ? { limits: encodeQuantities(r.limits) } : {}), ...(r.defaults ? { defaults: encodeQuantities(r.defaults) } : {}) } } : {}),
      ...policyOf(n.spec),
    },
  };
}

