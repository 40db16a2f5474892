// What every wire view shares: the original's self links and endpoints, its resource strings, and the
// type brand that tells a reader which model type a wire schema decodes into.
import { z } from 'zod';
export { decodeQuantities, omit } from './decode';

/** What encoding needs beyond the object: the discovery suffix that names endpoints (`<svc>.<ns>.<suffix>`). */
export interface WireContext {
  suffix: string;
}
export const DEFAULT_WIRE_CONTEXT: WireContext = { suffix: 'lb.local' };

declare const MODEL: unique symbol;
/** A wire schema that `decode` turns into M: the client hands out M, not the wire type. */
export type WireSchema<S extends z.ZodType, M> = S & { readonly [MODEL]: M };
export const wireSchema = <M>() => <S extends z.ZodType>(s: S): WireSchema<S, M> => s as WireSchema<S, M>;
/** The type a client gets for an answer schema: the model for a wire schema, else the schema's output. */
export type Decoded<S> = S extends { readonly [MODEL]: infer M } ? M : S extends z.ZodType ? z.output<S> : never;

// The original's self links: names joined by ":" from the namespace down (types/selflink.go).
export const selfLink = (...parts: string[]): string => parts.join(':');
/** The original's endpoints: a namespace is `<ns>.<internal domain>`, a service `<svc>.<namespace endpoint>`. */
export const namespaceEndpoint = (ns: string, ctx: WireContext): string => `${ns}.${ctx.suffix}`.toLowerCase();
export const serviceEndpoint = (ns: string, name: string, ctx: WireContext): string => `${name}.${namespaceEndpoint(ns, ctx)}`;

/** Cores as the original prints them: millicores 2000 → "2.000". */
export const formatCores = (millicores: number): string => (millicores / 1000).toFixed(3);

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
/** Bytes as the original prints them (four significant digits, binary units): 536870912 → "512MiB". */
export function formatBytes(bytes: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < BINARY_UNITS.length - 1) {
    size /= 1024;
    i++;
  }
  return `${Number(size.toPrecision(4))}${BINARY_UNITS[i]}`;
}

/**
 * Quantities as a user wrote them ("128mib", 0.5, 134217728) become the original's strings; the keys that
 * were numbers are listed in `numeric`, so decoding gives back exactly what was stored.
 */
export type Quantities<K extends string> = Partial<Record<K, string | number>>;
export type QuantitiesView<K extends string> = Partial<Record<K, string>> & { numeric?: K[] };

export function encodeQuantities<K extends string>(q: Quantities<K>): QuantitiesView<K> {
  const out: Partial<Record<K, string>> = {};
  const numeric: K[] = [];
  for (const k of Object.keys(q) as K[]) {
    const v = q[k];
    if (v === undefined) continue;
    out[k] = String(v);
    if (typeof v === 'number') numeric.push(k);
  }
  return numeric.length ? { ...out, numeric } : out;
}

/** The schema of a quantities view with the given keys. */
export const quantitiesView = <K extends string>(keys: readonly [K, ...K[]]) =>
  z
    .object({
      ...(Object.fromEntries(keys.map((k) => [k, z.string().optional()])) as Record<K, z.ZodOptional<z.ZodString>>),
      numeric: z.array(z.enum(keys)).optional().describe('keys whose value was written as a number'),
    })
    .strict();

