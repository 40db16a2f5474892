// Small parsers for compose's value formats: durations, byte sizes, lists-or-maps, names.
import { LbError } from '@lastbackend/sdk';

export class ComposeError extends LbError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** Go durations as compose writes them: "30s", "1m30s", "500ms", "1h"; a number is seconds. */
export function durationSeconds(v: unknown, where: string): number {
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v !== 'string') throw new ComposeError(`${where}: must be a duration such as 30s, 1m30s or 500ms`);
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * unit[m[2]];
    at = re.lastIndex;
  }
  if (at !== v.length || v.length === 0) throw new ComposeError(`${where}: "${v}" must be a duration such as 30s, 1m30s or 500ms`);
  return total;
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
/** Compose's byte sizes ("512m", "1gb", "2G", 1048576) as the platform's ram: "512mib" when whole MiB, else bytes. */
export function ramOf(v: unknown, where: string): string | number {
  const m = typeof v === 'number' ? ['', String(v), ''] : typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(v.trim()) : null;
  if (!m) throw new ComposeError(`${where}: "${String(v)}" must be a size such as 512m, 1g or a number of bytes`);
  const bytes = Math.round(Number(m[1]) * BYTE_UNITS[m[2].toLowerCase()]);
  return bytes % 1024 ** 2 === 0 ? `${bytes / 1024 ** 2}mib` : bytes;
}

export function cpuOf(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new ComposeError(`${where}: "${String(v)}" must be a number of cores such as 0.5 or 2`);
  return n;
}

/** A list of strings (or numbers), or one string. */
export function stringList(v: unknown, where: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  throw new ComposeError(`${where}: must be a string or a list of strings`);
}

/** `KEY=VALUE` lists or `{KEY: VALUE}` maps (environment, labels); a value-less entry is null. */
export function keyValues(v: unknown, where: string): [string, string | null][] {
  if (Array.isArray(v))
    return v.map((e, i) => {
      if (typeof e !== 'string') throw new ComposeError(`${where}.${i}: must be KEY=VALUE`);
      const eq = e.indexOf('=');
      return eq < 0 ? [e, null] : [e.slice(0, eq), e.slice(eq + 1)];
    });
  if (isMap(v))
    return Object.entries(v).map(([k, x]) => {
      if (x === null || x === undefined) return [k, null];
      if (typeof x === 'object') throw new ComposeError(`${where}.${k}: must be a string, number or boolean`);
      return [k, String(x)];
    });
  throw new ComposeError(`${where}: must be a list of KEY=VALUE or a mapping`);
}

export function int(v: unknown, where: string, min = 0): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new ComposeError(`${where}: must be a whole number${min ? ` of at least ${min}` : ''}`);
  return n;
}

/** A platform name (lowercase letters, digits and -, at most 63) from a compose name. */
export function platformName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

export const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
