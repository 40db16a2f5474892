// A compose file as manifests for one namespace: what `lb compose convert` prints and `lb apply` sends.
import { LbError, invalid } from '@lastbackend/sdk';
import { parseYaml, type ParsedYaml } from '../manifest-files';
import { usage } from '../usage';
import { convertCompose, type Manifest } from './convert';
import { composeSource, isComposeFileName, loadCompose, looksLikeCompose, namespaceOf } from './load';

export interface ComposeInput {
  /** The path, URL or "<stdin>". */
  name: string;
  text: string;
}

export interface ComposeManifests {
  namespace: string;
  /** Without a Namespace manifest: the caller adds one where the namespace is to be created. */
  manifests: Manifest[];
  warnings: string[];
}

/**
 * A compose file by its content (one mapping with services: and no kind:), or by its name (compose.yaml,
 * docker-compose.yml, …) unless it holds manifests (a document with kind:).
 */
export function isCompose(src: ComposeInput, parsed: ParsedYaml = parseYaml(src)): boolean {
  if ('error' in parsed) return byName(src);
  const docs = parsed.docs;
  if (looksLikeCompose(docs)) return true;
  return byName(src) && !docs.some((d) => !!d && typeof d === 'object' && 'kind' in d);
}

const byName = (src: ComposeInput) => src.name !== '<stdin>' && isComposeFileName(src.name.replace(/[?#].*$/, ''));

/** Converts a compose file; the namespace is `flag`, else the project's name (its `name:`, else its directory's). */
export function composeManifests(src: ComposeInput, env: NodeJS.ProcessEnv, cwd: string, flag?: string): ComposeManifests {
  const loaded = loadCompose(composeSource(src.name, src.text, cwd), env);
  const namespace = flag ?? namespaceOf(loaded.project);
  if (!namespace) throw usage(`${src.name}: the project name "${loaded.project}" makes no namespace name: give -n NAMESPACE or name: in the file`);
  const { manifests, warnings } = convertCompose(loaded);
  return { namespace, manifests, warnings };
}

export { composeJobRun } from './jobs';

export const namespaceManifest = (name: string): Manifest => ({ kind: 'Namespace', version: 'v1', meta: { name }, spec: {} });

/** A converted manifest's problems named by the manifest (service/web.spec…), not by its place in the list. */
export function renameFields(e: unknown, manifests: readonly Manifest[], file: string): unknown {
  const fields = (e as LbError).details?.fields;
  if (!(e instanceof LbError) || !fields) return e;
  const renamed = fields.map((f) => ({
    ...f,
    field: f.field.replace(/^documents\.(\d+)/, (_, i: string) => `${manifests[Number(i)].kind.toLowerCase()}/${manifests[Number(i)].meta.name}`),
  }));
  return invalid(renamed, `${file}: what it becomes is not valid here`);
}
