// Formatting for `lb get`/`lb inspect`: borderless tables, JSON, YAML, ages and quantities.
import type TableCtor from 'cli-table3';
import { lazy, yaml } from './lazy';
import { usage } from './usage';

/** table; wide: the table with more columns; name: KIND/NAME per line; json; yaml. */
export const OUTPUT_FORMATS = ['table', 'wide', 'name', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The format `-o` names, one of those the command `allowed`. */
export function outputFormat<F extends OutputFormat>(value: string | undefined, allowed: readonly F[]): F;
export function outputFormat(value: string | undefined): OutputFormat;
export function outputFormat(value: string | undefined, allowed: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  const v = (value ?? allowed[0]).toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as OutputFormat;
  throw usage(`output: unknown format "${value}" (one of ${allowed.join(', ')})`);
}

const NO_BORDERS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '   ',
};

/** A table without borders or colours: a header row, then one row per object. */
const table = lazy(() => require('cli-table3') as typeof TableCtor);

export function renderTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const t = new (table())({
    head: [...head],
    chars: NO_BORDERS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  for (const r of rows) t.push([...r]);
  return (
    t
      .toString()
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n') + '\n'
  );
}

export function renderJson(list: readonly unknown[]): string {
  return JSON.stringify(list, null, 2) + '\n';
}

export function renderYaml(value: unknown): string {
  return yaml().stringify(value, { lineWidth: 0 });
}

/** Age like kubectl: 42s, 5m, 3h, 12d. */
export function formatAge(iso: string | undefined, now: number = Date.now()): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '-';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** Millicores as cores: 500 → "0.5", 4000 → "4". */
export function formatCpu(milli: number | undefined): string {
  if (milli === undefined || !Number.isFinite(milli)) return '-';
  return String(Math.round(milli / 10) / 100);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
/** Bytes in binary units: 536870912 → "512MiB", 8.2e9 → "7.6GiB". */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '-';
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const shown = v >= 100 || Number.isInteger(v) ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
  return `${shown}${UNITS[i]}`;
}

/** One line, for "error: <message>". */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
}
