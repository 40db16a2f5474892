import { createHash } from 'node:crypto';
import { stableStringify } from '@lastbackend/sdk';

/** Declared in the SDK (the dashboard compares templates with it too). */
export { stableStringify };

export function hashOf(v: unknown, length = 12): string {
  return createHash('sha256').update(stableStringify(v)).digest('hex').slice(0, length);
}
