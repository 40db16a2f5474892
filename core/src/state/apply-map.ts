// The original Last.Backend's apply (PUT /namespace/{ns}/apply): manifests grouped by kind in maps
// keyed by name, answered with which of them were provisioned. It is mapped onto this project's apply
// (POST /namespace/{ns}/apply {manifests: [...]}): every entry becomes a manifest of its group's kind.
import { ApplyResultSchema, invalid, type ApplyResult, type FieldError, type ManifestKind } from '@lastbackend/sdk';
import { z } from 'zod';

/** The original's groups, in the order its handler applied them, and the kind each one holds. */
export const APPLY_GROUPS = { configs: 'Config', secrets: 'Secret', volumes: 'Volume', services: 'Service', routes: 'Route', jobs: 'Job' } as const satisfies Record<string, Exclude<ManifestKind, 'Namespace'>>;
type Group = keyof typeof APPLY_GROUPS;

const entries = (kind: string) =>
  z
    .record(z.string(), z.record(z.string(), z.unknown()).describe(`a ${kind} manifest: its kind may be left out, and its meta.name defaults to the key`))
    .nullable()
    .optional()
    .describe(`${kind} manifests by name (a Go client sends an unset map as null)`);

export const ApplyMapRequest = z
  .object({
    services: entries('Service'),
    configs: entries('Config'),
    secrets: entries('Secret'),
    routes: entries('Route'),
    volumes: entries('Volume'),
    jobs: entries('Job'),
  })
  .strict();
export type ApplyMapRequest = z.output<typeof ApplyMapRequest>;

const provisioned = z.record(z.string(), z.boolean()).optional().describe('"namespace:name" → true (all or nothing: a refused apply answers an error)');
/** The original's NamespaceApplyStatus (empty groups left out), and this project's per-manifest results. */
export const ApplyStatusSchema = z
  .object({
    services: provisioned,
    configs: provisioned,
    secrets: provisioned,
    volumes: provisioned,
    routes: provisioned,
    jobs: provisioned,
    results: z.array(ApplyResultSchema).describe('this project: what happened to each manifest (created, updated, unchanged)'),
  })
  .strict();
export type ApplyStatus = z.output<typeof ApplyStatusSchema>;

/** A manifest taken from a map entry, and where it was in the request (for error fields). */
export interface MapEntry {
  path: string;
  raw: unknown;
}

const MAX_MANIFESTS = 1000;

/** Each entry as a manifest of its group's kind, named after its key unless it names itself. */
export function manifestsOfApplyMap(req: ApplyMapRequest): MapEntry[] {
  const out: MapEntry[] = [];
  const errors: FieldError[] = [];
  for (const group of Object.keys(APPLY_GROUPS) as Group[]) {
    const kind = APPLY_GROUPS[group];
    for (const [key, m] of Object.entries(req[group] ?? {})) {
      const path = `${group}.${key}`;
      if (m.kind !== undefined && m.kind !== kind) {
        errors.push({ field: `${path}.kind`, reason: `is ${JSON.stringify(m.kind)} but ${group} holds ${kind} manifests` });
        continue;
      }
      const meta = m.meta === undefined ? {} : m.meta;
      const named = meta && typeof meta === 'object' && !Array.isArray(meta) && !('name' in meta) ? { ...meta, name: key } : meta;
      out.push({ path, raw: { ...m, kind, meta: named } });
    }
  }
  if (errors.length) throw invalid(errors, 'invalid manifest');
  if (out.length > MAX_MANIFESTS) throw invalid([{ field: '', reason: `at most ${MAX_MANIFESTS} manifests per apply` }], 'invalid manifest');
  return out;
}

const GROUP_OF: Record<string, Group> = Object.fromEntries(Object.entries(APPLY_GROUPS).map(([g, k]) => [k, g as Group]));

/** The answer: every applied manifest under its group as "namespace:name" (the original's self link), plus the results. */
export function applyStatus(results: ApplyResult[]): ApplyStatus {
  const status: ApplyStatus = { results };
  for (const r of results) {
    const group = GROUP_OF[r.kind];
    if (group) (status[group] ??= {})[`${r.namespace}:${r.name}`] = true;
  }
  return status;
}
