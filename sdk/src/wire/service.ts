// A Service on the wire (views/service.go): meta.self_link, meta.endpoint and meta.replicas added,
// network.ports as the original's map {"80": "8080/tcp"} with ours (names, every protocol) in
// network.port_mappings, network.ip the service's virtual IP, and the template's containers as the original's.
import { z } from 'zod';
import { ServiceObject } from '../models/answers';
import { NetworkModel, parsePortMapping, ServiceSpec, StrategyModel, type ServiceStrategy } from '../models/manifests';
import type { Service } from '../models/resources';
import { selfLink, serviceEndpoint, wireSchema, type WireContext } from './common';
import { encodeTemplate, PodTemplateView } from './template';
export { decodeService } from './decode';

const network = NetworkModel;

/**
 * The strategy as the original's views say it (types SpecStrategy): type "Rolling" for a rolling update, no
 * type for blue-green (the original had no name for it), with its rollingOptions' max_surge and max_unavailable.
 */
export const StrategyView = StrategyModel.extend({ type: z.literal('Rolling').optional().describe('"Rolling": a rolling update; left out: blue-green') }).strict();
export type StrategyView = z.output<typeof StrategyView>;
export const encodeStrategy = (s: ServiceStrategy): StrategyView => {
  const { type, ...rest } = s;
  return type === 'rolling' ? { type: 'Rolling', ...rest } : rest;
};

export const ServiceView = wireSchema<Service>()(
  ServiceObject.extend({
    meta: ServiceObject.shape.meta
      .extend({
        self_link: z.string().describe('"<namespace>:<name>"'),
        endpoint: z.string().describe('the service\'s DNS name: <name>.<namespace>.<discovery suffix>'),
        replicas: z.number(),
      })
      .strict(),
    spec: ServiceSpec.extend({
      network: network
        .extend({
          ports: z.record(z.string(), z.string()).describe('service port → "containerPort/protocol" (the original\'s map)'),
          port_mappings: z.array(z.string()).describe('the ports as given: "[name=]port[:containerPort][/tcp|udp]"'),
          ip: z.string().optional().describe('the virtual IP'),
        })
        .strict()
        .optional(),
      template: PodTemplateView,
      strategy: StrategyView.optional(),
    }).strict(),
  }).strict(),
);
export type ServiceView = z.output<typeof ServiceView>;

/** The original's map keeps one target per service port: the first mapping of a port wins. */
export function portMap(mappings: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of mappings) {
    const p = parsePortMapping(m);
    out[String(p.port)] ??= `${p.container}/${p.protocol}`;
  }
  return out;
}

export function encodeService(s: Service, ctx: WireContext): ServiceView {
  const { network: net, template, strategy, ...spec } = s.spec;
  const ip = s.status.network.ip;
  return {
    ...s,
    meta: { ...s.meta, self_link: selfLink(s.meta.namespace, s.meta.name), endpoint: serviceEndpoint(s.meta.namespace, s.meta.name, ctx), replicas: s.spec.replicas },
    spec: {
      ...spec,
      ...(net ? { network: { ...net, ports: portMap(net.ports), port_mappings: net.ports, ...(ip ? { ip } : {}) } } : {}),
      template: encodeTemplate(template),
      ...(strategy ? { strategy: encodeStrategy(strategy) } : {}),
    },
  };
}

