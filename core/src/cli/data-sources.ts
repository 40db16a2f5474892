// The data of `lb secret create` / `lb config create`: --from-file [KEY=]PATH (a file, or every regular
// file of a directory, keyed by its name) and --from-literal KEY=VALUE, as kubectl takes them. Keys
// become file names when mounted, so they are file-name safe; a key given twice is refused.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { usage } from './usage';

const KEY = /^[-._a-zA-Z0-9]{1,253}$/;

function checkKey(key: string, from: string): string {
  if (!KEY.test(key) || key === '.' || key === '..') throw usage(`${from}: key "${key}" must be letters, digits, - _ and . (up to 253)`);
  return key;
}

/** The text of a file; a secret or config holds text, so bytes that are not UTF-8 are refused. */
function readText(path: string, from: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw usage(`${from}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const text = buf.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(buf)) throw usage(`${from}: ${path} is not UTF-8 text (a secret or config holds text)`);
  return text;
}

/** `--from-file`: [KEY=]PATH → its entries (a directory: each regular file directly in it). */
export function fromFile(spec: string): [string, string][] {
  const eq = spec.indexOf('=');
  const key = eq > 0 ? spec.slice(0, eq) : undefined;
  const path = eq > 0 ? spec.slice(eq + 1) : spec;
  const from = `from-file ${spec}`;
  if (!path) throw usage(`${from}: must be [KEY=]PATH`);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw usage(`${from}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!isDir) return [[checkKey(key ?? basename(path), from), readText(path, from)]];
  if (key) throw usage(`${from}: a directory takes no KEY= (its files are keyed by their names)`);
  return readdirSync(path, { withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => [checkKey(d.name, from), readText(join(path, d.name), from)]);
}

/** `--from-literal`: KEY=VALUE (the value may hold "=" and be empty). */
export function fromLiteral(spec: string): [string, string] {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw usage(`from-literal: "${spec}" must be KEY=VALUE`);
  return [checkKey(spec.slice(0, eq), 'from-literal'), spec.slice(eq + 1)];
}

/** The data map of the sources; a key that comes twice is a mistake, not an override. */
export function dataFrom(files: readonly string[], literals: readonly string[]): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [k, v] of [...files.flatMap(fromFile), ...literals.map(fromLiteral)]) {
    if (Object.hasOwn(data, k)) throw usage(`key "${k}" is given twice`);
    data[k] = v;
  }
  return data;
}
