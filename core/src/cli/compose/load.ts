// Reading a compose file as `docker compose` does before it looks at services: YAML with anchors and
// merge keys (`<<: *defaults`), variables from the environment and from a `.env` file beside the
// compose file (the environment wins), and the project's name.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { LbError } from '@lastbackend/sdk';
import { parseAllDocuments } from 'yaml';
import { parseEnvFile } from '../env-file';
import { interpolateAll } from './interpolate';
import { isMap, platformName } from './values';

/** compose.yaml, docker-compose.yml, and override files such as docker-compose.prod.yml. */
const COMPOSE_NAME = /^(docker-)?compose(\.[\w.-]+)?\.ya?ml$/i;

export const isComposeFileName = (path: string): boolean => COMPOSE_NAME.test(basename(path));

/** A compose file by content: one mapping with a `services:` mapping and no `kind:` (which manifests have). */
export function looksLikeCompose(docs: readonly unknown[]): boolean {
  if (docs.length !== 1) return false;
  const d = docs[0];
  if (!isMap(d) || 'kind' in d) return false;
  return isMap(d.services);
}

export interface ComposeSource {
  /** How errors name it: the path or "<stdin>". */
  name: string;
  text: string;
  /** Where relative paths (env_file, secrets, configs, .env) are read from: the file's directory, else the cwd. */
  dir: string;
}

export interface LoadedCompose {
  /** The interpolated document. */
  doc: Record<string, unknown>;
  /** The project's name before normalising: `name:`, else the directory's name. */
  project: string;
  dir: string;
  file: string;
  /** Variables used unset with no default (each became ""), as compose warns of them. */
  unset: string[];
  /** A variable of the environment, else of the .env file: also what `environment: [NAME]` takes. */
  lookup: (name: string) => string | undefined;
}

export function composeSource(name: string, text: string, cwd: string): ComposeSource {
  const local = name !== '<stdin>' && !/^https?:\/\//i.test(name);
  return { name, text, dir: local ? dirname(resolve(cwd, name)) : cwd };
}

/** Parses and interpolates a compose file. `env` is the process environment. */
export function loadCompose(src: ComposeSource, env: NodeJS.ProcessEnv): LoadedCompose {
  const docs = parseAllDocuments(src.text, { merge: true });
  const list = Array.isArray(docs) ? docs : [];
  for (const d of list) {
    const e = d.errors[0];
    if (e) throw new LbError('INVALID_ARGUMENT', `${src.name}: YAML syntax error${e.linePos ? ` at line ${e.linePos[0].line}` : ''}: ${e.message.split('\n')[0]}`);
  }
  const values = list.map((d) => d.toJS({ maxAliasCount: 1000 }) as unknown).filter((v) => v !== null && v !== undefined);
  if (values.length !== 1 || !isMap(values[0])) throw new LbError('INVALID_ARGUMENT', `${src.name}: a compose file is one YAML mapping with services:`);
  const raw = values[0];
  if (!isMap(raw.services)) throw new LbError('INVALID_ARGUMENT', `${src.name}: services: must be a mapping of service names to services`);
  const dotenv = readDotEnv(src.dir);
  const unset = new Set<string>();
  const lookup = (n: string) => env[n] ?? dotenv.get(n);
  const doc = interpolateAll(raw, lookup, (n) => unset.add(n)) as Record<string, unknown>;
  const named = doc.name;
  if (named !== undefined && typeof named !== 'string') throw new LbError('INVALID_ARGUMENT', `${src.name}: name: must be a string`);
  return { doc, project: named || basename(src.dir), dir: src.dir, file: src.name, unset: [...unset].sort(), lookup };
}

function readDotEnv(dir: string): Map<string, string> {
  const file = resolve(dir, '.env');
  if (!existsSync(file)) return new Map();
  return new Map(parseEnvFile(readFileSync(file, 'utf8'), file).map((e) => [e.name, e.value]));
}

/** A namespace name from a project name (compose lowercases them; here [a-z0-9-], at most 63); undefined when nothing is left. */
export const namespaceOf = (project: string): string | undefined => platformName(project) || undefined;
