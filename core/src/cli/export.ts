// `lb export`: stored objects back to manifests that `lb apply -f` accepts unchanged.
// Only user fields survive: kind, version, meta.name, meta.labels (non-empty), meta.description, spec.
import { yaml } from './lazy';
import type { Config, Namespace, Route, Secret, Service, Volume } from '@lastbackend/sdk';

export type ExportableObject = Namespace | Service | Secret | Config | Volume | Route;

export interface ExportedManifest<K extends string = ExportableObject['kind'], S = unknown> {
  kind: K;
  version: 'v1';
  meta: { name: string; labels?: Record<string, string>; description?: string };
  spec: S;
}

/** Strips status and server-set meta (uid, times, revision, namespace). */
export function toManifest<O extends ExportableObject>(obj: O): ExportedManifest<O['kind'], O['spec']> {
  const meta: ExportedManifest['meta'] = { name: obj.meta.name };
  if (obj.meta.labels && Object.keys(obj.meta.labels).length) meta.labels = { ...obj.meta.labels };
  if (obj.meta.description !== undefined) meta.description = obj.meta.description;
  return { kind: obj.kind, version: 'v1', meta, spec: structuredClone(obj.spec) as O['spec'] };
}

/** One part of an export: a manifest, or a comment standing where a skipped object would be. */
export type ExportPart = { manifest: ExportedManifest } | { comment: string };

/** Secret values are masked by the API, so a secret is replaced by a comment. */
export function secretComment(name: string): ExportPart {
  return { comment: `secret ${name} skipped: values are not exported` };
}

/** Multi-document YAML; a comment becomes its own (empty) document, which `lb apply` skips. */
export function renderExport(parts: readonly ExportPart[]): string {
  return parts
    .map((p) =>
      'manifest' in p
        ? yaml().stringify(p.manifest, { lineWidth: 0 })
        : p.comment
            .split('\n')
            .map((l) => `# ${l}`)
            .join('\n') + '\n',
    )
    .join('---\n');
}
