// Pure validation and confinement helpers: no file system access here.
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { invalid, type FieldError, type VolumeRef } from '@lastbackend/sdk';

/** A DNS label (RFC 1123): 1–63 of [a-z0-9-], starting and ending with a letter or digit. */
export const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_LABEL_REASON = 'must be a DNS label: 1-63 characters of [a-z0-9-], starting and ending with a letter or digit';

/** A plain file name for putFiles keys: [A-Za-z0-9._-], not "." or "..". */
export const FILE_NAME = /^[A-Za-z0-9._-]{1,255}$/;

export const MAX_SUB_PATH = 4096;

/** Directory (under root) of putFiles directories; not a DNS label, so no namespace can collide with it. */
export const FILES_DIR = '.files';
/** Directory (under root) removed volumes are moved to before they are deleted. */
export const TRASH_DIR = '.trash';
/** Capacity records file under root. */
export const RECORDS_FILE = '.volumes.json';

function labelError(field: string, value: unknown): FieldError | undefined {
  if (typeof value !== 'string') return { field, reason: 'must be a string' };
  if (value === '') return { field, reason: 'must not be empty' };
  if (value.length > 63) return { field, reason: `${DNS_LABEL_REASON} (got ${value.length} characters)` };
  if (!DNS_LABEL.test(value)) return { field, reason: DNS_LABEL_REASON };
  return undefined;
}

/** Field errors of a volume reference; empty when valid. */
export function refErrors(ref: unknown): FieldError[] {
  if (typeof ref !== 'object' || ref === null) return [{ field: '', reason: 'a volume reference {namespace, name} is required' }];
  const r = ref as Record<string, unknown>;
  return [labelError('namespace', r.namespace), labelError('name', r.name)].filter((e): e is FieldError => e !== undefined);
}

/** Returns a clean copy of a valid reference or throws INVALID_ARGUMENT naming the bad fields. */
export function checkRef(ref: unknown): VolumeRef {
  const errors = refErrors(ref);
  if (errors.length) throw invalid(errors, 'invalid volume reference');
  const r = ref as VolumeRef;
  return { namespace: r.namespace, name: r.name };
}

/** "namespace/name": the key of a volume in records and messages. */
export const refKey = (ref: VolumeRef): string => `${ref.namespace}/${ref.name}`;

/** Parses a refKey back; undefined when it is not a valid one. */
export function parseRefKey(key: string): VolumeRef | undefined {
  const parts = key.split('/');
  if (parts.length !== 2) return undefined;
  const ref = { namespace: parts[0], name: parts[1] };
  return refErrors(ref).length ? undefined : ref;
}

/**
 * Validates a sub-path and returns its normalised segments (empty for the volume itself: undefined, "", ".").
 * Relative only; no ".." segments; no NUL. Throws INVALID_ARGUMENT (field "subPath").
 */
export function subPathSegments(subPath: unknown): string[] {
  if (subPath === undefined) return [];
  const bad = (reason: string) => invalid([{ field: 'subPath', reason }], 'invalid sub-path');
  if (typeof subPath !== 'string') throw bad('must be a string');
  if (subPath.includes('\0')) throw bad('must not contain NUL');
  if (subPath.length > MAX_SUB_PATH) throw bad(`must be at most ${MAX_SUB_PATH} characters`);
  if (subPath.startsWith('/') || isAbsolute(subPath)) throw bad('must be relative, not an absolute path');
  const raw = subPath.split('/');
  if (raw.includes('..')) throw bad('must not contain ".." segments');
  const segments = posix.normalize(subPath).split('/').filter((s) => s !== '' && s !== '.');
  for (const s of segments) if (Buffer.byteLength(s) > 255) throw bad('a path segment is longer than 255 bytes');
  return segments;
}

/** Whether `child` is `parent` or lies below it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  if (!isAbsolute(parent) || !isAbsolute(child)) return false;
  const rel = relative(parent, child);
  if (rel === '') return true;
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Field errors of putFiles keys; empty when all are plain file names. */
export function fileNameErrors(files: unknown): FieldError[] {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) return [{ field: 'files', reason: 'must be an object of file name to content' }];
  const out: FieldError[] = [];
  for (const [key, value] of Object.entries(files)) {
    const field = `files.${JSON.stringify(key)}`;
    if (key === '.' || key === '..') out.push({ field, reason: 'must not be "." or ".."' });
    else if (!FILE_NAME.test(key)) out.push({ field, reason: 'must be a plain file name: 1-255 characters of [A-Za-z0-9._-]' });
    if (typeof value !== 'string') out.push({ field, reason: 'content must be a string' });
  }
  return out;
}

/** Validates putFiles input; returns it typed or throws INVALID_ARGUMENT. */
export function checkFiles(files: unknown): Record<string, string> {
  const errors = fileNameErrors(files);
  if (errors.length) throw invalid(errors, 'invalid files');
  return files as Record<string, string>;
}

/** `<root>/<namespace>/<name>`: a validated reference's volume directory. */
export const volumeDir = (root: string, ref: VolumeRef): string => join(root, ref.namespace, ref.name);

/** `<root>/.files/<namespace>/<name>`: a validated reference's putFiles directory. */
export const filesDir = (root: string, ref: VolumeRef): string => join(root, FILES_DIR, ref.namespace, ref.name);
