// Secrets, configs, volumes and routes on the wire (views/{secret,config,volume,route}.go): today's
// shape already has the original's names and types, plus meta.self_link ("<namespace>:<name>"), a
// config's meta.kind ("text", the original's only kind) and a volume's capacity as the original's string.
import { z } from 'zod';
import { ConfigObject, RouteObject, SecretObject, VolumeObject } from '../models/answers';
import { VolumeSpecModel } from '../models/manifests';
import type { Config, Route, Secret, Volume } from '../models/resources';
import { encodeQuantities, quantitiesView, selfLink, wireSchema } from './common';
export { decodeConfig, decodeRoute, decodeSecret, decodeVolume } from './decode';

// Secrets, configs, volumes and routes share one meta (a namespaced object's).
const LinkedMeta = SecretObject.shape.meta.extend({ self_link: z.string().describe('"<namespace>:<name>"') }).strict();

export const SecretView = wireSchema<Secret>()(SecretObject.extend({ meta: LinkedMeta }).strict());
export type SecretView = z.output<typeof SecretView>;
export const ConfigView = wireSchema<Config>()(
  ConfigObject.extend({ meta: LinkedMeta.extend({ kind: z.literal('text').describe('the original\'s config kind') }).strict() }).strict(),
);
export type ConfigView = z.output<typeof ConfigView>;
export const RouteView = wireSchema<Route>()(RouteObject.extend({ meta: LinkedMeta }).strict());
export type RouteView = z.output<typeof RouteView>;
export const VolumeView = wireSchema<Volume>()(
  VolumeObject.extend({
    meta: LinkedMeta,
    spec: VolumeSpecModel.extend({ capacity: z.object({ storage: quantitiesView(['storage']).shape.storage.unwrap(), numeric: quantitiesView(['storage']).shape.numeric }).strict().optional() }).strict(),
  }).strict(),
);
export type VolumeView = z.output<typeof VolumeView>;

type Namespaced = { meta: { namespace: string; name: string } };
const linked = <T extends Namespaced>(o: T) => ({ ...o, meta: { ...o.meta, self_link: selfLink(o.meta.namespace, o.meta.name) } });

export const encodeSecret = (s: Secret): SecretView => linked(s);
export const encodeConfig = (c: Config): ConfigView => {
  const l = linked(c);
  return { ...l, meta: { ...l.meta, kind: 'text' } };
};
export const encodeRoute = (r: Route): RouteView => linked(r);

export function encodeVolume(v: Volume): VolumeView {
  const { capacity, ...spec } = v.spec;
  const storage = capacity && encodeQuantities<'storage'>(capacity);
  return { ...linked(v), spec: { ...spec, ...(storage?.storage !== undefined ? { capacity: { ...storage, storage: storage.storage } } : {}) } };
}
