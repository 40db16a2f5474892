import { randomUUID } from 'node:crypto';
import type { ManifestMeta, ObjectMeta } from '@lastbackend/sdk';

/** Meta of a new object from what the user wrote. */
export function newMeta(m: Partial<ManifestMeta> & { name: string }, extra: Record<string, string> = {}): ObjectMeta {
  const now = new Date().toISOString();
  return {
    name: m.name,
    ...(m.description !== undefined ? { description: m.description } : {}),
    labels: m.labels ?? {},
    uid: randomUUID(),
    created: now,
    updated: now,
    revision: 0,
    ...extra,
  };
}

export function touch<T extends { meta: ObjectMeta }>(obj: T): T {
  obj.meta.updated = new Date().toISOString();
  return obj;
}
