// Reading manifests for `lb apply`: a file, a URL or stdin; multi-document YAML; local validation.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { defaultCa, tlsDispatcher } from '@lastbackend/sdk/client';
import {
  LbError,
  manifestKindProblem,
  Manifests,
  invalid,
  issuesToFields,
  type AnyManifest,
  type FieldError,
  type ManifestKind,
  type SchemaLike,
} from '@lastbackend/sdk';

export const URL_TIMEOUT_MS = 30_000;

export interface ManifestSource {
  /** How errors name it: the path, the URL or "<stdin>". */
  name: string;
  text: string;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

export async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads `-` (stdin), an http(s) URL or a file. */
export async function readSource(arg: string, stdin: NodeJS.ReadableStream): Promise<ManifestSource> {
  if (arg === '-') return { name: '<stdin>', text: await readStream(stdin) };
  if (isUrl(arg)) return { name: arg, text: await fetchText(arg) };
  try {
    return { name: arg, text: await readFile(arg, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new LbError('INVALID_ARGUMENT', `cannot read ${arg}: ${why}`);
  }
}

async function fetchText(url: string): Promise<string> {
  let res: Response;
  try {
    // The default trust, with the CAs the `lb` launcher moved out of Node's start-up (default-trust.ts).
    const dispatcher = url.startsWith('https:') && defaultCa() ? tlsDispatcher({}) : undefined;
    res = await fetch(url, { signal: AbortSignal.timeout(URL_TIMEOUT_MS), ...(dispatcher ? { dispatcher } : {}) } as RequestInit);
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' ? `timed out after ${URL_TIMEOUT_MS / 1000}s` : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new LbError('UNAVAILABLE', `cannot fetch ${url}: ${why}`);
  }
  if (!res.ok) throw new LbError('UNAVAILABLE', `cannot fetch ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  return res.text();
}

/** A multi-document YAML text's non-empty documents as plain values, or its first syntax error. */
export type ParsedYaml = { docs: unknown[] } | { error: LbError };

/**
 * Parses a multi-document YAML text once (`lb apply` tells a compose file and reads manifests from the same
 * parse). Merge keys (`<<: *defaults`) are honoured, as in compose files and Kubernetes manifests.
 */
export function parseYaml(source: ManifestSource): ParsedYaml {
  const docs = parseAllDocuments(source.text, { merge: true });
  // A text of only comments or whitespace yields an empty list rather than an EmptyStream.
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const e = doc.errors[0];
    if (!e) continue;
    const line = e.linePos?.[0].line;
    const what = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').trim();
    return { error: new LbError('INVALID_ARGUMENT', `${source.name}: YAML syntax error${line ? ` at line ${line}` : ''}: ${what}`) };
  }
  try {
    return { docs: list.map((doc): unknown => doc.toJS()).filter((v) => v !== null && v !== undefined) };
  } catch (e) {
    // A document that parses but cannot be built (e.g. a merge key whose value is not a mapping).
    return { error: new LbError('INVALID_ARGUMENT', `${source.name}: ${(e as Error).message.split('\n')[0]}`) };
  }
}

/** The non-empty documents of a multi-document YAML text, as plain values. Throws on any syntax error. */
export function parseYamlDocuments(source: ManifestSource): unknown[] {
  const parsed = parseYaml(source);
  if ('error' in parsed) throw parsed.error;
  return parsed.docs;
}

/**
 * Checks every document against the SDK schemas, naming bad fields as documents.<i>.<path>.
 * Returns the parsed manifests (defaults filled in); throws one INVALID_ARGUMENT listing all problems.
 */
export function validateManifests(docs: readonly unknown[]): AnyManifest[] {
  const fields: FieldError[] = [];
  const out: AnyManifest[] = [];
  docs.forEach((doc, i) => {
    const base = ['documents', String(i)];
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
      fields.push({ field: base.join('.'), reason: 'must be a mapping with kind, meta and spec' });
      return;
    }
    const kind = (doc as { kind?: unknown }).kind;
    const problem = manifestKindProblem(kind);
    if (problem !== undefined) {
      fields.push({ field: [...base, 'kind'].join('.'), reason: problem });
      return;
    }
    const schema = Manifests[kind as ManifestKind] as SchemaLike<AnyManifest>;
    const r = schema.safeParse(doc);
    if (r.success) out.push(r.data);
    else fields.push(...issuesToFields(r.error.issues, base));
  });
  if (fields.length) throw invalid(fields, 'invalid manifest');
  return out;
}

/** Reads, parses and validates every source; the raw documents are what gets sent. */
export async function loadManifests(
  args: readonly string[],
  stdin: NodeJS.ReadableStream,
): Promise<{ documents: unknown[]; manifests: AnyManifest[] }> {
  const sources: ManifestSource[] = [];
  for (const arg of args) sources.push(await readSource(arg, stdin));
  return manifestsOf(sources);
}

/** Validates sources already read, and parsed (`lb apply` parses them first to tell a compose file). */
export function manifestsOf(
  sources: readonly ManifestSource[],
  parsed: readonly ParsedYaml[] = sources.map(parseYaml),
): { documents: unknown[]; manifests: AnyManifest[] } {
  const documents: unknown[] = [];
  for (const [i, src] of sources.entries()) {
    const p = parsed[i];
    if ('error' in p) throw p.error;
    const docs = p.docs;
    if (!docs.length) throw new LbError('INVALID_ARGUMENT', `${src.name}: no manifests found`);
    documents.push(...docs);
  }
  return { documents, manifests: validateManifests(documents) };
}
