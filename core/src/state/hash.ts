import { createHash } from 'node:crypto';

/** JSON with sorted keys, so equal values always serialise (and hash) the same. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function hashOf(v: unknown, length = 12): string {
  return createHash('sha256').update(stableStringify(v)).digest('hex').slice(0, length);
}
