// Compose's variable interpolation, as `docker compose` does it on every string value of the file:
// $VAR and ${VAR}; ${VAR:-default} (unset or empty) and ${VAR-default} (unset); ${VAR:?message} and
// ${VAR?message} (a required variable: its absence stops the conversion); ${VAR:+alt} and ${VAR+alt};
// `$$` is a literal `$`. Defaults may themselves hold variables. Keys are not interpolated.
import { LbError } from '@lastbackend/sdk';

export type Lookup = (name: string) => string | undefined;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export interface InterpolationContext {
  lookup: Lookup;
  /** Told once per variable that is used unset with no default (it becomes ""). */
  unset: (name: string) => void;
  /** How an error names the value, e.g. "services.web.image". */
  where: string;
}

/** Interpolates one string. Throws INVALID_ARGUMENT for a missing required variable or a bad `${`. */
export function interpolateString(text: string, ctx: InterpolationContext): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(text, i + 2);
      if (end < 0) throw new LbError('INVALID_ARGUMENT', `${ctx.where}: "${text}" has a \${ without its closing }`);
      out += expand(text.slice(i + 2, end), ctx);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(text.slice(i + 1));
    if (m) {
      out += value(m[0], ctx);
      i += 1 + m[0].length;
      continue;
    }
    out += c; // a lone `$` stays as written, as compose keeps it
    i++;
  }
  return out;
}

/** Index of the `}` closing a `${` whose body starts at `from` (nested `${…}` in defaults allowed). */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function value(name: string, ctx: InterpolationContext): string {
  const v = ctx.lookup(name);
  if (v === undefined) ctx.unset(name);
  return v ?? '';
}

function expand(body: string, ctx: InterpolationContext): string {
  const m = NAME.exec(body);
  if (!m) throw new LbError('INVALID_ARGUMENT', `${ctx.where}: "\${${body}}" is not a variable reference (a name of letters, digits and _)`);
  const name = m[0];
  const rest = body.slice(name.length);
  if (!rest) return value(name, ctx);
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (!op) throw new LbError('INVALID_ARGUMENT', `${ctx.where}: "\${${body}}" has an unknown modifier (use :-, -, :?, ?, :+ or +)`);
  const arg = () => interpolateString(rest.slice(op.length), ctx);
  const v = ctx.lookup(name);
  const emptyCounts = op.startsWith(':');
  const missing = v === undefined || (emptyCounts && v === '');
  switch (op.slice(-1)) {
    case '-':
      return missing ? arg() : (v as string);
    case '+':
      return missing ? '' : arg();
    default: {
      if (!missing) return v as string;
      const msg = arg();
      throw new LbError('INVALID_ARGUMENT', `${ctx.where}: required variable ${name} is ${v === undefined ? 'not set' : 'empty'}${msg ? `: ${msg}` : ''}`);
    }
  }
}

/** Interpolates every string value of a parsed compose document (keys stay as written). */
export function interpolateAll(value: unknown, lookup: Lookup, unset: (name: string) => void, path: string[] = []): unknown {
  if (typeof value === 'string') return interpolateString(value, { lookup, unset, where: path.join('.') || '<root>' });
  if (Array.isArray(value)) return value.map((v, i) => interpolateAll(v, lookup, unset, [...path, String(i)]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateAll(v, lookup, unset, [...path, k]);
    return out;
  }
  return value;
}
