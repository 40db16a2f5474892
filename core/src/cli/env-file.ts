// `lb run --env-file FILE`: KEY=VALUE lines as docker and compose read them. Blank lines and lines
// starting with # are skipped, an `export ` prefix is allowed, one pair of matching quotes around a
// value is removed ("a b" → a b); anything else in a line is kept as written. A bad line is refused
// naming the file and the line, before anything is sent.
import { readFileSync } from 'node:fs';
import { usage } from './usage';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseEnvFile(text: string, file: string): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const t = line.trimStart();
    if (!t || t.startsWith('#')) return;
    const body = t.startsWith('export ') ? t.slice(7).trimStart() : t;
    const eq = body.indexOf('=');
    const name = eq < 0 ? body.trimEnd() : body.slice(0, eq);
    const where = `env-file ${file} line ${i + 1}`;
    if (eq < 0) throw usage(`${where}: "${clip(line)}" must be KEY=VALUE`);
    if (!ENV_NAME.test(name)) throw usage(`${where}: "${clip(name)}" is not a variable name (letters, digits and _, not starting with a digit)`);
    let value = body.slice(eq + 1);
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) value = value.slice(1, -1);
    out.push({ name, value });
  });
  return out;
}

export function readEnvFile(file: string): { name: string; value: string }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw usage(`env-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseEnvFile(text, file);
}

/** The variables of the env files, then of --env, a later one of a name replacing an earlier one in place. */
export function mergeEnv(...lists: { name: string; value: string }[][]): { name: string; value: string }[] {
  const byName = new Map<string, string>();
  for (const l of lists) for (const e of l) byName.set(e.name, e.value);
  return [...byName].map(([name, value]) => ({ name, value }));
}

const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
