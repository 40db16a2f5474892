// Parsers for command-line values. Each throws a UsageError (exit 2) naming the option.
import { usage as bad } from './usage';

/** "0", "3", "12" → number; anything else (negative, fractional, words) is an error. */
export function parseWholeNumber(value: string, field: string): number {
  const v = value.trim();
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw bad(`${field}: must be a whole number ≥ 0`);
  return Number(v);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A duration such as "90s", "10m", "24h", "30d", "1h30m" (or bare seconds) → seconds. */
export function parseDuration(value: string, field: string): number {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  if (!/^(\d+[smhd])+$/i.test(v)) throw bad(`${field}: "${value}" must be a duration such as 90m, 24h or 30d`);
  let secs = 0;
  for (const m of v.toLowerCase().matchAll(/(\d+)([smhd])/g)) secs += Number(m[1]) * UNIT_SECONDS[m[2]];
  return secs;
}

/**
 * `--since`: a duration ago ("30s", "10m", "1h30m", "2d") or an ISO time, as unix seconds.
 * A bare number is unix seconds when it looks like a timestamp, else seconds ago.
 */
export function parseSince(value: string, now: number = Date.now()): number {
  const v = value.trim();
  const nowSec = Math.floor(now / 1000);
  if (/^\d+(\.\d+)?$/.test(v)) {
    const n = Number(v);
    return n >= 1e9 ? Math.floor(n) : nowSec - Math.floor(n);
  }
  if (/^(\d+[smhd])+$/i.test(v)) return nowSec - parseDuration(v, 'since');
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return Math.floor(t / 1000);
  }
  throw bad(`since: "${value}" must be a duration such as 30s, 10m, 1h or an ISO time such as 2024-01-02T15:04:05Z`);
}

/** `--to v3` or `--to 3` → 3. */
export function parseRevision(value: string): number {
  const m = /^v?(\d+)$/i.exec(value.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw bad(`to: "${value}" must be a deployment version such as v3 or 3`);
  return n;
}

/** `--env KEY=VALUE` (the value may contain "=" and be empty). */
export function parseEnvPair(value: string): { name: string; value: string } {
  const i = value.indexOf('=');
  if (i <= 0) throw bad(`env: "${value}" must be KEY=VALUE`);
  return { name: value.slice(0, i), value: value.slice(i + 1) };
}

/**
 * `--port 80` → "80:80/tcp"; "80:8080" → "80:8080/tcp"; "53/udp" → "53:53/udp".
 * Anything else is returned unchanged so the manifest schema reports it with its field path.
 */
export function normalizePort(value: string): string {
  const m = /^(\d{1,5})(?::(\d{1,5}))?(?:\/(tcp|udp))?$/i.exec(value.trim());
  if (!m) return value;
  return `${m[1]}:${m[2] ?? m[1]}/${(m[3] ?? 'tcp').toLowerCase()}`;
}

/** Splits a command line like a POSIX shell does for words: quotes and backslashes, no expansion. */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw bad(`command: unterminated ${quote} quote in "${line}"`);
  if (inWord) words.push(cur);
  return words;
}

/** Collects a repeatable option's values. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
