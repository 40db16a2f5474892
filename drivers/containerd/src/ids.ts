// Container ids: containerd accepts [A-Za-z0-9] runs joined by single . _ or -, at most 76 characters.
import { createHash } from 'node:crypto';

const VALID_ID = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
const MAX_ID = 76;

/** The name itself when containerd accepts it as an id, else a readable form with a hash that keeps it unique. */
export function containerId(name: string): string {
  if (VALID_ID.test(name) && name.length <= MAX_ID) return name;
  const readable = name
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_ID - 14)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return readable ? `${readable}-${hash}` : hash;
}

/** A containerd filter value or field name, quoted (Go strconv.Quote rules agree with JSON for plain text). */
export const quote = (s: string): string => JSON.stringify(s);

/** `labels."k"=="v",…`: every pair must match. */
export const labelFilter = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `labels.${quote(k)}==${quote(v)}`)
    .join(',');
