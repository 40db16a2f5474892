import type { FieldError } from './errors';
import { invalid } from './errors';

/** The part of a schema library the SDK relies on (zod schemas satisfy it). */
export interface SchemaLike<T> {
  safeParse(value: unknown):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<SchemaIssue> } };
}
export interface SchemaIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  keys?: ReadonlyArray<string>;
}

export function issuesToFields(issues: ReadonlyArray<SchemaIssue>, base: ReadonlyArray<PropertyKey> = []): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path].map(String);
    if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
      for (const k of issue.keys) out.push({ field: [...path, k].join('.'), reason: 'unknown field' });
      continue;
    }
    out.push({ field: path.join('.'), reason: issue.message });
  }
  return out;
}

/** Parses or throws an INVALID_ARGUMENT LbError naming every bad field. */
export function parseOrThrow<T>(schema: SchemaLike<T>, value: unknown, what = 'invalid input', base: PropertyKey[] = []): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw invalid(issuesToFields(r.error.issues, base), what);
}
